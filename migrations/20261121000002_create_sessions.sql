-- Browser sessions (tower-sessions records as JSON text), shared by every
-- web process so sessions survive restarts and work behind a load balancer.
create table session (
    id text primary key,
    data text not null,
    expiry_date bigint not null
);
create index session_expiry_idx on session (expiry_date);

-- Failed sign-ins, keyed "ip:<addr>" or "email:<address>", for throttling
-- that holds across processes. Old rows are swept by housekeeping.
create table login_attempt (
    id text primary key,
    attempt_key text not null,
    attempted_at bigint not null
);
create index login_attempt_key_idx on login_attempt (attempt_key, attempted_at);

-- Password reset links: only a SHA-256 of the token is kept, single use,
-- expiring.
create table password_reset (
    token_hash text primary key,
    user_id text not null
        constraint password_reset_user_fk references app_user (id) on delete cascade,
    expires_at bigint not null,
    used_at bigint,
    created_at bigint not null
);
create index password_reset_user_idx on password_reset (user_id);

-- Every mail the app sends. Without SMTP_URL mail stays here ("kept") for
-- the operator to read; with it, the row records whether delivery worked.
create table mail_outbox (
    id text primary key,
    to_address text not null,
    subject text not null,
    body_text text not null,
    status text not null
        constraint mail_outbox_status_known check (status in ('kept', 'sent', 'failed')),
    created_at bigint not null
);
create index mail_outbox_created_idx on mail_outbox (created_at);
