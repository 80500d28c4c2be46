-- Invitations to join a workspace. A link is mailed to the address; only a
-- SHA-256 of its token is stored. An invitation is pending until accepted,
-- revoked or past expires_at; pending ones count against the plan's member
-- limit, so a workspace cannot invite past it and accept later.
create table invitation (
    id text primary key,
    tenant_id text not null
        constraint invitation_tenant_fk references tenant (id) on delete cascade,
    -- lower-cased by the Email type
    email text not null,
    role text not null
        constraint invitation_role_known check (role in ('owner', 'admin', 'manager', 'member', 'viewer')),
    token_hash text not null,
    invited_by text
        constraint invitation_invited_by_fk references app_user (id) on delete set null,
    created_at bigint not null,
    -- moves on when the invitation is resent with a new token
    sent_at bigint not null,
    expires_at bigint not null,
    accepted_at bigint,
    revoked_at bigint,
    -- A link carries no workspace: its token is the key it is found by,
    -- before anyone knows which workspace it is for.
    constraint invitation_token_key unique (token_hash)
);
create index invitation_tenant_idx on invitation (tenant_id, email);

-- New audit actions need no schema change: audit_log.action is free text
-- whose names the code keeps stable.
