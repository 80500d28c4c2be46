//! A stand-in for Salla: its OAuth server and the Merchant API's products,
//! for one store ("Stand-in Spices", merchant 847769313).
//!
//! - `GET /oauth2/auth`: the approval page; allow sends the merchant back
//!   with `code`, `scope` and `state`.
//! - `POST /oauth2/token` (form-encoded): `authorization_code` (once, same
//!   `redirect_uri`) or `refresh_token`. Refresh tokens are single-use:
//!   a refresh hands out a new pair, and a refresh token spent a second
//!   time revokes the whole grant (access and refresh tokens), answering
//!   401 `invalid_grant` as Salla documents.
//! - `GET /oauth2/user/info`: the user and their merchant.
//! - `GET /admin/v2/products?page&per_page` (at most 60), `GET` and `PUT
//!   /admin/v2/products/{id}`, `PUT /admin/v2/products/variants/{id}`.
//!   Every Merchant API call spends the store's budget (120 a minute by
//!   default); past it, 429 with `Retry-After` (the seconds until the
//!   oldest call of the window drops out) and `X-RateLimit-*` headers.
//! - `send_webhook` signs a payload as Salla does (`X-Salla-Signature`:
//!   hex HMAC-SHA256 of the body with the webhook secret) and posts it;
//!   `install` and `enter_code` are the easy mode's two deliveries
//!   (`app.store.authorize` with a fresh grant, `app.settings.updated`).
//!
//! Errors are `{"status","success":false,"error":{"code","message"}}`.

use super::{back_to, bad_page, consent_page, token, unix_now, Gate, APP_ID, APP_SECRET};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub const MERCHANT_ID: i64 = 847_769_313;
/// Salla's documented access token lifetime: 14 days.
const ACCESS_SECONDS: i64 = 14 * 86_400;

struct World {
    codes: HashMap<String, (String, bool)>,
    /// Access tokens that work, and when they run out.
    access: HashMap<String, i64>,
    /// The refresh token that works now; the ones already spent.
    refresh: Option<String>,
    spent: HashSet<String>,
    refreshes: usize,
    /// Products as Salla keeps them (JSON), in catalogue order.
    products: Vec<Value>,
    /// Calls allowed per window of seconds, and the calls of the window.
    budget: usize,
    window: i64,
    calls: Vec<i64>,
    puts: usize,
    throttled: usize,
}

#[derive(Clone)]
pub struct SallaStandIn {
    world: Arc<Mutex<World>>,
    /// Where refresh requests can be held.
    refresh_gate: Gate,
}

impl Default for SallaStandIn {
    fn default() -> Self {
        Self::new(0)
    }
}

/// A product as Salla shows it; prices in major units.
pub fn product(id: i64, sku: &str, name: &str, price: f64, cost: Option<f64>, quantity: i64) -> Value {
    json!({
        "id": id, "sku": sku, "name": name, "type": "product",
        "price": { "amount": price, "currency": "SAR" },
        "regular_price": { "amount": price, "currency": "SAR" },
        "sale_price": {}, "cost_price": cost.map(|c| json!(c.to_string())).unwrap_or(Value::Null),
        "quantity": quantity, "unlimited_quantity": false, "status": if quantity > 0 { "sale" } else { "out" },
        "main_image": format!("https://cdn.salla.invalid/{sku}.jpg"),
        "urls": { "customer": format!("https://stand-in-spices.invalid/p{id}"), "admin": "" },
        "skus": [], "options": [], "images": [], "tags": [],
    })
}

impl SallaStandIn {
    /// A store with `products` invented products (ids 1001…).
    pub fn new(products: usize) -> SallaStandIn {
        let products = (0..products)
            .map(|i| {
                let price = 50.0 + (i % 40) as f64 * 2.5;
                product(
                    1001 + i as i64,
                    &format!("SKU-{}", i + 1),
                    &format!("Spice {}", i + 1),
                    price,
                    Some(price / 2.0),
                    10,
                )
            })
            .collect();
        SallaStandIn {
            world: Arc::new(Mutex::new(World {
                codes: HashMap::new(),
                access: HashMap::new(),
                refresh: None,
                spent: HashSet::new(),
                refreshes: 0,
                products,
                budget: 120,
                window: 60,
                calls: Vec::new(),
                puts: 0,
                throttled: 0,
            })),
            refresh_gate: Gate::default(),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Merchant API calls allowed per `seconds` from now on.
    pub fn set_budget(&self, calls: usize, seconds: i64) {
        let mut w = self.world();
        w.budget = calls;
        w.window = seconds.max(1);
        w.calls.clear();
    }

    /// Calls refused with 429 so far.
    pub fn throttled(&self) -> usize {
        self.world().throttled
    }

    /// The merchant changes a price in Salla's dashboard (major units).
    pub fn set_price(&self, id: i64, price: f64) {
        if let Some(p) = self.world().products.iter_mut().find(|p| p["id"] == id) {
            p["price"]["amount"] = json!(price);
        }
    }

    /// A product's price now, in major units.
    pub fn price_of(&self, id: i64) -> Option<f64> {
        self.world()
            .products
            .iter()
            .find(|p| p["id"] == id)
            .and_then(|p| p["price"]["amount"].as_f64())
    }

    /// A product as Salla has it now, as its product webhooks carry it.
    pub fn product_json(&self, id: i64) -> Option<Value> {
        self.world().products.iter().find(|p| p["id"] == id).cloned()
    }

    /// The merchant installs the app from Salla's app store (easy mode):
    /// Salla posts a fresh grant to the app's webhook. Returns the status
    /// the app answered.
    pub async fn install(&self, webhook_url: &str, secret: &str) -> reqwest::Result<u16> {
        send_webhook(webhook_url, secret, "app.store.authorize", self.grant()).await
    }

    /// The merchant saves the app's settings in Salla with `code`.
    pub async fn enter_code(webhook_url: &str, secret: &str, code: &str) -> reqwest::Result<u16> {
        let data = json!({ "id": 1_180_602_380, "app_name": "Autopilot", "app_type": "app",
                           "settings": { "autopilot_code": code } });
        send_webhook(webhook_url, secret, "app.settings.updated", data).await
    }

    pub fn add_product(&self, product: Value) {
        self.world().products.push(product);
    }

    pub fn remove_product(&self, id: i64) {
        self.world().products.retain(|p| p["id"] != id);
    }

    /// Salla retires the access tokens early (they stop working before
    /// their time); the refresh token still works.
    pub fn retire_access_tokens(&self) {
        self.world().access.clear();
    }

    /// The merchant removes the app: every token stops working.
    pub fn uninstall(&self) {
        let mut w = self.world();
        w.access.clear();
        w.refresh = None;
    }

    /// Refreshes answered so far, and price changes made.
    pub fn counts(&self) -> (usize, usize) {
        let w = self.world();
        (w.refreshes, w.puts)
    }

    /// Tokens as the easy mode's webhook delivers them: a fresh grant.
    pub fn grant(&self) -> Value {
        let (access, refresh) = (token("salla-access-"), token("salla-refresh-"));
        let mut w = self.world();
        w.access.insert(access.clone(), unix_now() + ACCESS_SECONDS);
        w.refresh = Some(refresh.clone());
        json!({ "access_token": access, "refresh_token": refresh, "expires": unix_now() + ACCESS_SECONDS,
                "scope": "offline_access products.read_write", "token_type": "bearer" })
    }

    /// Holds refresh requests until `release_refreshes`.
    pub fn hold_refreshes(&self) {
        self.refresh_gate.hold();
    }

    /// Waits until a refresh request is being held.
    pub async fn refresh_arrived(&self) {
        self.refresh_gate.arrived().await;
    }

    pub fn release_refreshes(&self) {
        self.refresh_gate.release();
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/",
                get(|| async { "A local stand-in for Salla, for tests and trials." }),
            )
            .route("/oauth2/auth", get(authorize))
            .route("/oauth2/token", post(token_endpoint))
            .route("/oauth2/user/info", get(user_info))
            .route("/admin/v2/products", get(list))
            .route("/admin/v2/products/{id}", get(one).put(update))
            .route("/admin/v2/products/variants/{id}", put(update_variant))
            .with_state(self.clone())
    }
}

/// Posts a webhook to the app as Salla would, signed with `secret`.
pub async fn send_webhook(url: &str, secret: &str, event: &str, data: Value) -> reqwest::Result<u16> {
    let body = json!({ "event": event, "merchant": MERCHANT_ID, "created_at": "2026-12-04 09:00:00", "data": data })
        .to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("x-salla-security-strategy", "Signature")
        .header("x-salla-signature", signature)
        .body(body)
        .send()
        .await?;
    Ok(response.status().as_u16())
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "status": status.as_u16(), "success": false, "error": { "code": code, "message": message } });
    (status, Json(body)).into_response()
}

fn invalid_grant() -> Response {
    let body = json!({ "error": "invalid_grant", "error_description": "The provided authorization grant or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client." });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

async fn authorize(State(salla): State<SallaStandIn>, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != APP_ID || get("response_type") != "code" || get("redirect_uri").is_empty() {
        return bad_page("client_id (a known app), response_type=code and redirect_uri are required.");
    }
    let (redirect, state) = (get("redirect_uri"), get("state"));
    match q.get("decision").map(String::as_str) {
        Some("allow") => {
            let code = token("salla-code-");
            salla.world().codes.insert(code.clone(), (redirect.clone(), false));
            back_to(
                &redirect,
                &[
                    ("code", &code),
                    ("scope", "offline_access products.read_write"),
                    ("state", &state),
                ],
            )
        }
        Some(_) => back_to(&redirect, &[("error", "access_denied"), ("state", &state)]),
        None => {
            let mut allow = url::Url::parse("http://stand-in/oauth2/auth").expect("a fixed URL");
            allow
                .query_pairs_mut()
                .extend_pairs(q.iter())
                .append_pair("decision", "allow");
            let deny = allow.as_str().replace("decision=allow", "decision=deny");
            let path = |u: &str| u.trim_start_matches("http://stand-in").to_string();
            consent_page(
                "Salla",
                "Autopilot",
                &path(allow.as_str()),
                &path(&deny),
                "your store's products and prices",
            )
        }
    }
}

async fn token_endpoint(State(salla): State<SallaStandIn>, Form(f): Form<HashMap<String, String>>) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("client_id") != APP_ID || get("client_secret") != APP_SECRET {
        return invalid_grant();
    }
    match get("grant_type").as_str() {
        "authorization_code" => {
            let mut w = salla.world();
            let fine = matches!(w.codes.get(&get("code")), Some((uri, false)) if *uri == get("redirect_uri"));
            if !fine {
                return invalid_grant();
            }
            if let Some(code) = w.codes.get_mut(&get("code")) {
                code.1 = true;
            }
            drop(w);
            issue(&salla)
        }
        "refresh_token" => {
            salla.refresh_gate.pass().await;
            let sent = get("refresh_token");
            let mut w = salla.world();
            w.refreshes += 1;
            if w.spent.contains(&sent) {
                // Spent twice: the whole grant is revoked.
                w.access.clear();
                w.refresh = None;
                return invalid_grant();
            }
            if w.refresh.as_deref() != Some(sent.as_str()) {
                return invalid_grant();
            }
            w.spent.insert(sent);
            drop(w);
            issue(&salla)
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response(),
    }
}

fn issue(salla: &SallaStandIn) -> Response {
    let grant = salla.grant();
    Json(
        json!({ "access_token": grant["access_token"], "refresh_token": grant["refresh_token"],
                 "expires_in": ACCESS_SECONDS, "scope": grant["scope"], "token_type": "bearer" }),
    )
    .into_response()
}

/// The bearer token's check: None when it works.
fn refused(salla: &SallaStandIn, headers: &HeaderMap) -> Option<Response> {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match salla.world().access.get(bearer) {
        Some(until) if *until > unix_now() => None,
        _ => Some(error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "The access token is invalid",
        )),
    }
}

/// Spends one call of the store's budget: None while there is room.
fn limited(salla: &SallaStandIn) -> Option<Response> {
    let mut w = salla.world();
    let now = unix_now();
    let window = w.window;
    w.calls.retain(|at| *at > now - window);
    if w.calls.len() >= w.budget {
        w.throttled += 1;
        // Retry-After says when the oldest call of the window drops out.
        let wait = (w.calls.iter().min().copied().unwrap_or(now) + window - now).max(1);
        let body = json!({ "status": 429, "success": false, "error": { "code": "too_many_requests", "message": "Too Many Attempts." } });
        let headers = [
            ("retry-after", wait.to_string()),
            ("x-ratelimit-limit", w.budget.to_string()),
            ("x-ratelimit-remaining", "0".into()),
        ];
        return Some((StatusCode::TOO_MANY_REQUESTS, headers, Json(body)).into_response());
    }
    w.calls.push(now);
    None
}

async fn user_info(State(salla): State<SallaStandIn>, headers: HeaderMap) -> Response {
    if let Some(no) = refused(&salla, &headers) {
        return no;
    }
    Json(json!({ "status": 200, "success": true, "data": {
        "id": 1_689_171_978, "name": "Sara Stand-in", "email": "sara@stand-in-spices.invalid", "role": "user",
        "merchant": { "id": MERCHANT_ID, "username": "stand_in_spices", "name": "Stand-in Spices",
                      "domain": "https://stand-in-spices.invalid", "plan": "pro", "status": "active" } } }))
    .into_response()
}

async fn list(
    State(salla): State<SallaStandIn>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(no) = refused(&salla, &headers).or_else(|| limited(&salla)) {
        return no;
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    let per_page: usize = q
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(15)
        .clamp(1, 60);
    let w = salla.world();
    let total = w.products.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let data: Vec<Value> = w
        .products
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    Json(json!({ "status": 200, "success": true, "data": data, "pagination": {
        "count": data.len(), "total": total, "perPage": per_page, "currentPage": page, "totalPages": total_pages,
        "links": {} } }))
    .into_response()
}

async fn one(State(salla): State<SallaStandIn>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    if let Some(no) = refused(&salla, &headers).or_else(|| limited(&salla)) {
        return no;
    }
    match salla.world().products.iter().find(|p| p["id"] == id) {
        Some(p) => Json(json!({ "status": 200, "success": true, "data": p })).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "404",
            "The content you are trying to access is no longer available",
        ),
    }
}

async fn update(
    State(salla): State<SallaStandIn>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(no) = refused(&salla, &headers).or_else(|| limited(&salla)) {
        return no;
    }
    let Some(price) = body["price"].as_f64().filter(|p| *p > 0.0) else {
        let fields = json!({ "price": ["The price must be a number greater than 0."] });
        let body = json!({ "status": 422, "success": false, "error": { "code": "validation_failed", "message": "alert.invalid_fields", "fields": fields } });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    };
    let mut w = salla.world();
    w.puts += 1;
    match w.products.iter_mut().find(|p| p["id"] == id) {
        Some(p) => {
            p["price"]["amount"] = json!(price);
            (
                StatusCode::CREATED,
                Json(json!({ "status": 201, "success": true, "data": p.clone() })),
            )
                .into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "404",
            "The content you are trying to access is no longer available",
        ),
    }
}

async fn update_variant(
    State(salla): State<SallaStandIn>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(no) = refused(&salla, &headers).or_else(|| limited(&salla)) {
        return no;
    }
    let Some(price) = body["price"].as_f64().filter(|p| *p > 0.0) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "null");
    };
    let mut w = salla.world();
    w.puts += 1;
    let variant = w
        .products
        .iter_mut()
        .flat_map(|p| p["skus"].as_array_mut().into_iter().flatten())
        .find(|s| s["id"] == id);
    match variant {
        Some(s) => {
            s["price"] = json!({ "amount": price, "currency": "SAR" });
            (
                StatusCode::CREATED,
                Json(json!({ "status": 201, "success": true, "data": s.clone() })),
            )
                .into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "404",
            "The content you are trying to access is no longer available",
        ),
    }
}
