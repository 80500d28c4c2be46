//! Changing the plan: directly in test mode; through Stripe Checkout, a
//! subscription update or a cancellation at the period's end otherwise; the
//! Billing Portal; and the page Stripe returns to after Checkout.

use super::{billing_row, sync, BillingRow};
use crate::app::types::{CheckoutResult, Permission, Plan, PlanChange};
use crate::server::auth::TenantContext;
use crate::server::clients::stripe::{NewCheckout, Stripe, Subscription};
use crate::server::config::StripeConfig;
use crate::server::db::{new_id, now};
use crate::server::domain::format_day;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::jobs::now_ms;
use crate::server::state::AppState;

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
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id, plan = plan.as_str()), err)]
pub async fn choose_plan(ctx: &TenantContext, state: &AppState, plan: Plan) -> ServerResult<PlanChange> {
    ctx.require(Permission::ManageBilling)?;
    let Some((config, stripe)) = stripe_parts(state) else {
        let mut tx = state.db.begin_write().await?;
        sync::ensure_row(&mut tx, &ctx.tenant_id).await?;
        sqlx::query("update billing set status = $2, updated_at = $3 where tenant_id = $1")
            .bind(&ctx.tenant_id)
            .bind(if plan == Plan::Free { "none" } else { "active" })
            .bind(now())
            .execute(&mut *tx)
            .await?;
        sync::set_plan(&mut tx, &ctx.tenant_id, plan).await?;
        tx.commit().await?;
        return Ok(PlanChange::Applied {
            message: format!("You are on the {} plan. Test mode: nothing was charged.", plan.name()),
        });
    };
    let row = billing_row(&state.db, &ctx.tenant_id).await?;
    let live = match (&row.subscription_id, sync::is_live(&row.status)) {
        (Some(id), true) => Some(id.clone()),
        _ => None,
    };
    match (plan, live) {
        (Plan::Free, None) => Ok(PlanChange::Applied {
            message: "You are on the Free plan.".into(),
        }),
        (Plan::Free, Some(sub_id)) => {
            let read_at = now_ms();
            let sub = stripe
                .set_cancel_at_period_end(&new_id(), &sub_id, true)
                .await
                .map_err(stripe_failed)?;
            apply(state, config, &ctx.tenant_id, &sub, read_at).await?;
            let ends = sub
                .period_end
                .map(format_day)
                .unwrap_or_else(|| "the end of the period".into());
            Ok(PlanChange::Applied {
                message: format!("Your subscription ends on {ends}; the workspace then moves to the Free plan."),
            })
        }
        (paid, Some(sub_id)) => {
            let price = sync::price_for_plan(config, paid).unwrap_or_default();
            let read_at = now_ms();
            let sub = stripe
                .change_price(&new_id(), &sub_id, price)
                .await
                .map_err(stripe_failed)?;
            apply(state, config, &ctx.tenant_id, &sub, read_at).await?;
            Ok(PlanChange::Applied {
                message: format!("You are on the {} plan now.", paid.name()),
            })
        }
        (paid, None) => start_checkout(ctx, state, config, stripe, &row, paid).await,
    }
}

async fn apply(
    state: &AppState,
    config: &StripeConfig,
    tenant_id: &str,
    sub: &Subscription,
    read_at_ms: i64,
) -> ServerResult<()> {
    let mut tx = state.db.begin_write().await?;
    sync::apply_subscription(&mut tx, config, tenant_id, sub, read_at_ms).await?;
    tx.commit().await?;
    Ok(())
}

async fn start_checkout(
    ctx: &TenantContext,
    state: &AppState,
    config: &StripeConfig,
    stripe: &Stripe,
    row: &BillingRow,
    plan: Plan,
) -> ServerResult<PlanChange> {
    let customer_id = match &row.customer_id {
        Some(id) => id.clone(),
        None => create_customer(ctx, state, stripe).await?,
    };
    let billing_page = billing_page(state)?;
    let trial_days = state.config.billing.trial_days;
    let checkout = NewCheckout {
        customer_id: &customer_id,
        workspace_id: &ctx.tenant_id,
        price_id: sync::price_for_plan(config, plan).unwrap_or_default(),
        trial_days: (!row.trial_used.0 && trial_days > 0).then_some(trial_days as u32),
        success_url: &format!("{billing_page}?checkout={{CHECKOUT_SESSION_ID}}"),
        cancel_url: &format!("{billing_page}?checkout=cancelled"),
    };
    let session = stripe
        .create_checkout(&new_id(), &checkout)
        .await
        .map_err(stripe_failed)?;
    sqlx::query("insert into checkout_session (tenant_id, id, user_id, plan, created_at) values ($1, $2, $3, $4, $5)")
        .bind(&ctx.tenant_id)
        .bind(&session.id)
        .bind(&ctx.user_id)
        .bind(plan.as_str())
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    Ok(PlanChange::Checkout { url: session.url })
}

/// The workspace's one Stripe customer. The idempotency key is the
/// workspace, so two admins clicking at once get the same customer.
async fn create_customer(ctx: &TenantContext, state: &AppState, stripe: &Stripe) -> ServerResult<String> {
    let (email,): (String,) = sqlx::query_as("select email from app_user where id = $1")
        .bind(&ctx.user_id)
        .fetch_one(&state.db.pool)
        .await?;
    let key = format!("customer-{}", ctx.tenant_id);
    let customer_id = stripe
        .create_customer(&key, &ctx.tenant_id, &ctx.tenant_name, &email)
        .await
        .map_err(stripe_failed)?;
    let mut tx = state.db.begin_write().await?;
    sync::ensure_row(&mut tx, &ctx.tenant_id).await?;
    sqlx::query("update billing set customer_id = coalesce(customer_id, $2) where tenant_id = $1")
        .bind(&ctx.tenant_id)
        .bind(&customer_id)
        .execute(&mut *tx)
        .await?;
    let (stored,): (String,) = sqlx::query_as("select customer_id from billing where tenant_id = $1")
        .bind(&ctx.tenant_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(stored)
}

/// The Billing Portal, where the customer changes card, sees receipts and cancels.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn portal(ctx: &TenantContext, state: &AppState) -> ServerResult<String> {
    ctx.require(Permission::ManageBilling)?;
    let Some((_, stripe)) = stripe_parts(state) else {
        return Err(ServerError::Conflict(
            "Test mode has no billing portal: change the plan on this page.".into(),
        ));
    };
    let Some(customer_id) = billing_row(&state.db, &ctx.tenant_id).await?.customer_id else {
        return Err(ServerError::Conflict(
            "There is nothing to manage yet: choose a paid plan first.".into(),
        ));
    };
    stripe
        .portal(&new_id(), &customer_id, &billing_page(state)?)
        .await
        .map_err(stripe_failed)
}

/// How a Checkout ended, for the page Stripe returns to. Only the workspace
/// that started the session learns anything; the result is fulfilled here
/// too, so it does not matter whether this or the webhook comes first.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn checkout_result(ctx: &TenantContext, state: &AppState, session_id: &str) -> ServerResult<CheckoutResult> {
    ctx.require(Permission::ViewBilling)?;
    let started: Option<(String, Option<i64>)> =
        sqlx::query_as("select plan, completed_at from checkout_session where tenant_id = $1 and id = $2")
            .bind(&ctx.tenant_id)
            .bind(session_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let (plan, completed_at) = started.ok_or(ServerError::NotFound)?;
    let plan = Plan::parse(&plan).unwrap_or(Plan::Free);
    let done = |complete: bool| CheckoutResult {
        complete,
        plan,
        message: if complete {
            format!("Thank you! The {} plan is active.", plan.name())
        } else {
            "Stripe has not confirmed the payment yet. This page will show it once it does.".into()
        },
    };
    if completed_at.is_some() {
        return Ok(done(true));
    }
    let Some((config, stripe)) = stripe_parts(state) else {
        return Ok(done(false));
    };
    let session = stripe.checkout(session_id).await.map_err(stripe_failed)?;
    let (true, Some(sub_id)) = (session.status == "complete", session.subscription_id.as_deref()) else {
        return Ok(done(false));
    };
    let read_at = now_ms();
    let sub = stripe.subscription(sub_id).await.map_err(stripe_failed)?;
    let mut tx = state.db.begin_write().await?;
    sync::apply_subscription(&mut tx, config, &ctx.tenant_id, &sub, read_at).await?;
    sync::checkout_fulfilled(&mut tx, &ctx.tenant_id, session_id).await?;
    tx.commit().await?;
    Ok(done(true))
}

/// The billing page's address, built from APP_URL the way mailed links are.
fn billing_page(state: &AppState) -> ServerResult<String> {
    let url = state
        .config
        .app_url
        .join("/app/billing")
        .map_err(ServerError::internal)?;
    Ok(url.to_string())
}
