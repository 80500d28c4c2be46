//! How the fake Stripe talks: bearer-key checks, form metadata, Stripe's
//! error bodies and response headers.

use super::{new_id, Recorded, API_VERSION, INVALID, SECRET_KEY};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// `prefix[key]=value` form fields as a metadata map.
pub fn metadata(req: &Recorded, prefix: &str) -> Map<String, Value> {
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
pub fn authorise(authorization: Option<&str>) -> Result<(), String> {
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

pub fn found(object: Option<&Value>, kind: &str, id: &str, param: &str) -> (u16, Value) {
    object.map_or_else(|| no_such(404, kind, id, param), |o| (200, o.clone()))
}

pub fn no_such(status: u16, kind: &str, id: &str, param: &str) -> (u16, Value) {
    let message = format!("No such {kind}: '{id}'");
    (status, error(INVALID, Some("resource_missing"), &message, Some(param)))
}

pub fn missing(param: &str) -> (u16, Value) {
    let message = format!("Missing required param: {param}.");
    (400, error(INVALID, Some("parameter_missing"), &message, Some(param)))
}

/// Stripe's error body; `code` and `param` are left out when absent, as Stripe does.
pub fn error(kind: &str, code: Option<&str>, message: &str, param: Option<&str>) -> Value {
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

pub fn reply(status: u16, body: &Value, replayed: bool) -> Response {
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
