//! Salla: its OAuth server (SALLA_AUTH_BASE: `/oauth2/auth`,
//! `/oauth2/token`, `/oauth2/user/info`) and the Merchant API v2
//! (SALLA_API_BASE + `/admin/v2/…`). Access tokens last about 14 days;
//! refresh tokens are single-use, and spending one twice revokes the whole
//! grant, so refreshing is the stores module's job under a lock.
//!
//! Salla's answers are loose about types (numbers as strings, `{}` for
//! nothing), so products are read from JSON values field by field rather
//! than through strict structs. Errors come as `{"status","success":false,
//! "error":{"code","message"}}`, or the OAuth shape `{"error",
//! "error_description"}` from the token endpoint.

use super::meta::without_url;
use super::outbound::{read_capped, ReadError};
use crate::server::config::{AppCredentials, SallaConfig};
use serde_json::{json, Value};
use std::time::Duration;

const MAX_REPLY: usize = 4 * 1024 * 1024;
/// Salla's largest page of products.
pub const PER_PAGE: i64 = 60;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SallaError {
    /// The HTTP status; None when Salla was not reached.
    pub status: Option<u16>,
    /// `invalid_grant`, `Unauthorized`, `too_many_requests`, …
    pub code: String,
    pub message: String,
    /// Seconds Salla asked us to wait (Retry-After), on a 429.
    pub retry_after: Option<u64>,
}

impl SallaError {
    fn local(message: impl Into<String>) -> SallaError {
        SallaError {
            status: None,
            code: String::new(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// The grant no longer works (revoked, uninstalled, a refresh token
    /// spent twice): someone must connect the store again.
    pub fn is_revoked(&self) -> bool {
        self.code == "invalid_grant" || self.status == Some(401)
    }

    pub fn is_rate_limited(&self) -> bool {
        self.status == Some(429)
    }

    /// Worth trying again later: not reached, rate limited or a 5xx.
    pub fn is_transient(&self) -> bool {
        self.status.is_none_or(|s| s >= 500 || s == 429)
    }
}

/// Tokens from a code, a refresh, or the easy mode's webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds when the access token runs out.
    pub expires_at: i64,
}

impl Grant {
    /// Reads a token answer: `expires_in` (seconds from now) as the token
    /// endpoint gives it, or `expires` (unix seconds) as the webhook does.
    pub fn from_json(value: &Value, now: i64) -> Option<Grant> {
        let expires_at = match (number(&value["expires_in"]), number(&value["expires"])) {
            (Some(seconds), _) => now + seconds,
            (None, Some(at)) => at,
            (None, None) => now + 14 * 86_400,
        };
        Some(Grant {
            access_token: value["access_token"].as_str()?.to_string(),
            refresh_token: value["refresh_token"].as_str().unwrap_or_default().to_string(),
            expires_at,
        })
    }
}

/// The store a token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    pub id: String,
    pub name: String,
    pub domain: String,
}

/// One product (or variant) as the stores module keeps it; money in
/// minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: String,
    /// "" for the product itself.
    pub variant_id: String,
    pub sku: String,
    pub name: String,
    pub price: i64,
    pub sale_price: Option<i64>,
    pub cost: Option<i64>,
    /// None: unlimited.
    pub stock: Option<i64>,
    pub status: String,
    pub image_url: String,
    pub url: String,
    pub currency: String,
}

/// A page of the catalogue.
#[derive(Debug, Clone)]
pub struct Page {
    pub products: Vec<Product>,
    pub current: i64,
    pub total_pages: i64,
}

/// A number Salla may send as a number or a string.
fn number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    }
}

/// An amount in major units (a number, a string, or `{amount}`) as minor units.
pub fn minor(value: &Value) -> Option<i64> {
    let major = match value {
        Value::Object(map) => return map.get("amount").and_then(minor),
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    Some((major * 100.0).round() as i64)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

impl Product {
    /// A product and, when it has variants, one entry per variant (each
    /// priced on its own in Salla).
    pub fn from_json(p: &Value) -> Vec<Product> {
        let stock = |v: &Value, unlimited: &Value| {
            if unlimited.as_bool() == Some(true) {
                None
            } else {
                number(v)
            }
        };
        let base = Product {
            id: text(&p["id"]),
            variant_id: String::new(),
            sku: text(&p["sku"]),
            name: text(&p["name"]),
            price: minor(&p["price"]).unwrap_or(0),
            sale_price: minor(&p["sale_price"]).filter(|s| *s > 0),
            cost: minor(&p["cost_price"]).filter(|c| *c > 0),
            stock: stock(&p["quantity"], &p["unlimited_quantity"]),
            status: text(&p["status"]),
            image_url: text(&p["main_image"]),
            url: p["urls"]["customer"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| text(&p["url"])),
            currency: p["price"]["currency"].as_str().unwrap_or("SAR").to_string(),
        };
        let variants: Vec<Product> = p["skus"]
            .as_array()
            .map(|skus| {
                skus.iter()
                    .filter(|s| !text(&s["id"]).is_empty())
                    .map(|s| Product {
                        variant_id: text(&s["id"]),
                        sku: Some(text(&s["sku"]))
                            .filter(|k| !k.is_empty())
                            .unwrap_or_else(|| base.sku.clone()),
                        name: format!("{} ({})", base.name, text(&s["id"])),
                        price: minor(&s["price"]).unwrap_or(base.price),
                        sale_price: minor(&s["sale_price"]).filter(|v| *v > 0),
                        cost: minor(&s["cost_price"]).filter(|c| *c > 0).or(base.cost),
                        stock: stock(&s["stock_quantity"], &s["unlimited_quantity"]),
                        ..base.clone()
                    })
                    .collect()
            })
            .unwrap_or_default();
        if variants.is_empty() {
            vec![base]
        } else {
            variants
        }
    }
}

#[derive(Clone)]
pub struct Salla {
    http: reqwest::Client,
    auth_base: url::Url,
    api_base: url::Url,
}

impl Salla {
    pub fn new(config: &SallaConfig) -> Salla {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Autopilot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a TLS backend is compiled in");
        Salla {
            http,
            auth_base: config.auth_base.clone(),
            api_base: config.api_base.clone(),
        }
    }

    fn auth(&self, path: &str) -> String {
        format!("{}{path}", self.auth_base.as_str().trim_end_matches('/'))
    }

    fn api(&self, path: &str) -> String {
        format!("{}/admin/v2{path}", self.api_base.as_str().trim_end_matches('/'))
    }

    /// Where the merchant approves the app (custom mode).
    pub fn authorize_url(&self, app: &AppCredentials, redirect_uri: &str, state: &str) -> String {
        let mut url = url::Url::parse(&self.auth("/oauth2/auth")).expect("SALLA_AUTH_BASE is a URL");
        url.query_pairs_mut()
            .append_pair("client_id", &app.id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "offline_access")
            .append_pair("state", state);
        url.into()
    }

    pub async fn exchange(
        &self,
        app: &AppCredentials,
        code: &str,
        redirect_uri: &str,
        now: i64,
    ) -> Result<Grant, SallaError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &app.id),
            ("client_secret", &app.secret),
            ("redirect_uri", redirect_uri),
        ];
        self.grant(&form, now).await
    }

    /// Spends a refresh token (single-use) for a new pair.
    pub async fn refresh(&self, app: &AppCredentials, refresh_token: &str, now: i64) -> Result<Grant, SallaError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &app.id),
            ("client_secret", &app.secret),
        ];
        self.grant(&form, now).await
    }

    async fn grant(&self, form: &[(&str, &str)], now: i64) -> Result<Grant, SallaError> {
        let body = self.json(self.http.post(self.auth("/oauth2/token")).form(form)).await?;
        Grant::from_json(&body, now).ok_or_else(|| SallaError::local("Salla's token answer had no access token"))
    }

    /// The merchant (store) a token acts for.
    pub async fn merchant(&self, access: &str) -> Result<Merchant, SallaError> {
        let body = self
            .json(self.http.get(self.auth("/oauth2/user/info")).bearer_auth(access))
            .await?;
        let m = if body["data"]["merchant"].is_object() {
            &body["data"]["merchant"]
        } else {
            &body["merchant"]
        };
        let id = text(&m["id"]);
        if id.is_empty() {
            return Err(SallaError::local("Salla did not say which store the sign-in is for"));
        }
        Ok(Merchant {
            id,
            name: text(&m["name"]),
            domain: text(&m["domain"]),
        })
    }

    /// One page of products (`page` from 1), 60 at a time.
    pub async fn products(&self, access: &str, page: i64) -> Result<Page, SallaError> {
        let request = self
            .http
            .get(self.api("/products"))
            .query(&[("page", page), ("per_page", PER_PAGE)])
            .bearer_auth(access);
        let body = self.json(request).await?;
        let items = body["data"].as_array().map(Vec::as_slice).unwrap_or_default();
        let products = items.iter().flat_map(Product::from_json).collect();
        let paging = &body["pagination"];
        // Without paging figures, a full page means there may be another.
        let more = if items.len() as i64 >= PER_PAGE { page + 1 } else { page };
        Ok(Page {
            products,
            current: number(&paging["currentPage"]).unwrap_or(page),
            total_pages: number(&paging["totalPages"]).unwrap_or(more),
        })
    }

    /// One product (with its variants) as the store has it now.
    pub async fn product(&self, access: &str, id: &str) -> Result<Vec<Product>, SallaError> {
        let body = self
            .json(self.http.get(self.api(&format!("/products/{id}"))).bearer_auth(access))
            .await?;
        Ok(Product::from_json(&body["data"]))
    }

    /// Sets a product's (or one variant's) price, in minor units.
    pub async fn set_price(&self, access: &str, id: &str, variant_id: &str, price: i64) -> Result<(), SallaError> {
        let path = if variant_id.is_empty() {
            format!("/products/{id}")
        } else {
            format!("/products/variants/{variant_id}")
        };
        let body = json!({ "price": price as f64 / 100.0 });
        self.json(self.http.put(self.api(&path)).bearer_auth(access).json(&body))
            .await?;
        Ok(())
    }

    async fn json(&self, request: reqwest::RequestBuilder) -> Result<Value, SallaError> {
        let response = request
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| SallaError::local(format!("Salla could not be reached: {}", without_url(e))))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = read_capped(response, MAX_REPLY).await.map_err(|e| match e {
            ReadError::TooLarge => SallaError::local("Salla's answer was too large"),
            ReadError::Transport(e) => SallaError::local(format!("Salla's answer broke off: {}", without_url(e))),
        })?;
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(value);
        }
        let (code, message) = match (&value["error"], value["error_description"].as_str()) {
            (Value::String(code), description) => (code.clone(), description.unwrap_or(code).to_string()),
            (Value::Object(e), _) => (text(&e["code"]), text(&e["message"])),
            _ => (String::new(), String::new()),
        };
        let message = if message.is_empty() {
            format!("Salla answered {status}")
        } else {
            message
        };
        Err(SallaError {
            status: Some(status),
            code,
            message,
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_read_whatever_types_salla_sends() {
        let p = json!({
            "id": 1025569331, "sku": "CAKE-1", "name": "Rose cake", "price": {"amount": 120, "currency": "SAR"},
            "sale_price": {}, "cost_price": "65.50", "quantity": "14", "unlimited_quantity": false,
            "status": "sale", "main_image": "https://cdn.example/rose.jpg", "urls": {"customer": "https://shop.example/rose"},
            "skus": []
        });
        let read = Product::from_json(&p);
        assert_eq!(read.len(), 1);
        let rose = &read[0];
        assert_eq!(
            (rose.id.as_str(), rose.price, rose.cost, rose.stock, rose.sale_price),
            ("1025569331", 12_000, Some(6_550), Some(14), None)
        );
        assert_eq!(rose.url, "https://shop.example/rose");
        let with_variants = json!({
            "id": 7, "name": "Tea", "price": {"amount": "45", "currency": "SAR"}, "unlimited_quantity": true,
            "skus": [{"id": 71, "sku": "TEA-S", "price": {"amount": 40}, "cost_price": {"amount": 20, "currency": "SAR"}, "stock_quantity": "3"},
                     {"id": 72, "price": {"amount": 60}, "unlimited_quantity": true}]
        });
        let read = Product::from_json(&with_variants);
        assert_eq!(read.len(), 2);
        assert_eq!(
            (read[0].variant_id.as_str(), read[0].price, read[0].cost, read[0].stock),
            ("71", 4_000, Some(2_000), Some(3))
        );
        assert_eq!((read[1].price, read[1].stock), (6_000, None));
    }

    #[test]
    fn grants_from_the_token_endpoint_or_the_webhook() {
        let from_token = json!({"access_token": "a", "refresh_token": "r", "expires_in": 1_209_600});
        assert_eq!(Grant::from_json(&from_token, 100).unwrap().expires_at, 1_209_700);
        let from_webhook = json!({"access_token": "a", "refresh_token": "r", "expires": 1_634_819_484});
        assert_eq!(Grant::from_json(&from_webhook, 100).unwrap().expires_at, 1_634_819_484);
        assert!(Grant::from_json(&json!({"error": "x"}), 0).is_none());
    }

    #[test]
    fn refusals_are_told_apart() {
        let refused = SallaError {
            status: Some(401),
            code: "Unauthorized".into(),
            message: String::new(),
            retry_after: None,
        };
        assert!(refused.is_revoked() && !refused.is_transient());
        let slow = SallaError {
            status: Some(429),
            code: String::new(),
            message: String::new(),
            retry_after: Some(3),
        };
        assert!(slow.is_rate_limited() && slow.is_transient() && !slow.is_revoked());
    }
}
