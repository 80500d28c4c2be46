-- Sessions are stored under a SHA-256 of their id, so a copy of this table
-- signs nobody in. Rows stored under the plain id can never be found again:
-- everyone signs in once more. `created_at` bounds a session's whole life,
-- however active it stays (SESSION_MAX_DAYS).
delete from session;
alter table session add column created_at bigint not null default 0;

-- One table for every throttle, keyed by what is counted: sign-in failures
-- per account and address and per address, sign-ups per address, mailed
-- links per address, and actions (connection tests, schedule previews, run
-- now) per workspace and per user. Old hits are swept by housekeeping.
create table throttle_hit (
    id text primary key,
    hit_key text not null,
    hit_at bigint not null
);
create index throttle_hit_key_idx on throttle_hit (hit_key, hit_at);
drop table login_attempt;

-- A kept mail's body is blanked when the link in it expires. Mails kept
-- before this change get the lifetime their link had (an hour for a reset,
-- a week for a confirmation); housekeeping blanks those already past it.
alter table mail_outbox add column expires_at bigint;
update mail_outbox set expires_at = created_at + 3600
where status <> 'sent' and subject like 'Reset your%';
update mail_outbox set expires_at = created_at + 604800
where status <> 'sent' and subject like 'Confirm your%';
