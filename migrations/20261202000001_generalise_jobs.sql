-- One job runner for every kind of work. A job no longer belongs to a site
-- by a foreign key: `subject_id` names the row it works on (a site for a
-- 'post' job, '' for none), and a job is unique per (tenant, kind, subject,
-- slot). Kinds and their steps are registered in code by the module that
-- owns them, so neither is a fixed list here any more; `state` stays the
-- queue's own. Each claim writes a fresh random `lease_token`, and every
-- write of that claim must match it: a lease is one claim, not one process.
--
-- SQLite cannot drop a CHECK constraint, so job (and post, which refers to
-- it) are copied aside and created anew. Jobs running now keep running
-- until their lease runs out and are then claimed again under a token.

create table job_copy as select * from job;
create table post_copy as select * from post;
drop table post;
drop table job;

create table job (
    id text primary key,
    tenant_id text not null
        constraint job_tenant_fk references tenant (id) on delete cascade,
    kind text not null,
    subject_id text not null default '',
    -- the scheduled instant this job fills (unix seconds); "run now" uses
    -- the negated click time (ms), so it never meets a scheduled slot
    slot bigint not null,
    state text not null default 'queued'
        constraint job_state_known check (state in ('queued', 'running', 'waiting', 'done', 'dead')),
    -- what users see, named by the job's kind
    step text not null default 'queued',
    attempt bigint not null default 0,
    max_attempts bigint not null default 5,
    run_at_ms bigint not null,
    -- the process holding the job, for operators; the token is what counts
    worker_id text,
    lease_token text,
    locked_until_ms bigint,
    last_error text,
    created_at bigint not null,
    updated_at bigint not null,
    finished_at bigint
);
-- Only post jobs carry over: 'noop' rows were benchmark filler, with no
-- kind left to run them.
insert into job (id, tenant_id, kind, subject_id, slot, state, step, attempt, max_attempts, run_at_ms, worker_id,
    lease_token, locked_until_ms, last_error, created_at, updated_at, finished_at)
select id, tenant_id, kind, coalesce(site_id, ''), slot, state, step, attempt, max_attempts, run_at_ms, worker_id,
    null, locked_until_ms, last_error, created_at, updated_at, finished_at
from job_copy where kind = 'post';

-- The post table as it was, pointing at the new job table.
create table post (
    id text primary key,
    tenant_id text not null references tenant (id) on delete cascade,
    site_id text not null references site (id) on delete cascade,
    job_id text not null references job (id) on delete cascade,
    title text not null,
    body_html text not null,
    excerpt text not null default '',
    tags text not null default '',
    slug text not null,
    review text not null
        constraint post_review_known check (review in ('pending', 'approved', 'rejected', 'auto')),
    reviewed_by text,
    wp_status text not null,
    publish_at bigint,
    remote_id bigint,
    remote_url text,
    published_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    constraint post_job_key unique (job_id)
);
insert into post (id, tenant_id, site_id, job_id, title, body_html, excerpt, tags, slug, review, reviewed_by,
    wp_status, publish_at, remote_id, remote_url, published_at, created_at, updated_at)
select id, tenant_id, site_id, job_id, title, body_html, excerpt, tags, slug, review, reviewed_by,
    wp_status, publish_at, remote_id, remote_url, published_at, created_at, updated_at
from post_copy;

drop table post_copy;
drop table job_copy;

-- Two schedulers can never fire one slot of one subject twice.
create unique index job_subject_slot on job (tenant_id, kind, subject_id, slot);
-- The claim scans across tenants: due queued jobs in the order it takes
-- them (run_at_ms, id), so it reads its batch off the index instead of
-- sorting the whole queue, and expired leases.
create index job_claim on job (state, run_at_ms, id);
create index job_tenant_state on job (tenant_id, state, updated_at);
create index post_tenant_review on post (tenant_id, review, created_at);
create index post_tenant_created on post (tenant_id, created_at);
create index post_tenant_published on post (tenant_id, published_at);

-- The platform's own workspace: work that belongs to no customer
-- (housekeeping) runs in it, under the runner's ordinary rules. It has no
-- members, so nobody can sign in to it.
insert into tenant (id, name, plan, created_at)
values ('00000000-0000-0000-0000-000000000000', 'Autopilot platform', 'free', 0);
