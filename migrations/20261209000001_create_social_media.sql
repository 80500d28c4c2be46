-- Photos and videos for social posts. They are uploaded to the app and
-- served at an unguessable public address, because Instagram and TikTok
-- fetch media by URL. The bytes live in the media store (files under
-- MEDIA_DIR today); this row says where, and what they are.
create table social_media (
    id text primary key,
    tenant_id text not null
        constraint social_media_tenant_fk references tenant (id) on delete cascade,
    -- image or video, recognised from the bytes at upload
    kind text not null,
    content_type text not null,
    bytes bigint not null,
    -- the key in the media store
    storage_key text not null,
    -- 32 random bytes as hex, in the public address beside the workspace id
    public_token text not null,
    file_name text not null default '',
    created_by text,
    created_at bigint not null
);
create unique index social_media_token_idx on social_media (tenant_id, public_token);
