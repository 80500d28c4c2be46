-- What platform admins need to run the service: suspensions, an audit log,
-- the worker processes' heartbeats and the history of plan changes.

-- A suspended user cannot sign in and their open sessions end at their next
-- request; a suspended workspace's automation waits and its members see why.
-- Both are reversible: clearing suspended_at restores everything.
alter table app_user add column suspended_at bigint;
alter table app_user add column suspended_reason text not null default '';
alter table tenant add column suspended_at bigint;
alter table tenant add column suspended_reason text not null default '';

-- Who did what, when and from where. The app only ever inserts here: no
-- code path updates or deletes a row. No foreign keys: an entry outlives
-- the user or workspace it names.
create table audit_log (
    -- UUIDv7: ordered by time within a second
    id text primary key,
    -- the workspace it concerns; null for what concerns no one workspace
    -- (signing in, a user's suspension)
    tenant_id text,
    -- who acted: a user, or null for the system and the operator's CLI
    actor_id text,
    -- the actor's address at the time, so the entry reads the same later
    actor_email text not null default '',
    action text not null,
    -- what it was done to, by kind and id (e.g. 'site', its id)
    target_kind text not null default '',
    target_id text not null default '',
    -- plain words: what changed (never a secret)
    detail text not null default '',
    ip text not null default '',
    request_id text not null default '',
    at bigint not null
);
create index audit_log_tenant_at on audit_log (tenant_id, at, id);
create index audit_log_at on audit_log (at, id);

-- Each process that runs jobs says it is alive on every poll; admins see
-- the last word from each. Rows of processes long gone are swept.
create table worker_process (
    id text primary key,
    host text not null,
    pid bigint not null,
    version text not null,
    started_at bigint not null,
    heartbeat_at bigint not null
);

-- Every change of a workspace's plan, for sign-up/upgrade/downgrade/churn
-- figures. No foreign key: a deleted workspace's cancellation still counts.
create table plan_change (
    id text primary key,
    tenant_id text not null,
    from_plan text not null,
    to_plan text not null,
    at bigint not null
);
create index plan_change_tenant_at on plan_change (tenant_id, at);
create index plan_change_at on plan_change (at);

-- One failure digest per workspace per day: when (unix seconds) the last
-- one went out. The next lists only failures after it.
alter table tenant add column digest_sent_at bigint not null default 0;

-- Analytics counts a workspace's posts by publication time and its jobs
-- by time of finishing. Both indexes hold every column those counts read,
-- so a busy workspace's 90 days are counted from the index alone, without
-- visiting thousands of table rows (post rows carry whole articles).
create index job_tenant_finished on job (tenant_id, finished_at, kind, state, step, subject_id);
-- The covering index is built before the narrower one it replaces is
-- dropped: a drop locks the table until the migration commits.
create index post_tenant_published_cover on post (tenant_id, published_at, site_id, created_at);
drop index post_tenant_published;
