//! Stripe's webhook deliveries. Each verified event id is stored in the same
//! transaction as its effect, so a duplicate, or the same event delivered
//! ten times at once, has one effect. Events about a subscription are not
//! trusted for its state: the subscription is read again from Stripe, so
//! deliveries out of order still end in Stripe's latest state.

use super::change::billing_page;
use super::mail_owners;
use super::signature::{self, SignatureError};
use super::sync::{self, InvoiceFacts, Tx};
use crate::app::types::TenantId;
use crate::server::clients::stripe::{Stripe, StripeError};
use crate::server::config::StripeConfig;
use crate::server::db::now;
use crate::server::error::ServerError;
use crate::server::state::AppState;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("billing is in test mode: no webhook secret")]
    NotConfigured,
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    #[error("the body is not a Stripe event")]
    Malformed,
    /// Stripe could not be read back; answering 5xx makes Stripe retry.
    #[error("stripe: {0}")]
    Stripe(#[from] StripeError),
    #[error(transparent)]
    Server(#[from] ServerError),
}

/// What became of a delivery, for the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Duplicate,
    UnknownCustomer,
    /// Stripe refused to give the event's subscription back (not a passing
    /// failure): logged, and the event applied without it.
    Unreadable,
    Ignored,
}

struct Event {
    id: String,
    kind: String,
    object: Value,
}

impl Event {
    fn parse(body: &[u8]) -> Option<Event> {
        let v: Value = serde_json::from_slice(body).ok()?;
        Some(Event {
            id: v["id"].as_str().filter(|id| id.starts_with("evt_"))?.to_owned(),
            kind: v["type"].as_str()?.to_owned(),
            object: v["data"]["object"].clone(),
        })
    }

    fn text(&self, field: &str) -> Option<&str> {
        self.object[field].as_str().filter(|s| !s.is_empty())
    }

    /// An expandable field: the id, or the expanded object's id.
    fn id_of(&self, field: &str) -> Option<&str> {
        let v = &self.object[field];
        v.as_str().or_else(|| v["id"].as_str()).filter(|s| !s.is_empty())
    }

    /// The subscription an invoice belongs to: top level before Stripe's
    /// 2025-03-31 API, under parent.subscription_details after it.
    fn invoice_subscription(&self) -> Option<&str> {
        self.id_of("subscription")
            .or_else(|| self.object["parent"]["subscription_details"]["subscription"].as_str())
    }
}

const HANDLED: [&str; 8] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_action_required",
];

pub async fn receive(state: &AppState, signature_header: Option<&str>, body: &[u8]) -> Result<Outcome, WebhookError> {
    let (Some(config), Some(stripe)) = (&state.config.billing.stripe, &state.stripe) else {
        return Err(WebhookError::NotConfigured);
    };
    signature::verify(&config.webhook_secret, signature_header, body, now())?;
    let event = Event::parse(body).ok_or(WebhookError::Malformed)?;
    if !HANDLED.contains(&event.kind.as_str()) {
        record(state, &event, None).await?;
        return Ok(Outcome::Ignored);
    }
    if seen(state, &event.id).await? {
        return Ok(Outcome::Duplicate);
    }
    let Some(tenant_id) = tenant_of(state, &event).await? else {
        tracing::warn!(event = %event.id, kind = %event.kind, "Stripe event for a customer of no workspace");
        record(state, &event, None).await?;
        return Ok(Outcome::UnknownCustomer);
    };
    // Read before the transaction, so no lock is held across the call.
    let read = match read_subscription(state, stripe, &tenant_id, &event).await {
        // Stripe will answer the same next time (say, a subscription it no
        // longer has): a retry cannot help, so the event is recorded as done.
        Err(WebhookError::Stripe(e)) if !e.is_transient() => {
            tracing::error!(event = %event.id, %tenant_id, error = %e, "the event's subscription cannot be read");
            apply(state, config, &tenant_id, &event, None).await?;
            return Ok(Outcome::Unreadable);
        }
        read => read?,
    };
    apply(state, config, &tenant_id, &event, read.as_ref()).await
}

/// The subscription the event is about, as Stripe has it now.
async fn read_subscription(
    state: &AppState,
    stripe: &Stripe,
    tenant_id: &TenantId,
    event: &Event,
) -> Result<Option<sync::Read>, WebhookError> {
    let subscription_id = match event.kind.as_str() {
        k if k.starts_with("customer.subscription.") => event.text("id"),
        "checkout.session.completed" => event.id_of("subscription"),
        _ => event.invoice_subscription(),
    };
    let Some(subscription_id) = subscription_id else {
        return Ok(None);
    };
    let stored = sync::stored_live(&state.db, tenant_id).await?;
    Ok(Some(sync::read(stripe, stored.as_deref(), subscription_id).await?))
}

/// The event's effect and its id, in one transaction.
async fn apply(
    state: &AppState,
    config: &StripeConfig,
    tenant_id: &TenantId,
    event: &Event,
    read: Option<&sync::Read>,
) -> Result<Outcome, WebhookError> {
    let mut tx = state.db.begin_write().await?;
    if !insert_event(&mut tx, event, Some(tenant_id)).await? {
        return Ok(Outcome::Duplicate);
    }
    // The billing row first, as every billing write does (no lock-order deadlock).
    let stored = sync::lock_row(&mut tx, tenant_id).await?;
    let hosted_url = event.text("hosted_invoice_url").unwrap_or_default();
    let mut mail = None;
    match event.kind.as_str() {
        "checkout.session.completed" => {
            let (session, sub) = (event.text("id"), event.id_of("subscription"));
            sync::checkout_fulfilled(&mut tx, tenant_id, session.unwrap_or_default(), sub).await?;
        }
        "invoice.paid" => {
            store_invoice(&mut tx, tenant_id, event).await?;
            sync::invoice_paid(&mut tx, tenant_id, hosted_url).await?;
        }
        "invoice.payment_failed" | "invoice.payment_action_required" => {
            // A paid or voided invoice stays so: a late failure report for it is old news.
            let status = store_invoice(&mut tx, tenant_id, event).await?;
            if status == "open" && !hosted_url.is_empty() {
                sync::set_payment_url(&mut tx, tenant_id, hosted_url).await?;
            }
        }
        "customer.subscription.trial_will_end" => mail = Some(trial_mail(event)),
        _ => {}
    }
    let written = match read {
        Some(read) => sync::write_subscription(&mut tx, config, tenant_id, &stored, read).await?,
        None => None,
    };
    if written.is_some_and(|w| w.dunning_started) {
        mail = Some(payment_mail(state, event)?);
    }
    tx.commit().await.map_err(ServerError::from)?;
    if let Some((subject, text)) = mail {
        mail_owners(state, tenant_id, &subject, &text).await;
    }
    Ok(Outcome::Applied)
}

async fn seen(state: &AppState, event_id: &str) -> Result<bool, ServerError> {
    let (n,): (i64,) = sqlx::query_as("select count(*) from stripe_event where id = $1")
        .bind(event_id)
        .fetch_one(&state.db.pool)
        .await?;
    Ok(n > 0)
}

/// Stores the event id; false when it was already there (a duplicate that
/// raced this one waits on the key, then finds it taken).
async fn insert_event(tx: &mut Tx, event: &Event, tenant_id: Option<&TenantId>) -> Result<bool, ServerError> {
    let done = sqlx::query(
        "insert into stripe_event (id, kind, tenant_id, received_at) values ($1, $2, $3, $4) on conflict (id) do nothing",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(tenant_id)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn record(state: &AppState, event: &Event, tenant_id: Option<&TenantId>) -> Result<(), ServerError> {
    let mut tx = state.db.begin_write().await?;
    insert_event(&mut tx, event, tenant_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The workspace an event is about. A completed Checkout names it in
/// client_reference_id, which is believed only when that workspace started
/// that session or owns that customer; everything else goes by customer.
async fn tenant_of(state: &AppState, event: &Event) -> Result<Option<TenantId>, ServerError> {
    let mut conn = state.db.pool.acquire().await?;
    let conn = &mut *conn;
    let customer = event.id_of("customer");
    let by_customer = match customer {
        Some(c) => sync::tenant_of_customer(conn, c).await?,
        None => None,
    };
    if event.kind != "checkout.session.completed" {
        return Ok(by_customer);
    }
    let (Some(claimed), Some(session)) = (event.text("client_reference_id"), event.text("id")) else {
        return Ok(by_customer);
    };
    let (started,): (i64,) = sqlx::query_as("select count(*) from checkout_session where tenant_id = $1 and id = $2")
        .bind(claimed)
        .bind(session)
        .fetch_one(&mut *conn)
        .await?;
    let owns_customer = by_customer.as_ref().is_some_and(|t| t.as_str() == claimed);
    Ok((started > 0 && (by_customer.is_none() || owns_customer)).then(|| TenantId::new(claimed)))
}

async fn store_invoice(tx: &mut Tx, tenant_id: &TenantId, event: &Event) -> Result<String, ServerError> {
    let amount = event.object["amount_due"].as_i64().unwrap_or_default();
    let facts = InvoiceFacts {
        id: event.text("id").unwrap_or_default(),
        number: event.text("number").unwrap_or_default(),
        amount_cents: amount,
        currency: event.text("currency").unwrap_or("usd"),
        status: event.text("status").unwrap_or("open"),
        hosted_url: event.text("hosted_invoice_url").unwrap_or_default(),
        created_at: event.object["created"].as_i64().unwrap_or_else(now),
    };
    sync::upsert_invoice(tx, tenant_id, &facts).await
}

/// Sent once, when Stripe first calls the subscription overdue.
fn payment_mail(state: &AppState, event: &Event) -> Result<(String, String), ServerError> {
    let grace = state.config.billing.dunning_grace_days;
    let link = match event.text("hosted_invoice_url") {
        Some(invoice) => invoice.to_owned(),
        None => billing_page(state)?,
    };
    let what = if event.kind == "invoice.payment_action_required" {
        "Your bank asks you to confirm the latest Autopilot payment."
    } else {
        "The latest payment for your Autopilot workspace did not go through."
    };
    Ok((
        "Action needed: your Autopilot payment".into(),
        format!(
            "{what}\n\nPay the invoice within {grace} days to keep your plan's limits; after that the workspace \
             moves to the Free plan's limits until it is paid.\n\n{link}\n"
        ),
    ))
}

fn trial_mail(event: &Event) -> (String, String) {
    let ends = event.object["trial_end"]
        .as_i64()
        .map(crate::server::domain::format_day)
        .unwrap_or_else(|| "soon".into());
    (
        "Your Autopilot trial ends soon".into(),
        format!("Your free trial ends on {ends}. Your card will then be charged for the plan you chose; you can change or cancel it from the billing page.\n"),
    )
}
