//! Changing the plan: directly in test mode; through Stripe Checkout, a
//! subscription update or a cancellation at the period's end otherwise; the
//! Billing Portal; and the page Stripe returns to after Checkout.

use super::{billing_row, sync, BillingRow};
use crate::app::types::{CheckoutResult, Permission, Plan, PlanChange, TenantId};
use crate::server::auth::TenantContext;
use crate::server::clients::stripe::{CheckoutSession, NewCheckout, Stripe};
use crate::server::config::StripeConfig;
use crate::server::db::now_ms;
use crate::server::db::{new_id, now};
use crate::server::domain::format_day;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use sha2::{Digest, Sha256};

fn stripe_parts(state: &AppState) -> Option<(&StripeConfig, &Stripe)> {
    Some((state.config.billing.stripe.as_ref()?, state.stripe.as_ref()?))
}

fn stripe_failed(e: impl std::fmt::Display) -> ServerError {
    tracing::error!(cause = %e, "Stripe call failed");
    ServerError::Conflict("Stripe could not be reached just now. Nothing was charged; please try again.".into())
}

/// Moves the workspace to `plan`: at once in test mode; in Stripe mode by
/// Checkout for a first subscription, by changing the subscription's price
/// for a change between paid plans, and by cancelling at the period's end
/// for a move to Free.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id(), plan = plan.as_str()), err(level = "debug"))]
pub async fn choose_plan(ctx: &TenantContext, state: &AppState, plan: Plan) -> ServerResult<PlanChange> {
    ctx.require(Permission::ManageBilling)?;
    let Some((config, stripe)) = stripe_parts(state) else {
        if state.config.billing.unavailable() {
            return Err(ServerError::Conflict(
                "Plans cannot be changed here: billing is not set up on this server. Ask its operator.".into(),
            ));
        }
        return choose_in_test_mode(ctx, state, plan).await;
    };
    let row = billing_row(&state.db, ctx.tenant_id()).await?;
    let live = row.subscription_id.clone().filter(|_| sync::is_live(&row.status));
    let Some(sub_id) = live else {
        return match plan {
            Plan::Free => choose_free_unsubscribed(ctx, state).await,
            paid => start_checkout(ctx, state, config, stripe, &row, paid).await,
        };
    };
    // Keys name the change and the stored state it starts from: a second
    // click replays the first, a later change is a new request.
    let from = row.synced_at_ms;
    let at_ms = now_ms();
    let sub = match sync::price_for_plan(config, plan) {
        None => {
            stripe
                .set_cancel_at_period_end(&format!("cancel-{sub_id}-{from}"), &sub_id, true)
                .await
        }
        Some(price) => {
            stripe
                .change_price(&format!("price-{sub_id}-{price}-{from}"), &sub_id, price)
                .await
        }
    }
    .map_err(stripe_failed)?;
    let message = match (plan, sub.period_end) {
        (Plan::Free, end) => format!(
            "Your subscription ends on {}; the workspace then moves to the Free plan.",
            end.map(format_day).unwrap_or_else(|| "the end of the period".into())
        ),
        (paid, _) => format!("You are on the {} plan now.", paid.name()),
    };
    let read = sync::Read {
        sub,
        at_ms,
        incumbent: None,
    };
    let mut tx = state.db.begin_write().await?;
    sync::apply_subscription(&mut tx, config, ctx.tenant_id(), &read).await?;
    tx.commit().await?;
    Ok(PlanChange::Applied { message })
}

async fn choose_in_test_mode(ctx: &TenantContext, state: &AppState, plan: Plan) -> ServerResult<PlanChange> {
    let mut tx = state.db.begin_write().await?;
    sync::ensure_row(&mut tx, ctx.tenant_id()).await?;
    sqlx::query("update billing set status = $2, updated_at = $3 where tenant_id = $1")
        .bind(ctx.tenant_id())
        .bind(if plan == Plan::Free { "none" } else { "active" })
        .bind(now())
        .execute(&mut *tx)
        .await?;
    sync::set_plan(&mut tx, ctx.tenant_id(), plan, Some(ctx)).await?;
    tx.commit().await?;
    Ok(PlanChange::Applied {
        message: format!("You are on the {} plan. Test mode: nothing was charged.", plan.name()),
    })
}

/// Free with no live subscription: nothing to cancel in Stripe, and
/// nothing overdue to warn about. The stored status stays Stripe's word.
async fn choose_free_unsubscribed(ctx: &TenantContext, state: &AppState) -> ServerResult<PlanChange> {
    let mut tx = state.db.begin_write().await?;
    sync::ensure_row(&mut tx, ctx.tenant_id()).await?;
    sqlx::query(
        "update billing set payment_failed_at = null, payment_url = null, updated_at = $2 where tenant_id = $1",
    )
    .bind(ctx.tenant_id())
    .bind(now())
    .execute(&mut *tx)
    .await?;
    sync::set_plan(&mut tx, ctx.tenant_id(), Plan::Free, Some(ctx)).await?;
    tx.commit().await?;
    Ok(PlanChange::Applied {
        message: "You are on the Free plan.".into(),
    })
}

/// A Checkout for the workspace's first subscription. Its key counts the
/// sessions started before, so a double click gets the same session.
async fn start_checkout(
    ctx: &TenantContext,
    state: &AppState,
    config: &StripeConfig,
    stripe: &Stripe,
    row: &BillingRow,
    plan: Plan,
) -> ServerResult<PlanChange> {
    let customer_id = customer(ctx, state, stripe, row).await?;
    let (started,): (i64,) = sqlx::query_as("select count(*) from checkout_session where tenant_id = $1")
        .bind(ctx.tenant_id())
        .fetch_one(&state.db.pool)
        .await?;
    let billing_page = billing_page(state)?;
    let trial_days = state.config.billing.trial_days;
    let checkout = NewCheckout {
        customer_id: &customer_id,
        workspace_id: ctx.tenant_id().as_str(),
        price_id: sync::price_for_plan(config, plan).unwrap_or_default(),
        trial_days: (!row.trial_used.0 && trial_days > 0).then_some(trial_days as u32),
        success_url: &format!("{billing_page}?checkout={{CHECKOUT_SESSION_ID}}"),
        cancel_url: &format!("{billing_page}?checkout=cancelled"),
    };
    let key = format!("checkout-{}-{started}-{}", ctx.tenant_id(), plan.as_str());
    let session = stripe.create_checkout(&key, &checkout).await.map_err(stripe_failed)?;
    sqlx::query(
        "insert into checkout_session (tenant_id, id, user_id, plan, created_at) values ($1, $2, $3, $4, $5) \
         on conflict (tenant_id, id) do nothing",
    )
    .bind(ctx.tenant_id())
    .bind(&session.id)
    .bind(ctx.member()?)
    .bind(plan.as_str())
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    if let Some(paid) = close_other_checkouts(ctx, state, config, stripe, &session.id).await? {
        return Ok(paid);
    }
    Ok(PlanChange::Checkout { url: session.url })
}

/// Expires the workspace's other Checkout sessions that may still be open
/// (Stripe closes them after a day), so only the newest can be paid and a
/// workspace never pays for two subscriptions. One found paid already is
/// fulfilled instead, and then the new session is the one expired.
async fn close_other_checkouts(
    ctx: &TenantContext,
    state: &AppState,
    config: &StripeConfig,
    stripe: &Stripe,
    new_session: &str,
) -> ServerResult<Option<PlanChange>> {
    let others: Vec<(String, String)> = sqlx::query_as(
        "select id, plan from checkout_session \
         where tenant_id = $1 and id <> $2 and completed_at is null and created_at > $3",
    )
    .bind(ctx.tenant_id())
    .bind(new_session)
    .bind(now() - 86_400)
    .fetch_all(&state.db.pool)
    .await?;
    for (id, plan) in others {
        if stripe.expire_checkout(&format!("expire-{id}"), &id).await.is_ok() {
            continue;
        }
        let session = stripe.checkout(&id).await.map_err(stripe_failed)?;
        match session.status.as_str() {
            "expired" => continue,
            "complete" => {}
            _ => return Err(stripe_failed(format!("checkout session {id} could not be expired"))),
        }
        fulfil(state, config, stripe, ctx.tenant_id(), &session).await?;
        stripe
            .expire_checkout(&format!("expire-{new_session}"), new_session)
            .await
            .map_err(stripe_failed)?;
        let plan = Plan::parse(&plan).unwrap_or(Plan::Free);
        return Ok(Some(PlanChange::Applied {
            message: format!(
                "A checkout started earlier has been paid: you are on the {} plan.",
                plan.name()
            ),
        }));
    }
    Ok(None)
}

/// The workspace's one Stripe customer. The key is the workspace and the
/// body names only the workspace, so two admins clicking at once get the
/// same customer. Name and email are set after, keyed by what they are.
async fn customer(ctx: &TenantContext, state: &AppState, stripe: &Stripe, row: &BillingRow) -> ServerResult<String> {
    let customer_id = match &row.customer_id {
        Some(id) => id.clone(),
        None => {
            let key = format!("customer-{}", ctx.tenant_id());
            let created = stripe
                .create_customer(&key, ctx.tenant_id().as_str())
                .await
                .map_err(stripe_failed)?;
            store_customer(ctx, state, &created).await?
        }
    };
    let (email, workspace): (String, String) =
        sqlx::query_as("select u.email, t.name from app_user u, tenant t where u.id = $1 and t.id = $2")
            .bind(ctx.member()?)
            .bind(ctx.tenant_id())
            .fetch_one(&state.db.pool)
            .await?;
    let contact = hex::encode(Sha256::digest(format!("{workspace}\n{email}")));
    let key = format!("contact-{customer_id}-{}", &contact[..24]);
    // Stripe's receipts lack a name without it, but Checkout asks for the
    // email anyway: a failure here is logged and the checkout goes on.
    if let Err(e) = stripe.update_contact(&key, &customer_id, &workspace, &email).await {
        tracing::warn!(cause = %e, "the Stripe customer's name and email were not updated");
    }
    Ok(customer_id)
}

async fn store_customer(ctx: &TenantContext, state: &AppState, customer_id: &str) -> ServerResult<String> {
    let mut tx = state.db.begin_write().await?;
    sync::ensure_row(&mut tx, ctx.tenant_id()).await?;
    sqlx::query("update billing set customer_id = coalesce(customer_id, $2) where tenant_id = $1")
        .bind(ctx.tenant_id())
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    let (stored,): (String,) = sqlx::query_as("select customer_id from billing where tenant_id = $1")
        .bind(ctx.tenant_id())
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(stored)
}

/// Writes what a completed Checkout created, as the webhook would.
async fn fulfil(
    state: &AppState,
    config: &StripeConfig,
    stripe: &Stripe,
    tenant_id: &TenantId,
    session: &CheckoutSession,
) -> ServerResult<()> {
    let Some(sub_id) = session.subscription_id.as_deref() else {
        return Ok(());
    };
    let stored = sync::stored_live(&state.db, tenant_id).await?;
    let read = sync::read(stripe, stored.as_deref(), sub_id)
        .await
        .map_err(stripe_failed)?;
    let mut tx = state.db.begin_write().await?;
    sync::apply_subscription(&mut tx, config, tenant_id, &read).await?;
    sync::checkout_fulfilled(&mut tx, tenant_id, &session.id, Some(sub_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// The Billing Portal, where the customer changes card, sees receipts and cancels.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn portal(ctx: &TenantContext, state: &AppState) -> ServerResult<String> {
    ctx.require(Permission::ManageBilling)?;
    let Some((_, stripe)) = stripe_parts(state) else {
        return Err(ServerError::Conflict(
            "Test mode has no billing portal: change the plan on this page.".into(),
        ));
    };
    let Some(customer_id) = billing_row(&state.db, ctx.tenant_id()).await?.customer_id else {
        return Err(ServerError::Conflict(
            "There is nothing to manage yet: choose a paid plan first.".into(),
        ));
    };
    stripe
        .portal(&format!("portal-{}", new_id()), &customer_id, &billing_page(state)?)
        .await
        .map_err(stripe_failed)
}

/// How a Checkout ended, for the page Stripe returns to. Only the workspace
/// that started the session learns anything; the result is fulfilled here
/// too, so it does not matter whether this or the webhook comes first. It
/// says "active" only while the subscription the session created is the
/// workspace's live one.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn checkout_result(ctx: &TenantContext, state: &AppState, session_id: &str) -> ServerResult<CheckoutResult> {
    ctx.require(Permission::ViewBilling)?;
    let started: Option<(String, Option<String>)> =
        sqlx::query_as("select plan, subscription_id from checkout_session where tenant_id = $1 and id = $2")
            .bind(ctx.tenant_id())
            .bind(session_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let (plan, mut created) = started.ok_or(ServerError::NotFound)?;
    let plan = Plan::parse(&plan).unwrap_or(Plan::Free);
    // A support view only looks; the webhook fulfils the session anyway.
    let may_write = !ctx.is_support_view();
    if let (true, None, Some((config, stripe))) = (may_write, &created, stripe_parts(state)) {
        let session = stripe.checkout(session_id).await.map_err(stripe_failed)?;
        if session.status == "complete" {
            fulfil(state, config, stripe, ctx.tenant_id(), &session).await?;
            created = session.subscription_id;
        }
    }
    let row = billing_row(&state.db, ctx.tenant_id()).await?;
    let stored = created.is_some() && row.subscription_id == created;
    let active = stored && sync::is_live(&row.status);
    let message = match (active, stored, created) {
        (true, _, _) => format!("Thank you! The {} plan is active.", plan.name()),
        (false, true, _) | (false, _, None) => {
            "Stripe has not confirmed the payment yet. This page will show it once it does.".into()
        }
        (false, false, Some(_)) => "Stripe took the payment, but its subscription is not this workspace's active \
                                    one. Please contact support."
            .into(),
    };
    Ok(CheckoutResult {
        complete: active,
        plan,
        message,
    })
}

/// The billing page's address, built from APP_URL the way mailed links are.
pub(super) fn billing_page(state: &AppState) -> ServerResult<String> {
    let url = state
        .config
        .app_url
        .join("/app/billing")
        .map_err(ServerError::internal)?;
    Ok(url.to_string())
}
