-- Billing: the Stripe side of a workspace, the webhook events already
-- applied, invoices as Stripe last described them, and the Checkout sessions
-- a workspace started. tenant.plan stays the plan paid for; the limits in
-- force also depend on dunning and on the overrides below.

-- Limits a platform admin grants one workspace; null keeps the plan's.
alter table tenant add column posts_limit_override bigint;
alter table tenant add column sites_limit_override bigint;
alter table tenant add column members_limit_override bigint;

-- One row per workspace that has ever reached Stripe (or changed plan in
-- test mode).
create table billing (
    tenant_id text primary key references tenant (id) on delete cascade,
    -- the Stripe customer, created once and reused for every checkout
    customer_id text,
    subscription_id text,
    -- Stripe's subscription status ('none' before any): trialing, active,
    -- past_due, unpaid, canceled, incomplete, incomplete_expired, paused
    status text not null default 'none',
    price_id text,
    period_end bigint,
    trial_end bigint,
    cancel_at_period_end smallint not null default 0
        constraint billing_cancel_at_period_end_flag check (cancel_at_period_end in (0, 1)),
    -- a workspace gets one free trial
    trial_used smallint not null default 0
        constraint billing_trial_used_flag check (trial_used in (0, 1)),
    -- dunning: when the unpaid invoice first failed; null while paid up
    payment_failed_at bigint,
    -- Stripe's page where the customer pays the unpaid invoice
    payment_url text,
    -- when (ms) the stored subscription was read from Stripe: a read that
    -- started earlier than the stored one is older news and is not applied
    synced_at_ms bigint not null default 0,
    updated_at bigint not null
);
-- Not led by tenant_id: a webhook names the customer before the workspace is known.
create unique index billing_customer_key on billing (customer_id);

-- Each Stripe event id, written in the same transaction as its effect, so a
-- duplicate or concurrent delivery changes nothing.
create table stripe_event (
    id text primary key,
    kind text not null,
    -- null when the event named no workspace of ours
    tenant_id text,
    received_at bigint not null
);

create table invoice (
    tenant_id text not null references tenant (id) on delete cascade,
    id text not null,
    number text not null default '',
    amount_cents bigint not null,
    currency text not null,
    -- draft, open, paid, uncollectible, void
    status text not null,
    hosted_url text not null default '',
    created_at bigint not null,
    constraint invoice_pkey primary key (tenant_id, id)
);
create index invoice_tenant_created on invoice (tenant_id, created_at);

-- Checkout sessions a workspace started: only that workspace may see how one ended.
create table checkout_session (
    tenant_id text not null references tenant (id) on delete cascade,
    id text not null,
    user_id text not null,
    plan text not null
        constraint checkout_session_plan_known check (plan in ('pro', 'agency')),
    created_at bigint not null,
    completed_at bigint,
    constraint checkout_session_pkey primary key (tenant_id, id)
);
