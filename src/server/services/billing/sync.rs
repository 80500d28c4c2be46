//! Stripe's word written onto a workspace. Every write here takes the
//! subscription as just re-read from Stripe, never as an event carried it,
//! so applying it twice changes nothing and a late event cannot bring back
//! an older state.

use crate::app::types::Plan;
use crate::server::clients::stripe::Subscription;
use crate::server::config::StripeConfig;
use crate::server::db::now;
use crate::server::error::ServerResult;
use sqlx::{Any, Transaction};

pub type Tx = Transaction<'static, Any>;

/// Statuses under which the paid plan applies. `past_due` keeps it: the
/// grace period after the failed payment decides when it stops.
pub const LIVE: [&str; 3] = ["active", "trialing", "past_due"];

pub fn is_live(status: &str) -> bool {
    LIVE.contains(&status)
}

pub fn plan_for_price(stripe: &StripeConfig, price_id: &str) -> Option<Plan> {
    if price_id == stripe.price_pro {
        Some(Plan::Pro)
    } else if price_id == stripe.price_agency {
        Some(Plan::Agency)
    } else {
        None
    }
}

pub fn price_for_plan(stripe: &StripeConfig, plan: Plan) -> Option<&str> {
    match plan {
        Plan::Free => None,
        Plan::Pro => Some(&stripe.price_pro),
        Plan::Agency => Some(&stripe.price_agency),
    }
}

/// Creates the workspace's billing row if it has none yet.
pub async fn ensure_row(tx: &mut Tx, tenant_id: &str) -> ServerResult<()> {
    sqlx::query("insert into billing (tenant_id, updated_at) values ($1, $2) on conflict (tenant_id) do nothing")
        .bind(tenant_id)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes a subscription read from Stripe at `read_at_ms` (when the read
/// started). Skipped when a read that started later is already stored, or
/// when it is a finished subscription while another one is live.
pub async fn apply_subscription(
    tx: &mut Tx,
    stripe: &StripeConfig,
    tenant_id: &str,
    sub: &Subscription,
    read_at_ms: i64,
) -> ServerResult<bool> {
    ensure_row(tx, tenant_id).await?;
    let (current_id, current_status, synced_at_ms): (Option<String>, String, i64) =
        sqlx::query_as("select subscription_id, status, synced_at_ms from billing where tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&mut **tx)
            .await?;
    let other_live = current_id.as_deref().is_some_and(|id| id != sub.id) && is_live(&current_status);
    if read_at_ms < synced_at_ms || (other_live && !is_live(&sub.status)) {
        tracing::info!(tenant_id, subscription = %sub.id, "older subscription state not applied");
        return Ok(false);
    }
    let plan = match (is_live(&sub.status), plan_for_price(stripe, &sub.price_id)) {
        (true, Some(plan)) => plan,
        (true, None) => {
            tracing::warn!(tenant_id, price = %sub.price_id, "subscription to a price of no plan; limits stay free");
            Plan::Free
        }
        (false, _) => Plan::Free,
    };
    let paid_up = i64::from(matches!(sub.status.as_str(), "active" | "trialing"));
    sqlx::query(
        "update billing set customer_id = coalesce(customer_id, $2), subscription_id = $3, status = $4, \
         price_id = $5, period_end = $6, trial_end = $7, cancel_at_period_end = $8, \
         trial_used = case when $9 = 1 then 1 else trial_used end, \
         payment_failed_at = case when $10 = 1 then null else payment_failed_at end, \
         payment_url = case when $10 = 1 then null else payment_url end, \
         synced_at_ms = $11, updated_at = $12 where tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(&sub.customer_id)
    .bind(&sub.id)
    .bind(&sub.status)
    .bind(&sub.price_id)
    .bind(sub.period_end)
    .bind(sub.trial_end)
    .bind(i64::from(sub.cancel_at_period_end))
    .bind(i64::from(sub.trial_end.is_some()))
    .bind(paid_up)
    .bind(read_at_ms)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    set_plan(tx, tenant_id, plan).await?;
    Ok(true)
}

pub async fn set_plan(tx: &mut Tx, tenant_id: &str, plan: Plan) -> ServerResult<()> {
    sqlx::query("update tenant set plan = $1 where id = $2")
        .bind(plan.as_str())
        .bind(tenant_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The workspace whose Stripe customer this is.
pub async fn tenant_of_customer(conn: &mut sqlx::AnyConnection, customer_id: &str) -> ServerResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("select tenant_id from billing where customer_id = $1")
        .bind(customer_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|(t,)| t))
}

/// An invoice as Stripe's event described it. A paid or voided invoice
/// stays so: a late "payment failed" for it changes nothing.
pub struct InvoiceFacts<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub status: &'a str,
    pub hosted_url: &'a str,
    pub created_at: i64,
}

/// Stores the invoice and returns the status it now has.
pub async fn upsert_invoice(tx: &mut Tx, tenant_id: &str, invoice: &InvoiceFacts<'_>) -> ServerResult<String> {
    let (status,): (String,) = sqlx::query_as(
        "insert into invoice (tenant_id, id, number, amount_cents, currency, status, hosted_url, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) \
         on conflict (tenant_id, id) do update set \
         status = case when invoice.status in ('paid', 'void') then invoice.status else excluded.status end, \
         number = excluded.number, amount_cents = excluded.amount_cents, hosted_url = excluded.hosted_url \
         returning status",
    )
    .bind(tenant_id)
    .bind(invoice.id)
    .bind(invoice.number)
    .bind(invoice.amount_cents)
    .bind(invoice.currency)
    .bind(invoice.status)
    .bind(invoice.hosted_url)
    .bind(invoice.created_at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(status)
}

/// Dunning starts at the first failure and keeps that date through retries.
pub async fn payment_failed(tx: &mut Tx, tenant_id: &str, payment_url: &str) -> ServerResult<()> {
    ensure_row(tx, tenant_id).await?;
    sqlx::query(
        "update billing set payment_failed_at = coalesce(payment_failed_at, $2), payment_url = $3, updated_at = $2 \
         where tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(now())
    .bind((!payment_url.is_empty()).then_some(payment_url))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn payment_settled(tx: &mut Tx, tenant_id: &str) -> ServerResult<()> {
    sqlx::query(
        "update billing set payment_failed_at = null, payment_url = null, updated_at = $2 where tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks a Checkout the workspace started as fulfilled (once).
pub async fn checkout_fulfilled(tx: &mut Tx, tenant_id: &str, session_id: &str) -> ServerResult<()> {
    sqlx::query(
        "update checkout_session set completed_at = coalesce(completed_at, $3) where tenant_id = $1 and id = $2",
    )
    .bind(tenant_id)
    .bind(session_id)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
