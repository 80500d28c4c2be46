-- Social posts. A post is written once (text, hashtags, a link, one photo
-- or video, a time) and sent to one or more accounts; each account it goes
-- to is a target, which may carry that platform's own text and holds what
-- the platform made of it. A post moves draft → pending (waiting for
-- review) → approved (its targets' publish jobs are queued) or rejected.
--
-- The workspace gains a time zone (posts are written for a local time) and
-- a tone (generated captions speak in it).

alter table tenant add column time_zone text not null default 'UTC';
alter table tenant add column tone text not null default 'friendly';

create table social_post (
    id text primary key,
    tenant_id text not null
        constraint social_post_tenant_fk references tenant (id) on delete cascade,
    body text not null default '',
    -- words without '#', separated by single spaces
    hashtags text not null default '',
    link text not null default '',
    media_id text
        constraint social_post_media_fk references social_media (id) on delete set null,
    -- when it goes out (unix seconds); a draft may have none yet
    publish_at bigint,
    review text not null default 'draft'
        constraint social_post_review_known check (review in ('draft', 'pending', 'approved', 'rejected')),
    -- written by a person, or generated (the model or the built-in writer)
    source text not null default 'written'
        constraint social_post_source_known check (source in ('written', 'generated')),
    created_by text,
    reviewed_by text,
    created_at bigint not null,
    updated_at bigint not null
);
create index social_post_review_idx on social_post (tenant_id, review, publish_at);

create table social_post_target (
    id text primary key,
    tenant_id text not null
        constraint social_post_target_tenant_fk references tenant (id) on delete cascade,
    post_id text not null
        constraint social_post_target_post_fk references social_post (id) on delete cascade,
    account_id text not null
        constraint social_post_target_account_fk references social_account (id) on delete cascade,
    -- this platform's own text; null takes the post's
    body text,
    -- Instagram's media container, stored before it is published, so a
    -- retry publishes the same container instead of making another
    container_id text,
    -- when a create was last sent to the platform: a retry whose earlier
    -- answer was lost looks for the post from then on instead of sending
    -- it again
    attempted_at bigint,
    -- the post on the platform, stored the moment it is known
    remote_id text,
    permalink text,
    published_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create unique index social_post_target_once_idx on social_post_target (tenant_id, post_id, account_id);
-- one remote post belongs to one target: two retries cannot both claim it
create unique index social_post_target_remote_idx on social_post_target (tenant_id, account_id, remote_id);

-- Captions with {product}, {price} and {link} filled in when used.
create table caption_template (
    id text primary key,
    tenant_id text not null
        constraint caption_template_tenant_fk references tenant (id) on delete cascade,
    name text not null,
    body text not null,
    hashtags text not null default '',
    created_at bigint not null,
    updated_at bigint not null
);
create unique index caption_template_name_idx on caption_template (tenant_id, name);
