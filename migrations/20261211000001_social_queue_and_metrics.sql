-- Posting times and metrics for social accounts.
--
-- A post can go out "at the next posting time" instead of at a chosen time:
-- it is queued (queued = 1, publish_at null), and each of its accounts'
-- posting times (a schedule of kind social-publish, subject the account)
-- takes the oldest approved post waiting in that account's queue, gives it
-- the slot's time and queues its publish jobs.

alter table social_post add column queued smallint not null default 0
    constraint social_post_queued_flag check (queued in (0, 1));
create index social_post_queue_idx on social_post (tenant_id, queued, review, publish_at, created_at);

-- What a platform says of one published target, as last read: one row per
-- target, overwritten by each fetch. A platform without a figure (TikTok
-- has no reach, Facebook no saves) leaves it null rather than 0, so
-- averages are not pulled down by figures nobody measured.
create table social_metric (
    target_id text primary key
        constraint social_metric_target_fk references social_post_target (id) on delete cascade,
    tenant_id text not null
        constraint social_metric_tenant_fk references tenant (id) on delete cascade,
    account_id text not null
        constraint social_metric_account_fk references social_account (id) on delete cascade,
    views bigint,
    reach bigint,
    likes bigint not null default 0,
    comments bigint not null default 0,
    shares bigint,
    saves bigint,
    fetched_at bigint not null
);
create index social_metric_account_idx on social_metric (tenant_id, account_id);

-- Every account still connected gets its metrics schedule (new accounts get
-- one when they connect). The first slot is in the past: the engine skips a
-- missed slot and moves the schedule to its next one.
insert into schedule (tenant_id, job_kind, subject_id, rule_kind, times, cron, time_zone, lead_seconds, active,
    next_run_at, created_at, updated_at)
select tenant_id, 'social-metrics', id, 'cron', '', '17 */6 * * *', 'UTC', 0, 1, 0, created_at, created_at
from social_account where status <> 'disconnected';
