-- Refresh tokens of the REST API's JWT sign-in. A sign-in starts a family;
-- every refresh spends its token and adds the next one to the family. A
-- spent token presented again means it was copied: the whole family is
-- revoked (RFC 6819 5.2.2.3 and the OAuth 2.0 security BCP), and so are the
-- access tokens that name it. Only the SHA-256 of a token is stored.
create table refresh_token (
    id text primary key,
    family_id text not null,
    tenant_id text not null
        constraint refresh_token_tenant_fk references tenant (id) on delete cascade,
    user_id text not null
        constraint refresh_token_user_fk references app_user (id) on delete cascade,
    token_hash text not null,
    -- the user's sign-out epoch when the family began: signing out
    -- everywhere (or a password reset) ends the family
    session_epoch bigint not null,
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint,
    revoked_at bigint,
    constraint refresh_token_hash_key unique (token_hash)
);
create index refresh_token_family_idx on refresh_token (family_id);
create index refresh_token_expiry_idx on refresh_token (expires_at);
