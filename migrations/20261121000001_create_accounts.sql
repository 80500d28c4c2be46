-- Accounts, workspaces and memberships: the base every tenant-owned table
-- hangs from. Portable between SQLite and PostgreSQL: ids are TEXT UUIDv7,
-- instants BIGINT unix seconds, flags SMALLINT 0/1.

-- A person who signs in. Platform admins are a flag here, not a tenant role.
-- session_epoch is bumped to sign the user out everywhere (password reset).
create table app_user (
    id text primary key,
    email text not null,
    name text not null,
    password_hash text not null,
    is_platform_admin smallint not null default 0
        constraint app_user_is_platform_admin_flag check (is_platform_admin in (0, 1)),
    session_epoch bigint not null default 0,
    -- set once the user follows a link mailed to the address; privileges
    -- tied to an address (ADMIN_EMAILS) wait for it
    email_verified_at bigint,
    created_at bigint not null,
    -- emails are stored lower-cased by the Email type, so this is case-insensitive
    constraint app_user_email_key unique (email)
);

-- A workspace: the tenant that owns sites, content and the subscription.
create table tenant (
    id text primary key,
    name text not null,
    plan text not null default 'free'
        constraint tenant_plan_known check (plan in ('free', 'pro', 'agency')),
    created_at bigint not null
);

-- Who belongs to which workspace, with which role.
create table membership (
    tenant_id text not null
        constraint membership_tenant_fk references tenant (id) on delete cascade,
    user_id text not null
        constraint membership_user_fk references app_user (id) on delete cascade,
    role text not null
        constraint membership_role_known check (role in ('owner', 'admin', 'manager', 'member', 'viewer')),
    created_at bigint not null,
    constraint membership_pkey primary key (tenant_id, user_id)
);
-- The one index not led by tenant_id: finding a user's workspaces happens
-- before any workspace is chosen.
create index membership_user_idx on membership (user_id);
