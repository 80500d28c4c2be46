-- The subscription a completed Checkout created: the page Stripe returns to
-- says "active" only while that subscription is the workspace's live one.
-- (billing and stripe_event keep their primary keys' PostgreSQL names,
-- billing_pkey and stripe_event_pkey, which are the names this would give.)
alter table checkout_session add column subscription_id text;
