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

mod objects;
mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use hmac::{Hmac, Mac};
use objects::{
    create_checkout_session, customer_object, invoice_object, set_cancel, set_price, subscription_object, Invoice,
};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use tokio::sync::oneshot;
use wire::{authorise, error, found, metadata, missing, no_such, reply};

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
    /// How many of the next requests fail, and with which status (an outage).
    failing: (usize, u16),
    /// The next subscription read waits here (see `hold_next_subscription_read`).
    hold: Option<Hold>,
}

/// Told when the held read arrives; released when the test says so.
type Hold = (oneshot::Sender<()>, oneshot::Receiver<()>);

/// A subscription read the fake answers late: `arrived` fires once the
/// answer is taken (Stripe's state at that moment); sending on `release`
/// lets it go out.
pub struct HeldRead {
    pub arrived: oneshot::Receiver<()>,
    pub release: oneshot::Sender<()>,
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

    /// Holds the next `GET /v1/subscriptions/{id}`: its answer is Stripe's state when it arrives, but it
    /// is sent only on release, so a later read can overtake it.
    pub fn hold_next_subscription_read(&self) -> HeldRead {
        let (arrived_tx, arrived) = oneshot::channel();
        let (release, release_rx) = oneshot::channel();
        self.store().hold = Some((arrived_tx, release_rx));
        HeldRead { arrived, release }
    }

    /// A subscription made outside Checkout (say, in Stripe's dashboard), `active` on `price`, its metadata
    /// naming `workspace_id` when given. Returns its id.
    pub fn create_subscription(&self, customer: &str, price: &str, workspace_id: Option<&str>) -> String {
        let id = new_id("sub_");
        let mut meta = Map::new();
        if let Some(workspace) = workspace_id {
            meta.insert("workspace_id".into(), json!(workspace));
        }
        let sub = subscription_object(&id, customer, price, None, meta);
        self.store().subscriptions.insert(id.clone(), sub);
        id
    }

    /// The next `count` requests answer `status` with Stripe's `api_error` body, as in an outage.
    pub fn fail_next_requests(&self, count: usize, status: u16) {
        self.store().failing = (count, status);
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
        let pending = store
            .pending
            .remove(session_id)
            .expect("an open session (not completed, not expired)");
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
        let invoice = Invoice {
            id: &id,
            sub_id,
            status,
            amount_cents,
            number: &number,
            base: &self.url,
        };
        invoice_object(&invoice, &item, customer)
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
    let (response, held) = answer(&stripe, &request, text("authorization").as_deref());
    if let Some((arrived, release)) = held {
        let _ = arrived.send(());
        let _ = release.await;
    }
    response
}

/// The answer to one request, and the hold it must wait for, if any.
fn answer(stripe: &FakeStripe, request: &Recorded, authorization: Option<&str>) -> (Response, Option<Hold>) {
    let mut store = stripe.store();
    store.requests.push(request.clone());
    if let Err(message) = authorise(authorization) {
        return (reply(401, &error(INVALID, None, &message, None), false), None);
    }
    if store.failing.0 > 0 {
        store.failing.0 -= 1;
        let message = "An unknown error occurred while processing your request.";
        return (
            reply(store.failing.1, &error("api_error", None, message, None), false),
            None,
        );
    }
    let key = request.idempotency_key.clone().filter(|_| request.method == "POST");
    // Stripe compares the parameters, not their order (async-stripe sends HashMap metadata unordered).
    let mut params = request.form.clone();
    params.sort();
    let fingerprint = format!("{} {} {params:?}", request.method, request.path);
    if let Some((first, status, body)) = key.as_ref().and_then(|k| store.replays.get(k)) {
        if *first == fingerprint {
            return (reply(*status, body, true), None);
        }
        let message = format!(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. \
             Try using a key other than '{}' if you meant to execute a different request.",
            key.as_deref().unwrap_or_default()
        );
        return (
            reply(400, &error("idempotency_error", None, &message, None), false),
            None,
        );
    }
    let (status, body) = route(&mut store, &stripe.url, request);
    if let (Some(key), 200) = (key, status) {
        store.replays.insert(key, (fingerprint, status, body.clone()));
    }
    let is_read = request.method == "GET" && request.path.starts_with("/v1/subscriptions/");
    let held = store.hold.take_if(|_| is_read);
    (reply(status, &body, false), held)
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
        ("POST", ["v1", "customers", id]) => {
            let Some(customer) = store.customers.get_mut(*id) else {
                return no_such(404, "customer", id, "id");
            };
            for field in ["email", "name"] {
                if let Some(value) = req.field(field) {
                    customer[field] = json!(value);
                }
            }
            (200, customer.clone())
        }
        ("POST", ["v1", "checkout", "sessions"]) => create_checkout_session(store, base, req),
        ("POST", ["v1", "checkout", "sessions", id, "expire"]) => expire_checkout_session(store, id),
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

/// Only an open session can be expired; a paid one stays paid.
fn expire_checkout_session(store: &mut Store, id: &str) -> (u16, Value) {
    let Some(session) = store.sessions.get_mut(id) else {
        return no_such(404, "checkout.session", id, "session");
    };
    if session["status"] != "open" {
        let message = format!(
            "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a \
             status of \"{}\".",
            session["status"].as_str().unwrap_or_default()
        );
        return (400, error(INVALID, None, &message, None));
    }
    session["status"] = json!("expired");
    session["url"] = Value::Null;
    store.pending.remove(id);
    (200, session.clone())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
