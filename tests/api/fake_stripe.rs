//! A fake Stripe API that speaks real HTTP: an axum router on a local port
//! answering the `/v1` endpoints the billing code calls, with Stripe's bearer
//! key check, error shapes, form-encoded bodies and idempotent replays, plus
//! test-side controls that play the customer (finishing a Checkout) and Stripe
//! itself (changing a subscription, issuing invoices, signing webhook events).
//!
//! Shapes checked field by field against the miniserde deserializers of
//! async-stripe 1.0.0-rc.10 (async-stripe-shared/-checkout/-billing, git
//! d2ba1fe4), which sends `Stripe-Version: 2026-09-30.endive`: every required
//! field is present, in that version's layout (`current_period_*` on the
//! subscription items, `billing_mode`, invoice `parent.subscription_details`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

/// The secret key the tests configure; every request must carry it as a bearer token.
pub const SECRET_KEY: &str = "sk_test_fake";
/// The API version async-stripe 1.0.0-rc.10 pins; events carry it as `api_version`.
pub const API_VERSION: &str = "2026-09-30.endive";
/// What every price costs per month, in cents (the fake keeps no catalogue).
pub const UNIT_AMOUNT: i64 = 2900;
const DAY: i64 = 86_400;
const INVALID: &str = "invalid_request_error";

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET` or `POST`.
    pub method: String,
    /// The path without the query, e.g. `/v1/checkout/sessions`.
    pub path: String,
    /// The `Idempotency-Key` header, if any.
    pub idempotency_key: Option<String>,
    /// The `Stripe-Version` header the client sent.
    pub stripe_version: Option<String>,
    /// The form body with decoded keys (`line_items[0][price]`), in order.
    pub form: Vec<(String, String)>,
}

impl Recorded {
    /// The value of one form field, if it was sent.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// What a Checkout Session will turn into once paid.
struct Pending {
    price: Option<String>,
    trial_days: Option<i64>,
    metadata: Map<String, Value>,
}

#[derive(Default)]
struct Store {
    requests: Vec<Recorded>,
    customers: HashMap<String, Value>,
    sessions: HashMap<String, Value>,
    pending: HashMap<String, Pending>,
    subscriptions: HashMap<String, Value>,
    /// Idempotency-Key → (request fingerprint, status, body) of its first successful answer; like Stripe,
    /// failed requests are not saved and may be retried with the same key.
    replays: HashMap<String, (String, u16, Value)>,
}

/// A running fake Stripe account; clones share it.
#[derive(Clone)]
pub struct FakeStripe {
    /// Base URL, `http://127.0.0.1:PORT`, without a trailing slash (the client appends `/v1/...`).
    pub url: String,
    store: Arc<Mutex<Store>>,
}

impl FakeStripe {
    /// Starts the fake on a free local port.
    pub async fn start() -> FakeStripe {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Stripe binds a local port");
        let addr = listener.local_addr().expect("a bound listener has an address");
        let stripe = FakeStripe {
            url: format!("http://{addr}"),
            store: Arc::default(),
        };
        let app = Router::new().fallback(handle).with_state(stripe.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake Stripe server failed") });
        stripe
    }

    /// Every request, in arrival order (rejected ones included).
    pub fn requests(&self) -> Vec<Recorded> {
        self.store().requests.clone()
    }

    /// How many customers exist.
    pub fn customers(&self) -> usize {
        self.store().customers.len()
    }

    /// The Checkout Session as Stripe holds it now; panics when unknown.
    pub fn checkout_session(&self, id: &str) -> Value {
        self.store().sessions.get(id).cloned().expect("unknown session")
    }

    /// The subscription as Stripe holds it now; panics when unknown.
    pub fn subscription(&self, id: &str) -> Value {
        self.store().subscriptions.get(id).cloned().expect("no subscription")
    }

    /// Pays for the session as the customer would: creates its subscription (`trialing` until now + the
    /// trial days when `subscription_data[trial_period_days]` was sent, else `active`; the period ends in
    /// 30 days) and marks the session complete and paid. Returns the subscription id.
    pub fn complete_checkout(&self, session_id: &str) -> String {
        let mut store = self.store();
        let session = store.sessions.get(session_id).cloned().expect("unknown session");
        let pending = store.pending.remove(session_id).expect("session already completed");
        let customer = match session["customer"].as_str() {
            Some(id) => id.to_owned(),
            None => {
                let id = new_id("cus_");
                let email = session["customer_email"].as_str();
                let customer = customer_object(&id, email, None, Map::new());
                store.customers.insert(id.clone(), customer);
                id
            }
        };
        let price = pending.price.expect("a session with line_items[0][price]");
        let trial_end = pending.trial_days.map(|days| now() + days * DAY);
        let id = new_id("sub_");
        let subscription = subscription_object(&id, &customer, &price, trial_end, pending.metadata);
        store.subscriptions.insert(id.clone(), subscription);
        let session = store.sessions.get_mut(session_id).expect("checked above");
        session["status"] = json!("complete");
        session["payment_status"] = json!("paid");
        session["customer"] = json!(customer);
        session["subscription"] = json!(id);
        session["url"] = Value::Null;
        id
    }

    /// Changes the subscription as Stripe would after a portal visit, a failed payment or a cancellation.
    pub fn set_subscription(&self, sub_id: &str, status: &str, price: &str, cancel_at_period_end: bool) {
        let mut store = self.store();
        let sub = store.subscriptions.get_mut(sub_id).expect("unknown subscription");
        sub["status"] = json!(status);
        if sub["items"]["data"][0]["price"]["id"] != price {
            set_price(sub, price);
        }
        set_cancel(sub, cancel_at_period_end);
        sub["ended_at"] = json!((status == "canceled").then(now));
    }

    /// A finalized invoice for the subscription's current period, `"paid"` or `"open"` (payment failed),
    /// as it appears in `invoice.*` events; it becomes the subscription's `latest_invoice`. As in API
    /// versions since 2025-03-31 there is no top-level `subscription`: it is under
    /// `parent.subscription_details.subscription` (and each line's `parent.subscription_item_details`).
    pub fn create_invoice(&self, sub_id: &str, status: &str, amount_cents: i64) -> Value {
        let mut store = self.store();
        let sub = store.subscriptions.get_mut(sub_id).expect("unknown subscription");
        let id = new_id("in_");
        sub["latest_invoice"] = json!(id);
        let item = sub["items"]["data"][0].clone();
        let customer_id = sub["customer"].as_str().unwrap_or_default().to_owned();
        let customer = store.customers.get_mut(&customer_id).expect("a known customer");
        let sequence = customer["next_invoice_sequence"].as_i64().unwrap_or(1);
        customer["next_invoice_sequence"] = json!(sequence + 1);
        let prefix = customer["invoice_prefix"].as_str().unwrap_or("FAKE");
        let number = format!("{prefix}-{sequence:04}");
        let paid = status == "paid";
        let (start, end) = (&item["current_period_start"], &item["current_period_end"]);
        let now = now();
        let line = json!({
            "id": new_id("il_"), "object": "line_item", "amount": amount_cents, "currency": "usd",
            "description": format!("1 × Autopilot (at ${}.{:02} / month)", amount_cents / 100, amount_cents % 100),
            "discount_amounts": [], "discountable": true,
            "discounts": [], "invoice": id, "livemode": false, "metadata": {},
            "parent": {"type": "subscription_item_details", "invoice_item_details": null, "subscription_item_details": {
                "invoice_item": null, "proration": false, "proration_details": {"credited_items": null},
                "subscription": sub_id, "subscription_item": item["id"]}},
            "period": {"end": end, "start": start}, "pretax_credit_amounts": [],
            "pricing": {"type": "price_details", "unit_amount_decimal": amount_cents.to_string(),
                "price_details": {"price": item["price"]["id"], "product": item["price"]["product"]}},
            "quantity": 1, "quantity_decimal": "1", "taxes": [], "subtotal": amount_cents,
        });
        let head = json!({
            "id": id, "object": "invoice", "account_country": "US", "account_name": "Autopilot",
            "account_tax_ids": null,
            "amount_due": amount_cents, "amount_overpaid": 0, "amount_paid": if paid { amount_cents } else { 0 },
            "amount_remaining": if paid { 0 } else { amount_cents }, "amount_shipping": 0, "application": null,
            "attempt_count": 1, "attempted": true, "auto_advance": !paid, "billing_reason": "subscription_cycle",
            "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null, "provider": null,
                "status": null},
            "collection_method": "charge_automatically", "created": now, "currency": "usd", "custom_fields": null,
            "customer": customer_id, "customer_email": customer["email"], "customer_name": customer["name"],
            "default_payment_method": null, "default_source": null, "default_tax_rates": [], "description": null,
            "discounts": [], "due_date": null, "effective_at": now, "ending_balance": 0, "footer": null,
        });
        let tail = json!({
            "hosted_invoice_url": format!("{}/invoice/{id}", self.url),
            "invoice_pdf": format!("{}/invoice/{id}/pdf", self.url), "issuer": {"type": "self"},
            "last_finalization_error": null, "latest_revision": null, "livemode": false, "metadata": {},
            "lines": {"object": "list", "data": [line], "has_more": false, "total_count": 1,
                "url": format!("/v1/invoices/{id}/lines")},
            "next_payment_attempt": (!paid).then_some(now + 3 * DAY), "number": number,
            "on_behalf_of": null, "parent": {"type": "subscription_details", "quote_details": null,
                "subscription_details": {"metadata": {}, "subscription": sub_id}},
            "payment_settings": {"default_mandate": null, "payment_method_options": null, "payment_method_types": null},
            "period_end": end, "period_start": start, "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0, "receipt_number": null, "rendering": null, "shipping_cost": null,
            "shipping_details": null, "starting_balance": 0, "statement_descriptor": null, "status": status,
            "status_transitions": {"finalized_at": now, "marked_uncollectible_at": null,
                "paid_at": paid.then_some(now), "voided_at": null},
            "subtotal": amount_cents, "subtotal_excluding_tax": amount_cents,
            "test_clock": null, "total": amount_cents, "total_discount_amounts": [],
            "total_excluding_tax": amount_cents,
            "total_pretax_credit_amounts": [], "total_taxes": [], "webhooks_delivered_at": now,
        });
        merged(head, tail)
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A Stripe event envelope around `object` (`kind` is the event type, e.g. `customer.subscription.updated`).
pub fn event(id: &str, kind: &str, object: Value, created: i64) -> Value {
    json!({
        "id": id, "object": "event", "api_version": API_VERSION, "created": created, "type": kind,
        "livemode": false, "pending_webhooks": 1, "request": {"id": null, "idempotency_key": null},
        "data": {"object": object},
    })
}

/// The `Stripe-Signature` header Stripe would send with `payload`: `t=…,v1=<hex HMAC-SHA256 of "t.payload">`.
pub fn sign(payload: &str, secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A fresh Stripe-looking id with this prefix (`evt_`, `cus_`, …).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", &uuid::Uuid::new_v4().simple().to_string()[..24])
}

async fn handle(
    State(stripe): State<FakeStripe>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let request = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        idempotency_key: text("idempotency-key"),
        stripe_version: text("stripe-version"),
        form: url::form_urlencoded::parse(&body).into_owned().collect(),
    };
    let mut store = stripe.store();
    store.requests.push(request.clone());
    if let Err(message) = authorise(text("authorization").as_deref()) {
        return reply(401, &error(INVALID, None, &message, None), false);
    }
    let key = request.idempotency_key.clone().filter(|_| method == Method::POST);
    // Stripe compares the parameters, not their order (async-stripe sends HashMap metadata unordered).
    let mut params = request.form.clone();
    params.sort();
    let fingerprint = format!("{method} {} {params:?}", request.path);
    if let Some((first, status, body)) = key.as_ref().and_then(|k| store.replays.get(k)) {
        if *first == fingerprint {
            return reply(*status, body, true);
        }
        let message = format!(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. \
             Try using a key other than '{}' if you meant to execute a different request.",
            key.as_deref().unwrap_or_default()
        );
        return reply(400, &error("idempotency_error", None, &message, None), false);
    }
    let (status, body) = route(&mut store, &stripe.url, &request);
    if let (Some(key), 200) = (key, status) {
        store.replays.insert(key, (fingerprint, status, body.clone()));
    }
    reply(status, &body, false)
}

fn route(store: &mut Store, base: &str, req: &Recorded) -> (u16, Value) {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match (req.method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "customers"]) => {
            let id = new_id("cus_");
            let customer = customer_object(&id, req.field("email"), req.field("name"), metadata(req, "metadata"));
            store.customers.insert(id, customer.clone());
            (200, customer)
        }
        ("POST", ["v1", "checkout", "sessions"]) => create_checkout_session(store, base, req),
        ("GET", ["v1", "checkout", "sessions", id]) => {
            found(store.sessions.get(*id), "checkout.session", id, "session")
        }
        ("POST", ["v1", "billing_portal", "sessions"]) => {
            let customer = match req.field("customer") {
                None => return missing("customer"),
                Some(c) if !store.customers.contains_key(c) => return no_such(400, "customer", c, "customer"),
                Some(c) => c,
            };
            let id = new_id("bps_");
            let portal = json!({
                "id": id, "object": "billing_portal.session", "configuration": "bpc_fakedefaultconfiguration",
                "created": now(), "customer": customer, "customer_account": null, "flow": null, "livemode": false,
                "locale": null, "on_behalf_of": null, "return_url": req.field("return_url"),
                "url": format!("{base}/portal/{id}"),
            });
            (200, portal)
        }
        ("GET", ["v1", "subscriptions", id]) => found(store.subscriptions.get(*id), "subscription", id, "id"),
        ("POST", ["v1", "subscriptions", id]) => {
            let Some(sub) = store.subscriptions.get_mut(*id) else {
                return no_such(404, "subscription", id, "id");
            };
            if let Some(price) = req.field("items[0][price]") {
                if let Some(item) = req
                    .field("items[0][id]")
                    .filter(|item| sub["items"]["data"][0]["id"] != *item)
                {
                    return no_such(400, "subscription_item", item, "items[0][id]");
                }
                set_price(sub, price);
            }
            if let Some(flag) = req.field("cancel_at_period_end") {
                set_cancel(sub, flag == "true");
            }
            if let Some(existing) = sub["metadata"].as_object_mut() {
                for (key, value) in metadata(req, "metadata") {
                    if value.as_str() == Some("") {
                        existing.remove(&key);
                    } else {
                        existing.insert(key, value);
                    }
                }
            }
            (200, sub.clone())
        }
        _ => {
            let message = format!("Unrecognized request URL ({}: {}).", req.method, req.path);
            (404, error(INVALID, None, &message, None))
        }
    }
}

fn create_checkout_session(store: &mut Store, base: &str, req: &Recorded) -> (u16, Value) {
    let Some(mode) = req.field("mode") else {
        return missing("mode");
    };
    if let Some(customer) = req.field("customer").filter(|c| !store.customers.contains_key(*c)) {
        return no_such(400, "customer", customer, "customer");
    }
    let id = new_id("cs_test_");
    let trial_days = req
        .field("subscription_data[trial_period_days]")
        .and_then(|d| d.parse().ok());
    let amount = if trial_days.is_some() { 0 } else { UNIT_AMOUNT };
    let now = now();
    let head = json!({
        "id": id, "object": "checkout.session", "adaptive_pricing": null, "after_expiration": null,
        "allow_promotion_codes": null, "amount_subtotal": amount, "amount_total": amount,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "billing_address_collection": null, "cancel_url": req.field("cancel_url"),
        "client_reference_id": req.field("client_reference_id"), "client_secret": null, "collected_information": null,
        "consent": null, "consent_collection": null, "created": now, "currency": "usd", "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null,
            "terms_of_service_acceptance": null},
        "customer": req.field("customer"), "customer_creation": null, "customer_details": null,
        "customer_email": req.field("customer_email"), "discounts": [], "expires_at": now + DAY,
    });
    let tail = json!({
        "invoice": null, "invoice_creation": null, "livemode": false, "locale": null,
        "metadata": metadata(req, "metadata"), "mode": mode, "payment_intent": null, "payment_link": null,
        "payment_method_collection": "always", "payment_method_configuration_details": null,
        "payment_method_options": null, "payment_method_types": ["card"], "payment_status": "unpaid",
        "phone_number_collection": null, "recovered_from": null, "saved_payment_method_options": null,
        "setup_intent": null, "shipping_address_collection": null, "shipping_cost": null, "shipping_options": [],
        "status": "open", "submit_type": null, "subscription": null, "success_url": req.field("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0, "breakdown": null},
        "ui_mode": "hosted_page", "url": format!("{base}/pay/{id}"), "wallet_options": null,
    });
    let session = merged(head, tail);
    let pending = Pending {
        price: req.field("line_items[0][price]").map(str::to_owned),
        trial_days,
        metadata: metadata(req, "subscription_data[metadata]"),
    };
    store.pending.insert(id.clone(), pending);
    store.sessions.insert(id, session.clone());
    (200, session)
}

fn customer_object(id: &str, email: Option<&str>, name: Option<&str>, metadata: Map<String, Value>) -> Value {
    json!({
        "id": id, "object": "customer", "address": null, "balance": 0, "created": now(), "currency": null,
        "default_source": null, "delinquent": false, "description": null, "discount": null, "email": email,
        "invoice_prefix": id[4..12].to_uppercase(), "invoice_settings": {"custom_fields": null,
            "default_payment_method": null, "footer": null, "rendering_options": null},
        "livemode": false, "metadata": metadata, "name": name, "next_invoice_sequence": 1, "phone": null,
        "preferred_locales": [], "shipping": null, "tax_exempt": "none", "test_clock": null,
    })
}

fn subscription_object(id: &str, customer: &str, price: &str, trial: Option<i64>, meta: Map<String, Value>) -> Value {
    let now = now();
    let item = json!({
        "id": new_id("si_"), "object": "subscription_item", "billing_thresholds": null, "created": now,
        "current_period_end": now + 30 * DAY, "current_period_start": now, "discounts": [], "metadata": {},
        "plan": plan_object(price, now), "price": price_object(price, now), "quantity": 1, "subscription": id,
        "tax_rates": [],
    });
    let head = json!({
        "id": id, "object": "subscription", "application": null, "application_fee_percent": null,
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null},
        "billing_cycle_anchor": trial.unwrap_or(now), "billing_cycle_anchor_config": null,
        "billing_mode": {"type": "flexible", "flexible": {"proration_discounts": "included"}, "updated_at": now},
        "billing_schedules": [], "billing_thresholds": null, "cancel_at": null, "cancel_at_period_end": false,
        "canceled_at": null, "cancellation_details": {"comment": null, "feedback": null, "reason": null},
        "collection_method": "charge_automatically", "created": now, "currency": "usd", "customer": customer,
        "customer_account": null, "days_until_due": null, "default_payment_method": null, "default_source": null,
        "default_tax_rates": [], "description": null, "discounts": [], "ended_at": null,
    });
    let tail = json!({
        "invoice_settings": {"account_tax_ids": null, "issuer": {"type": "self"}},
        "items": {"object": "list", "data": [item], "has_more": false, "total_count": 1,
            "url": format!("/v1/subscription_items?subscription={id}")},
        "latest_invoice": null, "livemode": false, "metadata": meta, "next_pending_invoice_item_invoice": null,
        "on_behalf_of": null, "pause_collection": null, "payment_settings": {"payment_method_options": null,
            "payment_method_types": null, "save_default_payment_method": "off"},
        "pending_invoice_item_interval": null, "pending_setup_intent": null, "pending_update": null,
        "schedule": null, "start_date": now, "status": if trial.is_some() { "trialing" } else { "active" },
        "test_clock": null, "transfer_data": null, "trial_end": trial,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": trial.map(|_| now),
    });
    merged(head, tail)
}

fn price_object(price: &str, created: i64) -> Value {
    json!({
        "id": price, "object": "price", "active": true, "billing_scheme": "per_unit", "created": created,
        "currency": "usd", "custom_unit_amount": null, "livemode": false, "lookup_key": null, "metadata": {},
        "nickname": null, "product": product_id(price), "recurring": {"interval": "month", "interval_count": 1,
            "meter": null, "trial_period_days": null, "usage_type": "licensed"},
        "tax_behavior": "unspecified", "tiers_mode": null, "transform_quantity": null, "type": "recurring",
        "unit_amount": UNIT_AMOUNT, "unit_amount_decimal": UNIT_AMOUNT.to_string(),
    })
}

fn plan_object(price: &str, created: i64) -> Value {
    json!({
        "id": price, "object": "plan", "active": true, "amount": UNIT_AMOUNT, "amount_decimal": UNIT_AMOUNT.to_string(),
        "billing_scheme": "per_unit", "created": created, "currency": "usd", "interval": "month",
        "interval_count": 1, "livemode": false, "metadata": {}, "meter": null, "nickname": null,
        "product": product_id(price), "tiers_mode": null, "transform_usage": null, "trial_period_days": null,
        "usage_type": "licensed",
    })
}

fn product_id(price: &str) -> String {
    format!("prod_{}", price.trim_start_matches("price_"))
}

/// Puts the first item on `price`, as an update with `items[0][price]` does.
fn set_price(sub: &mut Value, price: &str) {
    let item = &mut sub["items"]["data"][0];
    let created = item["created"].as_i64().unwrap_or_else(now);
    item["price"] = price_object(price, created);
    item["plan"] = plan_object(price, created);
}

/// Sets or clears `cancel_at_period_end` and the `cancel_at`/`canceled_at` Stripe derives from it.
fn set_cancel(sub: &mut Value, on: bool) {
    let period_end = sub["items"]["data"][0]["current_period_end"].clone();
    sub["cancel_at_period_end"] = json!(on);
    sub["cancel_at"] = if on { period_end } else { Value::Null };
    sub["canceled_at"] = json!(on.then(now));
}

/// `prefix[key]=value` form fields as a metadata map.
fn metadata(req: &Recorded, prefix: &str) -> Map<String, Value> {
    let open = format!("{prefix}[");
    let entry = |(k, v): &(String, String)| {
        let key = k
            .strip_prefix(&open)?
            .strip_suffix(']')
            .filter(|key| !key.contains('['))?;
        Some((key.to_owned(), json!(v)))
    };
    req.form.iter().filter_map(entry).collect()
}

/// Stripe's message for a missing or wrong secret key (header values are visible ASCII, so slicing is safe).
fn authorise(authorization: Option<&str>) -> Result<(), String> {
    match authorization.and_then(|v| v.strip_prefix("Bearer ")) {
        Some(SECRET_KEY) => Ok(()),
        Some(key) if key.len() > 12 => Err(format!(
            "Invalid API Key provided: {}{}{}",
            &key[..8],
            "*".repeat(key.len() - 12),
            &key[key.len() - 4..]
        )),
        Some(_) => Err("Invalid API Key provided: ****".to_owned()),
        None => Err(
            "You did not provide an API key. You need to provide your API key in the Authorization header, \
            using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
                .to_owned(),
        ),
    }
}

fn found(object: Option<&Value>, kind: &str, id: &str, param: &str) -> (u16, Value) {
    object.map_or_else(|| no_such(404, kind, id, param), |o| (200, o.clone()))
}

fn no_such(status: u16, kind: &str, id: &str, param: &str) -> (u16, Value) {
    let message = format!("No such {kind}: '{id}'");
    (status, error(INVALID, Some("resource_missing"), &message, Some(param)))
}

fn missing(param: &str) -> (u16, Value) {
    let message = format!("Missing required param: {param}.");
    (400, error(INVALID, Some("parameter_missing"), &message, Some(param)))
}

/// Stripe's error body; `code` and `param` are left out when absent, as Stripe does.
fn error(kind: &str, code: Option<&str>, message: &str, param: Option<&str>) -> Value {
    let mut error = json!({"type": kind, "message": message});
    if let Some(code) = code {
        error["code"] = json!(code);
        error["doc_url"] = json!(format!(
            "https://stripe.com/docs/error-codes/{}",
            code.replace('_', "-")
        ));
    }
    if let Some(param) = param {
        error["param"] = json!(param);
    }
    json!({"error": error})
}

fn reply(status: u16, body: &Value, replayed: bool) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("stripe-version", HeaderValue::from_static(API_VERSION));
    if let Ok(id) = HeaderValue::from_str(&new_id("req_")) {
        headers.insert("request-id", id);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    let status = StatusCode::from_u16(status).expect("the fake answers valid statuses");
    (status, headers, body.to_string()).into_response()
}

/// `b`'s fields added to object `a` (one `json!` per half keeps each under the macro recursion limit).
fn merged(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
