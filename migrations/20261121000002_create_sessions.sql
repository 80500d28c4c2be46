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

-- Single-use links mailed to a user: password resets and email
-- confirmations. Only a SHA-256 of the token is kept; each expires.
create table email_token (
    token_hash text primary key,
    user_id text not null
        constraint email_token_user_fk references app_user (id) on delete cascade,
    purpose text not null
        constraint email_token_purpose_known check (purpose in ('reset', 'verify')),
    expires_at bigint not null,
    used_at bigint,
    created_at bigint not null
);
create index email_token_user_idx on email_token (user_id, purpose);

-- Every mail the app sends. Without SMTP_URL mail stays here ("kept") for
-- the operator to read; with it, the row records whether delivery worked,
-- and a delivered mail's body is not kept (it carries a sign-in link).
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
