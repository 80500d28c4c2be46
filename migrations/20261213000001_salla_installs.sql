-- Salla's easy mode: the merchant installs the app from Salla's app store,
-- and Salla posts the store's tokens to Autopilot's webhook
-- (app.store.authorize), naming the merchant but no workspace. The
-- workspace that starts an install gets a one-time code; the merchant types
-- it into the app's settings in Salla (app.settings.updated), and the two
-- deliveries meet here, in whichever order they arrive.
create table store_install (
    id text primary key,
    tenant_id text not null
        constraint store_install_tenant_fk references tenant (id) on delete cascade,
    -- the member who started it: the store is connected in their name
    user_id text not null,
    code text not null,
    created_at bigint not null,
    expires_at bigint not null,
    -- the store it connected, once both deliveries arrived
    store_id text,
    -- why the deliveries arrived but the store could not connect (the plan
    -- is full, say), in words for the Stores page
    error text not null default ''
);
create unique index store_install_code_idx on store_install (code);
create index store_install_tenant_idx on store_install (tenant_id, created_at);

-- What Salla delivered for a merchant that no workspace has claimed yet:
-- the tokens (sealed), the code from the app's settings, or both. Kept an
-- hour, then dropped by housekeeping.
create table salla_delivery (
    merchant_id text primary key,
    access_token_sealed text,
    refresh_token_sealed text,
    token_expires_at bigint,
    code text not null default '',
    received_at bigint not null
);

-- A catalogue sync's progress in words ("Read page 3 of 12…").
alter table store add column sync_progress text not null default '';

-- One workspace at a time acts for a Salla store: its grant's refresh
-- token works once, and two holders would spend it twice and have Salla
-- revoke the grant. Another workspace connects it after this one lets go.
create unique index store_salla_live_idx on store (platform, external_id)
    where platform = 'salla' and status in ('connected', 'reconnect');
