-- Social accounts a workspace publishes to: Facebook Pages, Instagram
-- professional accounts and TikTok accounts, and the demo channel. A row
-- outlives its connection: disconnecting clears the tokens and keeps the
-- row, so the posts made through it keep their history. Tokens are sealed
-- like site credentials.
alter table tenant add column social_accounts_limit_override bigint;

create table social_account (
    id text primary key,
    tenant_id text not null
        constraint social_account_tenant_fk references tenant (id) on delete cascade,
    -- facebook, instagram, tiktok or demo
    platform text not null,
    -- the platform's id: a Page id, an Instagram user id, a TikTok open_id
    external_id text not null,
    name text not null,
    username text not null default '',
    -- connected, reconnect (the platform refused the token) or disconnected
    status text not null default 'connected',
    -- why, in words, when not connected
    status_reason text not null default '',
    access_token_sealed text,
    refresh_token_sealed text,
    token_expires_at bigint,
    refresh_expires_at bigint,
    connected_by text,
    connected_at bigint not null,
    disconnected_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create unique index social_account_platform_idx on social_account (tenant_id, platform, external_id);
create index social_account_status_idx on social_account (tenant_id, status);
