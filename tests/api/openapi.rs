//! The OpenAPI document of /api/v1: every route is in it with its auth and
//! its request and response schemas, and a sample call of every route
//! matches them, request and answer alike (checked by a small JSON Schema
//! validator written here, independent of the code that made the document).

use crate::automation::{post_awaiting_review, save_settings, settings};
use crate::fake_wordpress::{FakeWordPress, APP_PASSWORD, USERNAME};
use crate::helpers::{spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_engines!(
    every_route_is_in_the_document_with_its_auth_and_schemas,
    a_sample_call_of_every_route_matches_its_schemas,
);

/// Every route of the API, as the issue names them, plus the document and
/// its page. The document must list exactly these.
const ROUTES: [(&str, &str); 36] = [
    ("get", "/healthz"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/revoke"),
    ("get", "/sites"),
    ("post", "/sites"),
    ("get", "/sites/{id}"),
    ("patch", "/sites/{id}"),
    ("delete", "/sites/{id}"),
    ("post", "/sites/{id}/start"),
    ("post", "/sites/{id}/stop"),
    ("post", "/sites/{id}/test"),
    ("post", "/automation/{site_id}/run-now"),
    ("get", "/automation/jobs"),
    ("get", "/automation/posts"),
    ("post", "/automation/posts/{id}/approve"),
    ("post", "/automation/posts/{id}/reject"),
    ("get", "/billing/usage"),
    ("post", "/billing/change-plan/{plan}"),
    ("get", "/webhooks"),
    ("post", "/webhooks"),
    ("delete", "/webhooks/{id}"),
    ("post", "/webhooks/{id}/roll-secret"),
    ("get", "/webhooks/{id}/deliveries"),
    ("post", "/webhooks/deliveries/{id}/resend"),
    ("post", "/media"),
    ("get", "/social/posts"),
    ("get", "/social/posts/{id}"),
    ("get", "/social/metrics"),
    ("get", "/admin/users"),
    ("post", "/admin/users/{id}/suspend"),
    ("post", "/admin/users/{id}/limits/{limit}"),
    ("get", "/admin/health"),
];

/// Routes that take a JSON body.
const WITH_BODY: [(&str, &str); 9] = [
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/revoke"),
    ("post", "/sites"),
    ("patch", "/sites/{id}"),
    ("post", "/webhooks"),
    ("post", "/admin/users/{id}/suspend"),
    ("post", "/admin/users/{id}/limits/{limit}"),
];

/// Routes anyone may call.
const PUBLIC: [&str; 7] = [
    "/healthz",
    "/openapi.json",
    "/docs",
    "/auth/register",
    "/auth/login",
    "/auth/refresh",
    "/auth/revoke",
];

async fn document(app: &TestApp) -> Value {
    let res = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

async fn every_route_is_in_the_document_with_its_auth_and_schemas(engine: Engine) {
    let app = spawn_with(engine, &[]).await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");

    let mut listed = BTreeSet::new();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            listed.insert((method.clone(), path.clone()));
            let operation_id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                operation_ids.insert(operation_id.to_owned()),
                "{method} {path}: operationId {operation_id:?} is unique"
            );
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(secured, !PUBLIC.contains(&path.as_str()), "{method} {path}: its auth");
            let responses = op["responses"].as_object().unwrap();
            let (status, success) = responses
                .iter()
                .find(|(s, _)| s.starts_with('2'))
                .unwrap_or_else(|| panic!("{method} {path} documents no success"));
            if status != "204" {
                assert!(
                    success["content"].is_object(),
                    "{method} {path}: the {status} body's schema"
                );
            }
            for (status, response) in responses {
                if !status.starts_with('2') {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
            let takes_body = WITH_BODY.contains(&(method.as_str(), path.as_str()));
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            assert_eq!(!body.is_null(), takes_body, "{method} {path}: its request schema");
            for param in path.split('/').filter(|p| p.starts_with('{')) {
                let name = param.trim_matches(|c| c == '{' || c == '}');
                let documented = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
                assert!(documented, "{method} {path}: the {name} parameter");
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(listed, expected, "the document lists exactly the API's routes");

    // The router serves no other method on these paths, and nothing beside them.
    let client = reqwest::Client::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .split('/')
            .map(|p| if p.starts_with('{') { "x" } else { p })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["get", "post", "patch", "delete", "put"] {
            if item.get(method).is_none() {
                let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let res = client
                    .request(m, app.url(&format!("/api/v1{concrete}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 405, "{method} {path}");
            }
        }
    }
    for stray in ["/api/v1/users", "/api/v1/sites/x/y", "/api/v1/automation"] {
        assert_eq!(client.get(app.url(stray)).send().await.unwrap().status().as_u16(), 404);
    }

    // The page for people lists the same operations.
    let res = reqwest::get(app.url("/api/v1/docs")).await.unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert_eq!(page.matches("data-testid=\"operation\"").count(), ROUTES.len());
    assert!(page.contains("/api/v1/automation/posts/{id}/approve"));
    // With the signing scheme, its code set as code, not as backticks.
    assert!(
        page.contains("<code>{webhook-id}.{webhook-timestamp}.{body}</code>"),
        "{page}"
    );
    assert!(!page.contains('`'));
}

/// Checks `value` against `schema` (the subset of JSON Schema 2020-12 the
/// document uses), resolving `$ref`s in `doc`; says where it differs.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{at}: {reference} names no schema"));
        }
        return check(doc, target, value, at);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let fits = options.iter().filter(|o| check(doc, o, value, at).is_ok()).count();
            let ok = if key == "oneOf" { fits == 1 } else { fits >= 1 };
            return if ok {
                Ok(())
            } else {
                Err(format!("{at}: fits {fits} of the {key} options: {value}"))
            };
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            check(doc, part, value, at)?;
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !fits {
            return Err(format!("{at}: {value} is not {types:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema["properties"].as_object();
        for name in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(name.as_str().unwrap()) {
                return Err(format!("{at}: {name} is required"));
            }
        }
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(field_schema) => check(doc, field_schema, field, &format!("{at}.{name}"))?,
                None if schema["additionalProperties"] == json!(false) => {
                    return Err(format!("{at}: {name} is not in the schema"))
                }
                None if properties.is_some() && !schema["additionalProperties"].is_object() => {
                    return Err(format!("{at}: {name} is undocumented"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(schema_items)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, schema_items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn the_checker_refuses_what_a_schema_does_not_allow() {
    let doc = json!({ "components": { "schemas": { "Id": { "type": "string" } } } });
    let schema = json!({
        "type": "object", "required": ["id"], "additionalProperties": false,
        "properties": { "id": { "$ref": "#/components/schemas/Id" }, "n": { "type": ["integer", "null"] },
                        "tags": { "type": "array", "items": { "type": "string" } } }
    });
    assert!(check(&doc, &schema, &json!({ "id": "a", "n": null, "tags": ["x"] }), "$").is_ok());
    for bad in [
        json!({}),
        json!({ "id": 1 }),
        json!({ "id": "a", "x": 1 }),
        json!({ "id": "a", "tags": [1] }),
        json!({ "id": "a", "n": "1" }),
    ] {
        assert!(check(&doc, &schema, &bad, "$").is_err(), "{bad}");
    }
}

/// Calls one operation with a sample request, checking the request against
/// the operation's request schema first and the answer against the schema
/// of the status it came with, which must be documented.
struct Caller<'a> {
    app: &'a TestApp,
    doc: Value,
    called: BTreeSet<(String, String)>,
}

impl Caller<'_> {
    async fn call(
        &mut self,
        method: &str,
        route: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let op = self.doc["paths"][route][method].clone();
        assert!(op.is_object(), "{method} {route} is documented");
        if let Some(body) = &body {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            check(&self.doc, schema, body, "request").unwrap_or_else(|e| panic!("{method} {route}: {e}"));
        }
        let mut req = self.request(method, path, bearer);
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.answered(method, route, req).await
    }

    /// A call whose body is a file's bytes.
    async fn upload(&mut self, route: &str, path: &str, bearer: Option<&str>, bytes: Vec<u8>) -> Value {
        let op = &self.doc["paths"][route]["post"];
        assert!(
            op["requestBody"]["content"]["application/octet-stream"].is_object(),
            "post {route} takes bytes"
        );
        let req = self.request("post", path, bearer).body(bytes);
        self.answered("post", route, req).await
    }

    fn request(&self, method: &str, path: &str, bearer: Option<&str>) -> reqwest::RequestBuilder {
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let req = reqwest::Client::new().request(m, self.app.url(&format!("/api/v1{path}")));
        match bearer {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// Sends the call and checks its answer against the document.
    async fn answered(&mut self, method: &str, route: &str, req: reqwest::RequestBuilder) -> Value {
        let op = self.doc["paths"][route][method].clone();
        let res = req.send().await.unwrap();
        let status = res.status().as_u16().to_string();
        let text = res.text().await.unwrap();
        assert!(status.starts_with('2'), "{method} {route}: {status} {text}");
        let response = &op["responses"][&status];
        assert!(response.is_object(), "{method} {route}: {status} is not documented");
        if let Some(schema) = response["content"].get("application/json").map(|c| &c["schema"]) {
            let value: Value = serde_json::from_str(&text).unwrap();
            check(&self.doc, schema, &value, "response").unwrap_or_else(|e| panic!("{method} {route}: {e}"));
            self.called.insert((method.into(), route.into()));
            return value;
        }
        self.called.insert((method.into(), route.into()));
        Value::Null
    }
}

async fn a_sample_call_of_every_route_matches_its_schemas(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("ADMIN_EMAILS", "root@example.com")]).await;
    let doc = document(&app).await;
    let mut api = Caller {
        app: &app,
        doc,
        called: BTreeSet::new(),
    };
    api.call("get", "/healthz", "/healthz", None, None).await;
    api.call("get", "/openapi.json", "/openapi.json", None, None).await;
    api.call("get", "/docs", "/docs", None, None).await;

    let ada = json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD, "workspace": "Acme" });
    let ada = api
        .call("post", "/auth/register", "/auth/register", None, Some(ada))
        .await;
    let ada_id = ada["user_id"].as_str().unwrap().to_string();
    let credentials = json!({ "email": "ada@example.com", "password": PASSWORD });
    let signed_in = api
        .call("post", "/auth/login", "/auth/login", None, Some(credentials))
        .await;
    let refresh = json!({ "refresh_token": signed_in["refresh_token"] });
    let renewed = api
        .call("post", "/auth/refresh", "/auth/refresh", None, Some(refresh))
        .await;
    let revoke = json!({ "refresh_token": renewed["refresh_token"] });
    api.call("post", "/auth/revoke", "/auth/revoke", None, Some(revoke))
        .await;

    // The operator: a platform admin with a key that may do everything.
    app.sign_up("root@example.com", PASSWORD, "Ops").await;
    app.confirm_email("root@example.com").await;
    let (_, created) = app
        .call_json(
            "api_keys/create",
            &[("name", "all"), ("scopes", "read write admin"), ("expires_in_days", "")],
        )
        .await;
    let key = created["key"].as_str().unwrap().to_string();
    let key = Some(key.as_str());
    // Admin routes take the admin's signed-in token, not a key.
    let root = json!({ "email": "root@example.com", "password": PASSWORD });
    let root = api.call("post", "/auth/login", "/auth/login", None, Some(root)).await;
    let root = root["access_token"].as_str().unwrap().to_string();
    let admin = Some(root.as_str());

    let site = json!({ "name": "Garden blog", "url": wp.url, "username": USERNAME, "password": APP_PASSWORD });
    let site = api.call("post", "/sites", "/sites", key, Some(site)).await;
    let id = site["id"].as_str().unwrap().to_string();
    let at = format!("/sites/{id}");
    api.call("get", "/sites", "/sites?limit=10", key, None).await;
    api.call("get", "/sites/{id}", &at, key, None).await;
    api.call("patch", "/sites/{id}", &at, key, Some(json!({ "name": "Rose garden" })))
        .await;
    api.call("post", "/sites/{id}/test", &format!("{at}/test"), key, None)
        .await;
    assert_eq!(save_settings(&app, &id, settings("review", "publish")).await.0, 200);
    api.call("post", "/sites/{id}/start", &format!("{at}/start"), key, None)
        .await;
    api.call("post", "/sites/{id}/stop", &format!("{at}/stop"), key, None)
        .await;

    let mut posts = Vec::new();
    for _ in 0..2 {
        let queued = api
            .call(
                "post",
                "/automation/{site_id}/run-now",
                &format!("/automation/{id}/run-now"),
                key,
                None,
            )
            .await;
        let job = queued["job_id"].as_str().unwrap().to_string();
        posts.push(post_awaiting_review(&app, &job).await);
    }
    api.call(
        "get",
        "/automation/jobs",
        "/automation/jobs?step=awaiting_review",
        key,
        None,
    )
    .await;
    api.call(
        "get",
        "/automation/posts",
        "/automation/posts?review=pending&limit=1",
        key,
        None,
    )
    .await;
    let approve = format!("/automation/posts/{}/approve", posts[0]);
    api.call("post", "/automation/posts/{id}/approve", &approve, key, None)
        .await;
    let reject = format!("/automation/posts/{}/reject", posts[1]);
    api.call("post", "/automation/posts/{id}/reject", &reject, key, None)
        .await;

    // An endpoint first, so the plan change below is delivered to it.
    let hook = json!({ "url": "https://hooks.example.com/autopilot", "events": ["plan.changed"] });
    let hook = api.call("post", "/webhooks", "/webhooks", key, Some(hook)).await;
    let hook_id = hook["endpoint"]["id"].as_str().unwrap().to_string();
    api.call("get", "/webhooks", "/webhooks", key, None).await;

    api.call("get", "/billing/usage", "/billing/usage", key, None).await;
    api.call(
        "post",
        "/billing/change-plan/{plan}",
        "/billing/change-plan/pro",
        key,
        None,
    )
    .await;

    let log = format!("/webhooks/{hook_id}/deliveries");
    let log = api.call("get", "/webhooks/{id}/deliveries", &log, key, None).await;
    let delivery = log["data"][0]["id"].as_str().unwrap().to_string();
    let resend = format!("/webhooks/deliveries/{delivery}/resend");
    api.call("post", "/webhooks/deliveries/{id}/resend", &resend, key, None)
        .await;
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'].to_vec();
    api.upload("/media", "/media?name=cake.jpg", key, jpeg).await;

    // A social post published to the demo channel, with its figures read.
    let (_, demo) = app.call_json("social/connect_demo", &[]).await;
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    let input =
        json!({ "input": { "account_ids": [demo], "body": "Rose cake", "intent": "schedule", "publish_at": now } });
    let (status, social_post) = app.call_with_json("social/save", &input).await;
    assert_eq!(status, 200, "{social_post}");
    let social_post = social_post.as_str().unwrap().to_string();
    for _ in 0..400 {
        if app
            .count("select count(*) from social_post_target where remote_id is not null")
            .await
            == 1
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.call_json("social/metrics/fetch", &[]).await;
    for _ in 0..400 {
        if app.count("select count(*) from social_metric").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let listed = api
        .call("get", "/social/posts", "/social/posts?list=published", key, None)
        .await;
    assert_eq!(listed["data"][0]["id"], social_post.as_str());
    let one = format!("/social/posts/{social_post}");
    api.call("get", "/social/posts/{id}", &one, key, None).await;
    let figures = api
        .call(
            "get",
            "/social/metrics",
            "/social/metrics?days=7&zone=Europe/Berlin",
            key,
            None,
        )
        .await;
    assert_eq!(figures["data"][0]["post_id"], social_post.as_str());
    let roll = format!("/webhooks/{hook_id}/roll-secret");
    api.call("post", "/webhooks/{id}/roll-secret", &roll, key, None).await;
    let hook_at = format!("/webhooks/{hook_id}");
    api.call("delete", "/webhooks/{id}", &hook_at, key, None).await;

    api.call("get", "/admin/users", "/admin/users?q=ada", admin, None).await;
    api.call("get", "/admin/health", "/admin/health", admin, None).await;
    let limit = format!("/admin/users/{ada_id}/limits/members");
    api.call(
        "post",
        "/admin/users/{id}/limits/{limit}",
        &limit,
        admin,
        Some(json!({ "value": 5 })),
    )
    .await;
    let suspend = format!("/admin/users/{ada_id}/suspend");
    let reason = json!({ "suspended": true, "reason": "a test of the API" });
    api.call("post", "/admin/users/{id}/suspend", &suspend, admin, Some(reason))
        .await;
    api.call("delete", "/sites/{id}", &at, key, None).await;

    let every: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(api.called, every, "every route was called");
}
