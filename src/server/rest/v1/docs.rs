//! `/api/v1/docs`: the API reference as a page, rendered on the server from
//! the same OpenAPI document programs read, so it never drifts from it and
//! needs no script from elsewhere.

use super::{document, BASE};
use crate::server::domain::escape_html as escape;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// This reference, as a page for people.
#[utoipa::path(get, path = "/docs", operation_id = "docs", tag = "meta",
    responses((status = 200, description = "The reference", content_type = "text/html", body = String)))]
pub async fn page() -> Response {
    let doc = serde_json::to_value(document()).unwrap_or(Value::Null);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        render(&doc),
    )
        .into_response()
}

/// Escaped text whose `backticked` spans are set as code, as the
/// document's descriptions write them.
fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match i % 2 {
            0 => escape(part),
            // An unclosed backtick stays as written.
            _ if i == last => format!("`{}", escape(part)),
            _ => format!("<code>{}</code>", escape(part)),
        })
        .collect()
}

/// `#/components/schemas/SiteSummary` → `SiteSummary`; inline schemas by type.
fn schema_name(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    match schema["type"].as_str() {
        Some("array") => format!("{}[]", schema_name(&schema["items"])),
        Some(other) => other.to_owned(),
        None => "object".to_owned(),
    }
}

fn render(doc: &Value) -> String {
    let mut body = String::new();
    let info = &doc["info"];
    body.push_str(&format!(
        "<h1 class=\"text-2xl font-semibold tracking-tight\">{} <span class=\"text-slate-500\">v{}</span></h1>\
         <p class=\"mt-2 text-sm text-slate-700\">{}</p>\
         <p class=\"mt-2 text-sm\"><a class=\"text-indigo-600 underline\" href=\"{BASE}/openapi.json\">openapi.json</a> \
         · base URL <code>{BASE}</code> · keys under <a class=\"text-indigo-600 underline\" href=\"/app/api-keys\">API keys</a></p>",
        escape(info["title"].as_str().unwrap_or("API")),
        escape(info["version"].as_str().unwrap_or("")),
        prose(info["description"].as_str().unwrap_or("")),
    ));
    if let Some(tags) = doc["tags"].as_array() {
        body.push_str("<ul class=\"mt-4 space-y-1 text-sm text-slate-700\">");
        for tag in tags {
            body.push_str(&format!(
                "<li><span class=\"font-semibold\">{}</span>: {}</li>",
                escape(tag["name"].as_str().unwrap_or("")),
                prose(tag["description"].as_str().unwrap_or("")),
            ));
        }
        body.push_str("</ul>");
    }
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap_or(&empty) {
            body.push_str(&operation(path, method, op));
        }
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>API reference · Autopilot</title><link rel=\"stylesheet\" href=\"/pkg/autopilot.css\"></head>\
         <body class=\"bg-slate-50 text-slate-900\"><main class=\"mx-auto max-w-3xl px-4 py-10\">{body}</main></body></html>"
    )
}

fn operation(path: &str, method: &str, op: &Value) -> String {
    let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
    let mut html = format!(
        "<section class=\"mt-6 rounded-xl border border-slate-200 bg-white p-4 shadow-sm\" data-testid=\"operation\">\
         <h2 class=\"font-mono text-sm\"><span class=\"font-semibold uppercase text-indigo-700\">{}</span> {}{}</h2>\
         <p class=\"mt-1 text-sm text-slate-700\">{}</p>",
        escape(method),
        BASE,
        escape(path),
        prose(op["summary"].as_str().or(op["description"].as_str()).unwrap_or("")),
    );
    html.push_str(&format!(
        "<p class=\"mt-1 text-xs text-slate-500\">{}</p>",
        if secured { "Bearer credential" } else { "No credential" }
    ));
    if let Some(params) = op["parameters"].as_array() {
        html.push_str("<ul class=\"mt-2 text-sm\">");
        for p in params {
            html.push_str(&format!(
                "<li><code>{}</code> <span class=\"text-slate-500\">({})</span> {}</li>",
                escape(p["name"].as_str().unwrap_or("")),
                escape(p["in"].as_str().unwrap_or("")),
                prose(p["description"].as_str().unwrap_or("")),
            ));
        }
        html.push_str("</ul>");
    }
    let request = &op["requestBody"]["content"]["application/json"]["schema"];
    if !request.is_null() {
        html.push_str(&format!(
            "<p class=\"mt-2 text-sm\">Body: <code>{}</code></p>",
            escape(&schema_name(request))
        ));
    }
    html.push_str("<ul class=\"mt-2 text-sm\">");
    let empty = serde_json::Map::new();
    for (status, response) in op["responses"].as_object().unwrap_or(&empty) {
        let schema = response["content"]
            .as_object()
            .and_then(|c| c.values().next())
            .map(|c| schema_name(&c["schema"]));
        html.push_str(&format!(
            "<li><code>{}</code> {}{}</li>",
            escape(status),
            prose(response["description"].as_str().unwrap_or("")),
            schema
                .map(|s| format!(" → <code>{}</code>", escape(&s)))
                .unwrap_or_default(),
        ));
    }
    html.push_str("</ul></section>");
    html
}
