-- The schedule engine: a recurring rule attached to a module's row (a
-- site, later a social account or a store), the job kind its slots become,
-- and the next slot. One per (tenant, kind, subject). Sites' schedule
-- columns move here, so there is one engine for every module.
create table schedule (
    tenant_id text not null
        constraint schedule_tenant_fk references tenant (id) on delete cascade,
    job_kind text not null,
    subject_id text not null default '',
    rule_kind text not null
        constraint schedule_rule_kind_known check (rule_kind in ('daily', 'cron')),
    -- daily: local times "09:00, 15:30"; cron: a 5-field expression
    times text not null default '',
    cron text not null default '',
    time_zone text not null default 'UTC',
    -- slots become jobs this many seconds before they are due
    lead_seconds bigint not null default 0,
    active smallint not null default 0
        constraint schedule_active_flag check (active in (0, 1)),
    -- the next slot (unix seconds); null while inactive
    next_run_at bigint,
    -- a slot that could not be turned into a job waits until then, so a few
    -- failing schedules cannot keep the head of the due list
    retry_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    constraint schedule_pkey primary key (tenant_id, job_kind, subject_id)
);
-- The tick's scan for due slots spans every tenant by nature.
create index schedule_due on schedule (active, next_run_at);

insert into schedule (tenant_id, job_kind, subject_id, rule_kind, times, cron, time_zone, lead_seconds, active,
    next_run_at, created_at, updated_at)
select tenant_id, 'post', id, schedule_kind, schedule_times, schedule_cron, time_zone,
    case when wp_status = 'future' then 86400 else 0 end, automation_on, next_run_at, created_at, updated_at
from site;

drop index site_due;
alter table site drop column automation_on;
alter table site drop column next_run_at;
alter table site drop column schedule_kind;
alter table site drop column schedule_times;
alter table site drop column schedule_cron;
alter table site drop column time_zone;
