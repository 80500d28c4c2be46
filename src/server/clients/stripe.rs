//! The Stripe API through async-stripe: the few calls billing makes, each
//! POST with an idempotency key, answers turned into the small shapes the
//! billing service stores. STRIPE_API_BASE may point it at a local stand-in.

use crate::server::config::StripeConfig;
use std::collections::HashMap;
use std::time::Duration;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError as ApiError, StripeRequest};
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::subscription::{
    RetrieveSubscription, UpdateSubscription, UpdateSubscriptionItems, UpdateSubscriptionProrationBehavior,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
    ExpireCheckoutSession, RetrieveCheckoutSession,
};
use stripe_checkout::{CheckoutSessionMode, CheckoutSessionStatus};
use stripe_core::customer::{CreateCustomer, UpdateCustomer};

/// Per attempt; Stripe answers in well under a second when it is up.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A failed call: Stripe's HTTP status when it answered, and what it said.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StripeError {
    status: Option<u16>,
    transient: bool,
    message: String,
}

impl StripeError {
    /// The HTTP status Stripe answered with; None when it was not reached.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Worth trying again later: Stripe was not reached or timed out, or it
    /// answered 409 (a concurrent request on the same object), 424, 429 or
    /// 5xx. Any other answer, or one that cannot be read, will be the same
    /// next time.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    fn local(message: String) -> StripeError {
        StripeError {
            status: None,
            transient: false,
            message,
        }
    }
}

impl From<ApiError> for StripeError {
    fn from(e: ApiError) -> StripeError {
        let message = e.to_string();
        match e {
            ApiError::Stripe(api, status) => StripeError {
                status: Some(status),
                transient: matches!(status, 409 | 424 | 429) || status >= 500,
                message: format!(
                    "{status} {}: {}",
                    api.type_.as_str(),
                    api.message.as_deref().unwrap_or("")
                ),
            },
            ApiError::ClientError(_) | ApiError::Timeout => StripeError {
                status: None,
                transient: true,
                message,
            },
            _ => StripeError::local(message),
        }
    }
}

/// A subscription as billing needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub customer_id: String,
    /// Stripe's status: active, trialing, past_due, canceled, …
    pub status: String,
    pub item_id: String,
    pub price_id: String,
    pub period_end: Option<i64>,
    pub trial_end: Option<i64>,
    pub cancel_at_period_end: bool,
    /// The workspace named in the subscription's metadata, when it names one.
    pub workspace_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    /// Where to send the customer; empty once the session is over.
    pub url: String,
    /// open, complete or expired.
    pub status: String,
    pub subscription_id: Option<String>,
}

pub struct NewCheckout<'a> {
    pub customer_id: &'a str,
    pub workspace_id: &'a str,
    pub price_id: &'a str,
    pub trial_days: Option<u32>,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

#[derive(Clone)]
pub struct Stripe {
    client: Client,
}

impl Stripe {
    pub fn new(config: &StripeConfig) -> Result<Stripe, String> {
        // One TLS provider for the process, so a crate enabling another
        // cannot make the client's TLS set-up panic.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::new(config.secret_key.clone())
            .url(config.api_base.as_str())
            .timeout(TIMEOUT)
            .app_info("Autopilot", Some(env!("CARGO_PKG_VERSION").to_owned()), None)
            .build()
            .map_err(|e| format!("STRIPE_API_BASE is not usable: {}", StripeError::from(e)))?;
        Ok(Stripe { client })
    }

    /// The callers derive each key from what the call is meant to do, so a
    /// repeated click or a retry after a lost answer replays the first call
    /// instead of doing it twice.
    fn idempotent(key: &str) -> Result<RequestStrategy, StripeError> {
        IdempotencyKey::new(key)
            .map(RequestStrategy::Idempotent)
            .map_err(|e| StripeError::local(format!("idempotency key: {e}")))
    }

    /// Creates the workspace's customer. The body depends on the workspace
    /// alone, so the key `customer-<workspace>` replays whoever clicks;
    /// name and email follow with `update_contact`.
    pub async fn create_customer(&self, key: &str, workspace_id: &str) -> Result<String, StripeError> {
        let customer = CreateCustomer::new()
            .metadata(workspace_metadata(workspace_id))
            .customize()
            .request_strategy(Self::idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(customer.id.to_string())
    }

    /// Sets the name and email Stripe puts on invoices and receipts.
    pub async fn update_contact(
        &self,
        key: &str,
        customer_id: &str,
        name: &str,
        email: &str,
    ) -> Result<(), StripeError> {
        UpdateCustomer::new(customer_id)
            .name(name)
            .email(email)
            .customize()
            .request_strategy(Self::idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(())
    }

    pub async fn create_checkout(&self, key: &str, new: &NewCheckout<'_>) -> Result<CheckoutSession, StripeError> {
        let mut line = CreateCheckoutSessionLineItems::new();
        line.price = Some(new.price_id.to_owned());
        line.quantity = Some(1);
        let mut subscription = CreateCheckoutSessionSubscriptionData::new();
        subscription.trial_period_days = new.trial_days;
        subscription.metadata = Some(workspace_metadata(new.workspace_id));
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .customer(new.customer_id)
            .client_reference_id(new.workspace_id)
            .metadata(workspace_metadata(new.workspace_id))
            .line_items(vec![line])
            .subscription_data(subscription)
            .success_url(new.success_url)
            .cancel_url(new.cancel_url)
            .customize()
            .request_strategy(Self::idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(checkout_session(session))
    }

    /// Closes an open session so it can no longer be paid.
    pub async fn expire_checkout(&self, key: &str, session_id: &str) -> Result<CheckoutSession, StripeError> {
        let session = ExpireCheckoutSession::new(session_id)
            .customize()
            .request_strategy(Self::idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(checkout_session(session))
    }

    pub async fn checkout(&self, session_id: &str) -> Result<CheckoutSession, StripeError> {
        let session = RetrieveCheckoutSession::new(session_id).send(&self.client).await?;
        Ok(checkout_session(session))
    }

    /// A Billing Portal session: each click wants a new one, so the caller's
    /// key is new each time.
    pub async fn portal(&self, key: &str, customer_id: &str, return_url: &str) -> Result<String, StripeError> {
        let portal = CreateBillingPortalSession::new()
            .customer(customer_id)
            .return_url(return_url)
            .customize()
            .request_strategy(Self::idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(portal.url)
    }

    pub async fn subscription(&self, id: &str) -> Result<Subscription, StripeError> {
        let sub = RetrieveSubscription::new(id).send(&self.client).await?;
        Ok(subscription(sub))
    }

    /// Moves the subscription to another price, prorated, and takes back a
    /// pending cancellation: choosing a paid plan means staying.
    pub async fn change_price(&self, key: &str, id: &str, price_id: &str) -> Result<Subscription, StripeError> {
        let current = self.subscription(id).await?;
        let mut item = UpdateSubscriptionItems::new();
        item.id = Some(current.item_id);
        item.price = Some(price_id.to_owned());
        let sub = UpdateSubscription::new(id)
            .items(vec![item])
            .proration_behavior(UpdateSubscriptionProrationBehavior::CreateProrations)
            .cancel_at_period_end(false)
            .customize()
            .request_strategy(Self::idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(subscription(sub))
    }

    pub async fn set_cancel_at_period_end(
        &self,
        key: &str,
        id: &str,
        cancel: bool,
    ) -> Result<Subscription, StripeError> {
        let sub = UpdateSubscription::new(id)
            .cancel_at_period_end(cancel)
            .customize()
            .request_strategy(Self::idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(subscription(sub))
    }
}

fn workspace_metadata(workspace_id: &str) -> HashMap<String, String> {
    HashMap::from([("workspace_id".to_owned(), workspace_id.to_owned())])
}

fn checkout_session(s: stripe_checkout::CheckoutSession) -> CheckoutSession {
    let status = match s.status {
        Some(CheckoutSessionStatus::Complete) => "complete",
        Some(CheckoutSessionStatus::Expired) => "expired",
        _ => "open",
    };
    CheckoutSession {
        id: s.id.to_string(),
        url: s.url.unwrap_or_default(),
        status: status.into(),
        subscription_id: s.subscription.as_ref().map(|x| x.id().to_string()),
    }
}

fn subscription(sub: stripe_billing::Subscription) -> Subscription {
    let item = sub.items.data.first();
    Subscription {
        id: sub.id.to_string(),
        customer_id: sub.customer.id().to_string(),
        status: sub.status.as_str().to_owned(),
        item_id: item.map(|i| i.id.to_string()).unwrap_or_default(),
        price_id: item.map(|i| i.price.id.to_string()).unwrap_or_default(),
        period_end: item.map(|i| i.current_period_end),
        trial_end: sub.trial_end,
        cancel_at_period_end: sub.cancel_at_period_end,
        workspace_id: sub.metadata.get("workspace_id").cloned(),
    }
}
