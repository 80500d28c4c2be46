-- Outgoing webhooks: endpoints a workspace registers for some events, and
-- one delivery row per event and endpoint (a re-send is a new row with the
-- same event id). Secrets are sealed like site credentials; while a rolled
-- secret's grace lasts, deliveries are signed with both.
create table webhook_endpoint (
    id text primary key,
    tenant_id text not null
        constraint webhook_endpoint_tenant_fk references tenant (id) on delete cascade,
    url text not null,
    description text not null default '',
    -- space-separated: post.published post.failed job.dead site.needs_attention plan.changed
    events text not null,
    secret_sealed text not null,
    previous_secret_sealed text,
    previous_valid_until bigint,
    created_by text,
    created_at bigint not null,
    updated_at bigint not null
);
create index webhook_endpoint_tenant_idx on webhook_endpoint (tenant_id, created_at);

create table webhook_delivery (
    id text primary key,
    tenant_id text not null
        constraint webhook_delivery_tenant_fk references tenant (id) on delete cascade,
    endpoint_id text not null
        constraint webhook_delivery_endpoint_fk references webhook_endpoint (id) on delete cascade,
    event_id text not null,
    event text not null,
    -- the exact body sent, so every attempt and re-send signs the same bytes
    payload text not null,
    attempts bigint not null default 0,
    -- the last attempt's answer
    response_code bigint,
    response_excerpt text not null default '',
    error text not null default '',
    created_at bigint not null,
    last_attempt_at bigint,
    delivered_at bigint
);
create index webhook_delivery_endpoint_idx on webhook_delivery (endpoint_id, created_at);
