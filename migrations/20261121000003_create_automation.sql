-- Automation: WordPress sites, the jobs that write and publish for them, and
-- the posts they produce. Job timings are unix milliseconds (suffix _ms) so
-- polls and back-offs below a second are expressible; every other instant is
-- unix seconds.

-- A WordPress site of a workspace, with its automation settings.
create table site (
    id text primary key,
    tenant_id text not null references tenant (id) on delete cascade,
    name text not null,
    -- normalised base URL without a trailing slash, e.g. https://blog.example.com
    url text not null,
    username text not null,
    -- the application password, sealed with a key derived from SECRET_KEY and
    -- bound to (tenant_id, id): a copied ciphertext does not open elsewhere
    password_sealed text not null,
    -- connection: 'unknown' until tested, 'connected', or 'attention' after
    -- WordPress refused the credentials (automation stops until fixed)
    connection text not null default 'unknown'
        constraint site_connection_known check (connection in ('unknown', 'connected', 'attention')),
    connection_detail text not null default '',
    automation_on smallint not null default 0
        constraint site_automation_on_flag check (automation_on in (0, 1)),
    niche text not null default '',
    -- one topic per line
    topics text not null default '',
    tone text not null default 'friendly',
    language text not null default 'English',
    target_words bigint not null default 800,
    -- names, comma separated; looked up (or created) on the site when publishing
    categories text not null default '',
    tags text not null default '',
    wp_status text not null default 'publish'
        constraint site_wp_status_known check (wp_status in ('publish', 'draft', 'future')),
    approval text not null default 'review'
        constraint site_approval_known check (approval in ('review', 'auto')),
    schedule_kind text not null default 'daily'
        constraint site_schedule_kind_known check (schedule_kind in ('daily', 'cron')),
    schedule_times text not null default '09:00',
    schedule_cron text not null default '',
    time_zone text not null default 'UTC',
    -- the next slot (unix seconds) the scheduler will turn into a job; null
    -- while automation is off
    next_run_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index site_tenant on site (tenant_id, created_at);
-- The scheduler's scan for due sites spans every tenant by nature.
create index site_due on site (automation_on, next_run_at);

-- One run for one site and one slot: generate, maybe wait for review, publish.
-- state is the queue's view (what a worker may claim); step is what users see.
create table job (
    id text primary key,
    tenant_id text not null references tenant (id) on delete cascade,
    site_id text references site (id) on delete cascade,
    kind text not null default 'post'
        constraint job_kind_known check (kind in ('post', 'noop')),
    -- the scheduled instant this job fills (unix seconds); "run now" uses the click
    slot bigint not null,
    state text not null default 'queued'
        constraint job_state_known check (state in ('queued', 'running', 'waiting', 'done', 'dead')),
    step text not null default 'queued'
        constraint job_step_known check (step in (
            'queued', 'generating', 'awaiting_review', 'publishing', 'published', 'rejected', 'failed', 'quota')),
    attempt bigint not null default 0,
    max_attempts bigint not null default 5,
    run_at_ms bigint not null,
    worker_id text,
    locked_until_ms bigint,
    last_error text,
    created_at bigint not null,
    updated_at bigint not null,
    finished_at bigint
);
-- Two schedulers can never fire one slot of one site twice.
create unique index job_site_slot on job (tenant_id, site_id, slot);
-- The claim scans across tenants: due queued jobs and expired leases.
create index job_claim on job (state, run_at_ms);
create index job_tenant_state on job (tenant_id, state, updated_at);

-- A generated post. Stored before anything is sent to WordPress; the remote
-- id and link are written the moment WordPress answers.
create table post (
    id text primary key,
    tenant_id text not null references tenant (id) on delete cascade,
    site_id text not null references site (id) on delete cascade,
    job_id text not null references job (id) on delete cascade,
    title text not null,
    body_html text not null,
    excerpt text not null default '',
    tags text not null default '',
    -- deterministic per job: a retry finds an earlier attempt's post by it
    slug text not null,
    review text not null
        constraint post_review_known check (review in ('pending', 'approved', 'rejected', 'auto')),
    reviewed_by text,
    wp_status text not null,
    -- when WordPress should show it (unix seconds), for wp_status 'future'
    publish_at bigint,
    remote_id bigint,
    remote_url text,
    published_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    constraint post_job_key unique (job_id)
);
create index post_tenant_review on post (tenant_id, review, created_at);
create index post_tenant_created on post (tenant_id, created_at);
create index post_tenant_published on post (tenant_id, published_at);
