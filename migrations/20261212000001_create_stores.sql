-- Store price automation: a workspace's stores (Salla, or the demo store),
-- their catalogue, competitors' offers and prices, pricing runs and the
-- decisions each run made.
alter table tenant add column stores_limit_override bigint;

-- A store outlives its connection like a social account: disconnecting (or
-- Salla's app.uninstalled) clears the tokens and stops automation, and the
-- decisions made for it keep their history.
create table store (
    id text primary key,
    tenant_id text not null
        constraint store_tenant_fk references tenant (id) on delete cascade,
    -- salla or demo
    platform text not null,
    -- Salla's merchant id; "demo" for the demo store
    external_id text not null,
    name text not null,
    domain text not null default '',
    -- ISO 4217; every price of the store is in its minor unit
    currency text not null default 'SAR',
    -- connected, reconnect (Salla refused the token), uninstalled or disconnected
    status text not null default 'connected',
    status_reason text not null default '',
    access_token_sealed text,
    refresh_token_sealed text,
    token_expires_at bigint,
    -- one token refresh at a time (Salla's refresh tokens are single-use)
    token_lock text,
    token_locked_until bigint,
    -- manual, semi (proposals wait for review) or auto (applied within the rules)
    mode text not null default 'manual',
    -- the instant pause switch of automatic pricing
    paused smallint not null default 0
        constraint store_paused_flag check (paused in (0, 1)),
    -- the most products one automatic run changes
    max_changes_per_run bigint not null default 50,
    -- the store's pricing rules as JSON (domain::pricing::Rules)
    rules text not null,
    -- never, running, done or failed, with the reason in words
    sync_state text not null default 'never',
    sync_error text not null default '',
    synced_at bigint,
    connected_by text,
    connected_at bigint not null,
    disconnected_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create unique index store_platform_idx on store (tenant_id, platform, external_id);

-- A product or one of its variants, as the store last reported it. What
-- Salla does not know (a cost, a floor or ceiling price, rules of its own)
-- the merchant sets here, and a sync leaves it alone.
create table store_product (
    id text primary key,
    tenant_id text not null
        constraint store_product_tenant_fk references tenant (id) on delete cascade,
    store_id text not null
        constraint store_product_store_fk references store (id) on delete cascade,
    external_id text not null,
    -- '' for the product itself, else the variant's id
    variant_id text not null default '',
    sku text not null default '',
    name text not null,
    price bigint not null,
    sale_price bigint,
    cost bigint,
    -- salla (the store's cost price) or merchant (set here); '' when unknown
    cost_from text not null default '',
    floor_price bigint,
    ceiling_price bigint,
    -- null: unlimited
    stock bigint,
    status text not null default 'sale',
    image_url text not null default '',
    url text not null default '',
    -- the product's own rules as JSON, or null for the store's
    rules text,
    -- gone from the store (product.deleted, or missing from a full sync)
    removed smallint not null default 0
        constraint store_product_removed_flag check (removed in (0, 1)),
    synced_at bigint not null,
    created_at bigint not null,
    updated_at bigint not null
);
create unique index store_product_external_idx on store_product (tenant_id, store_id, external_id, variant_id);
create index store_product_name_idx on store_product (tenant_id, store_id, removed, name);

-- A competitor's offer of a product, by the page that shows it.
create table competitor (
    id text primary key,
    tenant_id text not null
        constraint competitor_tenant_fk references tenant (id) on delete cascade,
    store_id text not null
        constraint competitor_store_fk references store (id) on delete cascade,
    product_id text not null
        constraint competitor_product_fk references store_product (id) on delete cascade,
    url text not null,
    label text not null default '',
    -- the fallback when the page has no structured price
    selector text not null default '',
    -- the latest price read and when; the error of the latest read, if any
    price bigint,
    observed_at bigint,
    checked_at bigint,
    error text not null default '',
    created_at bigint not null
);
create unique index competitor_url_idx on competitor (tenant_id, product_id, url);
create index competitor_store_idx on competitor (tenant_id, store_id);

-- Every price read, kept for the price history chart.
create table competitor_price (
    id text primary key,
    tenant_id text not null
        constraint competitor_price_tenant_fk references tenant (id) on delete cascade,
    competitor_id text not null
        constraint competitor_price_competitor_fk references competitor (id) on delete cascade,
    product_id text not null,
    price bigint not null,
    observed_at bigint not null
);
create index competitor_price_product_idx on competitor_price (tenant_id, product_id, observed_at);

-- The store's own price over time (each sync that saw a change, each
-- applied decision), for the same chart.
create table product_price (
    id text primary key,
    tenant_id text not null
        constraint product_price_tenant_fk references tenant (id) on delete cascade,
    product_id text not null
        constraint product_price_product_fk references store_product (id) on delete cascade,
    price bigint not null,
    observed_at bigint not null
);
create index product_price_product_idx on product_price (tenant_id, product_id, observed_at);

-- One pricing run over a store's catalogue and what it came to.
create table price_run (
    id text primary key,
    tenant_id text not null
        constraint price_run_tenant_fk references tenant (id) on delete cascade,
    store_id text not null
        constraint price_run_store_fk references store (id) on delete cascade,
    -- manual (a member pressed Run) or schedule
    trigger text not null,
    mode text not null,
    -- running, done or failed
    state text not null default 'running',
    analysed bigint not null default 0,
    proposed bigint not null default 0,
    applied bigint not null default 0,
    skipped bigint not null default 0,
    failed bigint not null default 0,
    competitors bigint not null default 0,
    -- the average margin over cost of the prices the run proposed, in basis points
    margin_bp bigint,
    -- the schedule's slot (unix seconds) a scheduled run serves; cadence
    -- is measured from it, so a late start does not push the next run back
    slot bigint,
    -- in milliseconds, since runs take seconds
    started_at bigint not null,
    finished_at bigint,
    started_by text,
    -- why it failed, in words
    error text not null default ''
);
create index price_run_store_idx on price_run (tenant_id, store_id, started_at);
-- One run at a time per store: a second "Run now" (or a slot while a run
-- is under way) finds the open run instead of starting another.
create unique index price_run_open_idx on price_run (tenant_id, store_id) where state in ('queued', 'running');

-- One product's decision in one run: its inputs, the rule applied and the
-- price proposed are written once and never changed. What happened to it
-- afterwards (approved, edited, applied, rejected, failed, reverted) is in
-- price_decision_event; `outcome` only names the latest of those.
create table price_decision (
    id text primary key,
    tenant_id text not null
        constraint price_decision_tenant_fk references tenant (id) on delete cascade,
    store_id text not null
        constraint price_decision_store_fk references store (id) on delete cascade,
    run_id text not null
        constraint price_decision_run_fk references price_run (id) on delete cascade,
    product_id text not null
        constraint price_decision_product_fk references store_product (id) on delete cascade,
    -- JSON: price, cost, floor, ceiling, stock, competitors (price, age)
    inputs text not null,
    rule text not null,
    floor_price bigint not null,
    -- the price before and the price proposed (null when skipped)
    price_before bigint not null,
    proposed_price bigint,
    -- proposed, skipped, applied, rejected, failed or reverted; applying and
    -- reverting while a change is under way (claimed by one request only)
    outcome text not null,
    -- why skipped or failed, in words
    reason text not null default '',
    -- the price in force after it was applied (an edited proposal differs)
    applied_price bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index price_decision_store_idx on price_decision (tenant_id, store_id, created_at);
-- A run decides each product once: a retried run decides only the
-- products its interrupted attempt had not, and keeps what that one wrote.
create unique index price_decision_run_idx on price_decision (tenant_id, run_id, product_id);
create index price_decision_outcome_idx on price_decision (tenant_id, store_id, outcome);
create index price_decision_product_idx on price_decision (tenant_id, product_id, created_at);

-- What happened to a decision, appended, never changed.
create table price_decision_event (
    id text primary key,
    tenant_id text not null
        constraint price_decision_event_tenant_fk references tenant (id) on delete cascade,
    decision_id text not null
        constraint price_decision_event_decision_fk references price_decision (id) on delete cascade,
    -- proposed, skipped, superseded, approved, edited, rejected, applied,
    -- failed, reverted
    action text not null,
    price bigint,
    note text not null default '',
    -- a member's id, or null for the automation
    actor text,
    at bigint not null
);
create index price_decision_event_decision_idx on price_decision_event (tenant_id, decision_id, at);
