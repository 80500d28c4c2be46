//! Stripe's word written onto a workspace. Every write here takes the
//! subscription as just re-read from Stripe, never as an event carried it,
//! so applying it twice changes nothing and a late event cannot bring back
//! an older state.

use crate::app::types::{AuditAction, Plan, TenantId};
use crate::server::auth::{Origin, TenantContext};
use crate::server::clients::stripe::{Stripe, StripeError, Subscription};
use crate::server::config::StripeConfig;
use crate::server::db::now_ms;
use crate::server::db::{new_id, now, Db};
use crate::server::error::ServerResult;
use crate::server::services::audit::{self, Event};

pub use crate::server::db::Tx;

/// Statuses of a subscription that counts: the workspace has paid for the
/// plan, or owes it. Overdue (`past_due`, or `unpaid` once Stripe stops
/// retrying) keeps the plan until the grace period after the first failure
/// runs out (`quota::in_force`), so paying restores it at once.
pub const LIVE: [&str; 4] = ["active", "trialing", "past_due", "unpaid"];

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
pub async fn ensure_row(tx: &mut Tx, tenant_id: &TenantId) -> ServerResult<()> {
    sqlx::query("insert into billing (tenant_id, updated_at) values ($1, $2) on conflict (tenant_id) do nothing")
        .bind(tenant_id)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A subscription as just read from Stripe.
pub struct Read {
    pub sub: Subscription,
    /// When the read started (ms): a read that started earlier than the
    /// stored one is older news.
    pub at_ms: i64,
    /// The workspace's stored live subscription, when it is another one,
    /// read again too: whether it is still live decides which one counts.
    pub incumbent: Option<Incumbent>,
}

pub struct Incumbent {
    pub id: String,
    pub live: bool,
}

/// The workspace's stored subscription, if Stripe last called it live.
pub async fn stored_live(db: &Db, tenant_id: &TenantId) -> ServerResult<Option<String>> {
    let row: Option<(Option<String>, String)> =
        sqlx::query_as("select subscription_id, status from billing where tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|(id, status)| id.filter(|_| is_live(&status))))
}

/// Reads `sub_id` from Stripe, and the stored live subscription
/// `stored_live` as well when it is another one. One Stripe deleted (404)
/// is not live.
pub async fn read(stripe: &Stripe, stored_live: Option<&str>, sub_id: &str) -> Result<Read, StripeError> {
    let at_ms = now_ms();
    let sub = stripe.subscription(sub_id).await?;
    let incumbent = match stored_live.filter(|id| *id != sub.id) {
        None => None,
        Some(id) => {
            let live = match stripe.subscription(id).await {
                Ok(other) => is_live(&other.status),
                Err(e) if e.status() == Some(404) => false,
                // It cannot be read, now or later: it stays as stored (live).
                Err(e) if !e.is_transient() => {
                    tracing::warn!(subscription = id, error = %e, "the stored subscription cannot be read again");
                    true
                }
                Err(e) => return Err(e),
            };
            Some(Incumbent {
                id: id.to_owned(),
                live,
            })
        }
    };
    Ok(Read { sub, at_ms, incumbent })
}

/// What writing a subscription changed.
pub struct Written {
    /// The payment just became overdue: the owners are told once.
    pub dunning_started: bool,
}

pub struct Stored {
    subscription_id: Option<String>,
    status: String,
    synced_at_ms: i64,
    payment_failed_at: Option<i64>,
}

/// Locks the billing row, then writes a subscription read from Stripe
/// (`write_subscription`).
pub async fn apply_subscription(
    tx: &mut Tx,
    stripe: &StripeConfig,
    tenant_id: &TenantId,
    read: &Read,
) -> ServerResult<Option<Written>> {
    let stored = lock_row(tx, tenant_id).await?;
    write_subscription(tx, stripe, tenant_id, &stored, read).await
}

/// Writes a subscription read from Stripe, unless `refusal` says why not.
/// `stored` is what `lock_row` returned in this transaction: with the row
/// locked, concurrent writers take turns and each sees the one before; the
/// update's own check on `synced_at_ms` keeps an older read out even so.
/// Dunning follows Stripe's status: overdue from the first time it says
/// past_due or unpaid (that date kept), over otherwise.
pub async fn write_subscription(
    tx: &mut Tx,
    stripe: &StripeConfig,
    tenant_id: &TenantId,
    stored: &Stored,
    read: &Read,
) -> ServerResult<Option<Written>> {
    if let Some(reason) = refusal(stripe, tenant_id, stored, read) {
        tracing::warn!(%tenant_id, subscription = %read.sub.id, reason, "subscription state not applied");
        return Ok(None);
    }
    let sub = &read.sub;
    let overdue = matches!(sub.status.as_str(), "past_due" | "unpaid");
    let done = sqlx::query(
        "update billing set customer_id = coalesce(customer_id, $2), subscription_id = $3, status = $4, \
         price_id = $5, period_end = $6, trial_end = $7, cancel_at_period_end = $8, \
         trial_used = case when $9 = 1 then 1 else trial_used end, \
         payment_failed_at = case when $10 = 1 then coalesce(payment_failed_at, $12) else null end, \
         payment_url = case when $10 = 1 then payment_url else null end, \
         synced_at_ms = $11, updated_at = $12 where tenant_id = $1 and synced_at_ms <= $11",
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
    .bind(i64::from(overdue))
    .bind(read.at_ms)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    set_plan(tx, tenant_id, plan_of(stripe, tenant_id, sub), None).await?;
    Ok(Some(Written {
        dunning_started: overdue && stored.payment_failed_at.is_none(),
    }))
}

/// Locks the workspace's billing row for the transaction (creating it if
/// need be) and returns what it holds. Every billing write takes this lock
/// first, so writers never wait on each other in opposite orders.
pub async fn lock_row(tx: &mut Tx, tenant_id: &TenantId) -> ServerResult<Stored> {
    ensure_row(tx, tenant_id).await?;
    // A write takes PostgreSQL's row lock (SQLite's write transaction holds
    // the whole database already); the select after it sees the last commit.
    sqlx::query("update billing set updated_at = updated_at where tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut **tx)
        .await?;
    let (subscription_id, status, synced_at_ms, payment_failed_at) = sqlx::query_as(
        "select subscription_id, status, synced_at_ms, payment_failed_at from billing where tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Stored {
        subscription_id,
        status,
        synced_at_ms,
        payment_failed_at,
    })
}

/// Why a read must not be written, if it must not: it belongs to another
/// workspace; a later read is stored; or it would replace another
/// subscription that is still live, or that is one of ours while this one
/// is to a price of no plan. A workspace has one subscription that counts.
fn refusal(stripe: &StripeConfig, tenant_id: &TenantId, stored: &Stored, read: &Read) -> Option<&'static str> {
    let sub = &read.sub;
    if sub.workspace_id.as_deref().is_some_and(|w| w != tenant_id.as_str()) {
        return Some("the subscription names another workspace");
    }
    if read.at_ms < stored.synced_at_ms {
        return Some("a later read is stored");
    }
    let other = stored.subscription_id.as_deref().filter(|id| *id != sub.id)?;
    if plan_for_price(stripe, &sub.price_id).is_none() {
        return Some("another subscription, to a price of no plan");
    }
    let other_live = match &read.incumbent {
        Some(incumbent) if incumbent.id == other => incumbent.live,
        _ => is_live(&stored.status),
    };
    match (other_live, is_live(&sub.status)) {
        (true, false) => Some("a finished subscription while another is live"),
        (true, true) => {
            tracing::error!(
                %tenant_id,
                kept = other,
                second = %sub.id,
                "a second live subscription: {other} stays in force; cancel and refund {} in Stripe",
                sub.id
            );
            Some("a second live subscription")
        }
        _ => None,
    }
}

fn plan_of(stripe: &StripeConfig, tenant_id: &TenantId, sub: &Subscription) -> Plan {
    if !is_live(&sub.status) {
        return Plan::Free;
    }
    plan_for_price(stripe, &sub.price_id).unwrap_or_else(|| {
        tracing::warn!(%tenant_id, price = %sub.price_id, "subscription to a price of no plan; limits stay free");
        Plan::Free
    })
}

/// Puts the workspace on `plan`. A real change is kept in the plan history
/// (for the business figures) and the audit log, naming the member who
/// chose it, or no one when Stripe's word made it.
pub async fn set_plan(tx: &mut Tx, tenant_id: &TenantId, plan: Plan, by: Option<&TenantContext>) -> ServerResult<()> {
    let from: Option<(String,)> = sqlx::query_as("select plan from tenant where id = $1")
        .bind(tenant_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some((from,)) = from.filter(|(p,)| p != plan.as_str()) else {
        return Ok(());
    };
    sqlx::query("update tenant set plan = $1 where id = $2")
        .bind(plan.as_str())
        .bind(tenant_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("insert into plan_change (id, tenant_id, from_plan, to_plan, at) values ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(tenant_id)
        .bind(&from)
        .bind(plan.as_str())
        .bind(now())
        .execute(&mut **tx)
        .await?;
    let hook = serde_json::json!({ "from": from, "to": plan.as_str() });
    crate::server::services::webhooks::emit_in(tx, tenant_id, "plan.changed", hook).await?;
    let event = Event::new(AuditAction::PlanChanged, "workspace", tenant_id.as_str())
        .detail(format!("{from} → {}", plan.as_str()));
    match by {
        Some(ctx) => audit::by_member(ctx, &mut **tx, event).await,
        None => {
            let origin = Origin {
                ip: String::new(),
                request_id: "stripe".into(),
            };
            let actor = audit::Actor {
                user_id: None,
                origin: &origin,
            };
            audit::insert(&mut **tx, Some(tenant_id), &actor, event).await
        }
    }
}

/// The workspace whose Stripe customer this is.
pub async fn tenant_of_customer(conn: &mut sqlx::AnyConnection, customer_id: &str) -> ServerResult<Option<TenantId>> {
    let row: Option<(TenantId,)> = sqlx::query_as("select tenant_id from billing where customer_id = $1")
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
pub async fn upsert_invoice(tx: &mut Tx, tenant_id: &TenantId, invoice: &InvoiceFacts<'_>) -> ServerResult<String> {
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

/// Where the customer pays the overdue invoice: set when an open invoice
/// fails. Whether the workspace is overdue at all is Stripe's subscription
/// status (`apply_subscription`), which also clears this once it is over.
/// The row exists: the webhook has taken `lock_row`.
pub async fn set_payment_url(tx: &mut Tx, tenant_id: &TenantId, url: &str) -> ServerResult<()> {
    sqlx::query("update billing set payment_url = $2, updated_at = $3 where tenant_id = $1")
        .bind(tenant_id)
        .bind(url)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The invoice behind the pay link was paid: the link goes.
pub async fn invoice_paid(tx: &mut Tx, tenant_id: &TenantId, url: &str) -> ServerResult<()> {
    sqlx::query("update billing set payment_url = null, updated_at = $3 where tenant_id = $1 and payment_url = $2")
        .bind(tenant_id)
        .bind(url)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks a Checkout the workspace started as fulfilled (once), with the
/// subscription it created.
pub async fn checkout_fulfilled(
    tx: &mut Tx,
    tenant_id: &TenantId,
    session_id: &str,
    subscription_id: Option<&str>,
) -> ServerResult<()> {
    sqlx::query(
        "update checkout_session set completed_at = coalesce(completed_at, $3), \
         subscription_id = coalesce(subscription_id, $4) where tenant_id = $1 and id = $2",
    )
    .bind(tenant_id)
    .bind(session_id)
    .bind(now())
    .bind(subscription_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
