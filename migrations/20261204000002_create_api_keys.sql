-- API keys: programs acting for one workspace, as the member who made the
-- key, with at most that member's role and within the key's scopes. The key
-- is shown once; only its SHA-256 is stored (a key is 32 random bytes, so a
-- fast hash is enough), with its first characters to tell keys apart.
create table api_key (
    id text primary key,
    tenant_id text not null
        constraint api_key_tenant_fk references tenant (id) on delete cascade,
    name text not null,
    -- "ap_live_1a2b3c4d": shown on the page and in lists
    prefix text not null,
    key_hash text not null,
    -- space-separated: read, write, admin
    scopes text not null,
    created_by text not null
        constraint api_key_created_by_fk references app_user (id) on delete cascade,
    created_at bigint not null,
    expires_at bigint,
    last_used_at bigint,
    last_used_ip text not null default '',
    revoked_at bigint,
    -- A request names no workspace: the key is what it is found by.
    constraint api_key_hash_key unique (key_hash)
);
create index api_key_tenant_idx on api_key (tenant_id, created_at);
