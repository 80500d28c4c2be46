//! Outgoing webhooks against a receiver over real HTTP: deliveries are
//! signed by the documented scheme (checked here with its own HMAC code),
//! retried after a 500 and logged with the answers, re-sent with the same
//! event id, signed by both secrets during a roll's grace, and kept to
//! https, known events, admins and their own workspace.

use crate::automation::{run_now, save_settings, settings, wait_for_step};
use crate::fake_wordpress::{FakeWordPress, APP_PASSWORD, USERNAME};
use crate::helpers::{spawn, spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use crate::rest::{call, key_of};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_engines!(
    a_published_post_reaches_the_endpoint_signed_by_the_documented_scheme,
    a_failed_delivery_is_retried_logged_and_can_be_re_sent,
    a_rolled_secret_signs_beside_the_old_one_for_the_grace,
    endpoints_take_https_known_events_and_admins_in_their_own_workspace,
    programs_register_endpoints_and_read_their_log_over_the_api,
);

/// What the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
}

/// A stand-in receiver: records each POST and answers the next scripted
/// status (200 once the script is used up).
#[derive(Clone, Default)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            url: format!("http://{}/hooks", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        let app = Router::new()
            .route("/hooks", post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver
    }

    fn answer_next(&self, statuses: &[u16]) {
        self.answers.lock().unwrap().extend_from_slice(statuses);
    }

    /// Waits until `n` requests have arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..1200 {
            let got = self.got.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the receiver got {} of {n} deliveries", self.got.lock().unwrap().len());
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    r.got.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let mut answers = r.answers.lock().unwrap();
    let status = if answers.is_empty() { 200 } else { answers.remove(0) };
    StatusCode::from_u16(status).unwrap()
}

/// The documented check, written from the README's words: base64 of
/// HMAC-SHA256 over "{id}.{timestamp}.{body}", keyed with the decoded
/// secret after `whsec_`; any of the space-separated `v1,` signatures.
fn verifies(secret: &str, got: &Received) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", got.id, got.timestamp, got.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    got.signature.split(' ').any(|s| s == expected)
}

async fn form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.browser_form(path, fields).await
}

/// Adds an endpoint through the page's form; returns the secret shown once.
async fn add_endpoint(app: &TestApp, url: &str, events: &[&str]) -> String {
    let mut fields = vec![("url", url), ("description", "test receiver")];
    fields.extend(events.iter().map(|e| ("events", *e)));
    let res = form(app, "/app/webhooks/new", &fields).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    secret_on(res).await
}

async fn secret_on(res: reqwest::Response) -> String {
    let html = res.text().await.unwrap();
    let start = html
        .find("value=\"whsec_")
        .unwrap_or_else(|| panic!("no secret on {html}"))
        + 7;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

async fn endpoint_id(app: &TestApp) -> String {
    let (_, page) = app
        .call_json("webhooks/page", &[("endpoint_id", ""), ("page", "1")])
        .await;
    page["endpoints"][0]["id"].as_str().unwrap().to_string()
}

async fn change_plan(app: &TestApp, plan: &str) {
    let (status, body) = app.call_json("billing/plan", &[("plan", plan)]).await;
    assert_eq!(status, 200, "{body}");
}

async fn deliveries(app: &TestApp) -> Vec<Value> {
    let (status, page) = app
        .call_json("webhooks/page", &[("endpoint_id", ""), ("page", "1")])
        .await;
    assert_eq!(status, 200, "{page}");
    page["deliveries"].as_array().unwrap().clone()
}

/// Waits until the newest delivery reaches `status` in the log.
async fn wait_for_status(app: &TestApp, status: &str) -> Vec<Value> {
    for _ in 0..1200 {
        let log = deliveries(app).await;
        if log.first().is_some_and(|d| d["status"] == status) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no delivery reached {status}: {:?}", deliveries(app).await);
}

async fn a_published_post_reaches_the_endpoint_signed_by_the_documented_scheme(engine: Engine) {
    let receiver = Receiver::start().await;
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let secret = add_endpoint(&app, &receiver.url, &["post.published", "plan.changed"]).await;
    assert!(secret.starts_with("whsec_"));
    let stored = app
        .count(&format!(
            "select count(*) from webhook_endpoint where secret_sealed like '%{}%'",
            &secret[6..]
        ))
        .await;
    assert_eq!(stored, 0, "the secret is sealed at rest");

    let site_form = [
        ("name", "Garden blog"),
        ("url", wp.url.as_str()),
        ("username", USERNAME),
        ("password", APP_PASSWORD),
    ];
    let (_, site) = app.call_json("sites/add", &site_form).await;
    let site = site.as_str().unwrap().to_string();
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    wait_for_step(&app, &job, "published").await;

    let got = receiver.wait_for(1).await;
    let event: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(event["type"], "post.published");
    assert_eq!(event["data"]["job_id"], job.as_str());
    assert_eq!(event["data"]["url"], wp.posts()[0].link.as_str());
    assert_eq!(event["id"], got[0].id.as_str(), "webhook-id is the event's id");
    assert!((got[0].timestamp - autopilot::server::db::now()).abs() < 60);
    assert!(verifies(&secret, &got[0]), "the signature checks out: {got:?}");
    let mut tampered = got[0].clone();
    tampered.body = tampered.body.replace("post.published", "post.failed");
    assert!(!verifies(&secret, &tampered), "and would not for another body");
    let log = wait_for_status(&app, "delivered").await;
    assert_eq!(
        (log[0]["response_code"].as_i64(), log[0]["attempts"].as_i64()),
        (Some(200), Some(1))
    );
}

async fn a_failed_delivery_is_retried_logged_and_can_be_re_sent(engine: Engine) {
    let receiver = Receiver::start().await;
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let secret = add_endpoint(&app, &receiver.url, &["plan.changed"]).await;
    receiver.answer_next(&[500]);
    change_plan(&app, "pro").await;

    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].id, got[1].id, "a retry is the same event");
    assert_eq!(got[0].body, got[1].body, "with the same body");
    assert!(verifies(&secret, &got[1]));
    let log = wait_for_status(&app, "delivered").await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0]["attempts"].as_i64(), log[0]["response_code"].as_i64()),
        (Some(2), Some(200))
    );
    let event: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(
        (event["data"]["from"].as_str(), event["data"]["to"].as_str()),
        (Some("free"), Some("pro"))
    );

    // Re-sending makes a new delivery of the same event.
    let (status, _) = app
        .call_json("webhooks/resend", &[("delivery_id", log[0]["id"].as_str().unwrap())])
        .await;
    assert_eq!(status, 200);
    let got = receiver.wait_for(3).await;
    assert_eq!(got[2].id, got[0].id);
    let log = wait_for_status(&app, "delivered").await;
    assert_eq!(log.len(), 2);
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'webhook_resent'")
            .await,
        1
    );

    // An endpoint that keeps failing is given up on after its attempts;
    // the log says so, with the last answer.
    receiver.answer_next(&[503; 10]);
    change_plan(&app, "agency").await;
    let log = wait_for_status(&app, "failed").await;
    assert_eq!(
        (log[0]["attempts"].as_i64(), log[0]["response_code"].as_i64()),
        (Some(10), Some(503))
    );
    assert!(log[0]["error"].as_str().unwrap().contains("503"), "{}", log[0]);
    // Past the longest back-off (JOB_RETRY_MAX_SECONDS 0.2 in tests) and a
    // few polls, nothing more has come.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.got.lock().unwrap().len(), 13, "ten tries, no more");
}

async fn a_rolled_secret_signs_beside_the_old_one_for_the_grace(engine: Engine) {
    let receiver = Receiver::start().await;
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let old = add_endpoint(&app, &receiver.url, &["plan.changed"]).await;
    let id = endpoint_id(&app).await;
    let res = form(&app, "/app/webhooks/roll", &[("endpoint_id", &id)]).await;
    assert_eq!(res.status().as_u16(), 200);
    let new = secret_on(res).await;
    assert_ne!(old, new);

    change_plan(&app, "pro").await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].signature.split(' ').count(), 2, "{}", got[0].signature);
    assert!(verifies(&old, &got[0]) && verifies(&new, &got[0]));

    // After the grace only the new secret signs.
    sqlx::query("update webhook_endpoint set previous_valid_until = 1")
        .execute(&app.db.pool)
        .await
        .unwrap();
    change_plan(&app, "free").await;
    let got = receiver.wait_for(2).await;
    assert!(verifies(&new, &got[1]) && !verifies(&old, &got[1]));
}

async fn endpoints_take_https_known_events_and_admins_in_their_own_workspace(engine: Engine) {
    // Not local testing: plain http and inner addresses are refused.
    let app = spawn_with(engine, &[("OUTBOUND_ALLOW_PRIVATE", "false")]).await;
    app.sign_up("bob@example.com", PASSWORD, "Bob's").await;
    let bob = app.cookie();
    let res = form(
        &app,
        "/app/webhooks/new",
        &[("url", "https://hooks.example.com/bob"), ("events", "job.dead")],
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let bobs = endpoint_id(&app).await;

    app.as_user(&None);
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    for (url, events, says) in [
        ("http://hooks.example.com/x", "post.failed", "https:// addresses only"),
        ("https://127.0.0.1/x", "post.failed", "public internet"),
        ("https://user:pw@hooks.example.com/x", "post.failed", "credentials out"),
        ("https://hooks.example.com/x", "post.exploded", "not an event"),
        ("https://hooks.example.com/x", "", "at least one event"),
        ("not a url", "post.failed", "full address"),
    ] {
        let res = form(&app, "/app/webhooks/new", &[("url", url), ("events", events)]).await;
        assert_eq!(res.status().as_u16(), 303, "{url} {events}");
        let back = res.headers()["location"].to_str().unwrap().to_string();
        assert!(back.starts_with("/app/webhooks?") && back.contains("__err="), "{back}");
        let page = app.page_html(&back).await;
        assert!(page.to_lowercase().contains(says), "{url}: the page says {says}");
        // What was typed is in the form again, once.
        assert!(page.contains(&format!(r#"value="{url}""#)), "{url} is kept");
        assert!(!app.page_html("/app/webhooks").await.contains(url));
    }
    // A draft is its author's: someone signing in on the same browser
    // does not see it.
    let refused = "https://hooks.example.com/ada-only";
    form(&app, "/app/webhooks/new", &[("url", refused), ("events", "")]).await;
    assert_eq!(app.log_in("bob@example.com", PASSWORD).await.0, 200);
    assert!(!app.page_html("/app/webhooks").await.contains(refused));
    app.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(
        app.count("select count(*) from webhook_endpoint").await,
        1,
        "only Bob's"
    );

    // Another workspace's endpoint and deliveries are not found.
    let (status, _) = app.call_json("webhooks/remove", &[("endpoint_id", &bobs)]).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call_json("webhooks/page", &[("endpoint_id", &bobs), ("page", "1")])
        .await;
    assert_eq!(status, 404);
    let res = form(&app, "/app/webhooks/roll", &[("endpoint_id", &bobs)]).await;
    assert_eq!(res.status().as_u16(), 303, "refused back to the page");
    assert_eq!(
        app.count("select count(*) from webhook_endpoint where previous_secret_sealed is not null")
            .await,
        0
    );

    // Bob removes his own.
    app.as_user(&bob);
    let (status, _) = app.call_json("webhooks/remove", &[("endpoint_id", &bobs)]).await;
    assert_eq!(status, 200);
    assert_eq!(app.count("select count(*) from webhook_endpoint").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_log where action like 'webhook_%'")
            .await,
        2
    );
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn programs_register_endpoints_and_read_their_log_over_the_api(engine: Engine) {
    let receiver = Receiver::start().await;
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let reader = key_of(&app, "read").await;
    let admin = key_of(&app, "read write admin").await;
    let (reader, admin) = (Some(reader.as_str()), Some(admin.as_str()));
    let hook = |url: &str, events: Value| Some(json!({ "url": url, "events": events }));

    // Refusals change nothing.
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/webhooks",
        reader,
        hook(&receiver.url, json!(["plan.changed"])),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/webhooks",
        admin,
        hook("ftp://example.com/x", json!(["plan.changed"])),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("https://"),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/webhooks",
        admin,
        hook(&receiver.url, json!(["post.exploded"])),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let unknown = Some(json!({ "url": receiver.url, "events": ["plan.changed"], "secret": "mine" }));
    let (status, body) = call(&app, "POST", "/api/v1/webhooks", admin, unknown).await;
    assert!(status == 400 || status == 422, "{status} {body}");
    assert_eq!(app.count("select count(*) from webhook_endpoint").await, 0);

    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/webhooks",
        admin,
        hook(&receiver.url, json!(["plan.changed"])),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    let id = created["endpoint"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["endpoint"]["events"], json!(["plan.changed"]));
    // Addresses can be credentials: they are for keys with the admin scope.
    let (status, body) = call(&app, "GET", "/api/v1/webhooks", reader, None).await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, listed) = call(&app, "GET", "/api/v1/webhooks", admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["data"][0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&secret), "the secret is shown once");

    let (status, _) = call(&app, "POST", "/api/v1/billing/change-plan/pro", admin, None).await;
    assert_eq!(status, 200);
    let got = receiver.wait_for(1).await;
    assert!(verifies(&secret, &got[0]));
    let log_path = format!("/api/v1/webhooks/{id}/deliveries");
    // Waited for through the page (the key's calls are rate limited).
    wait_for_status(&app, "delivered").await;
    let (status, log) = call(&app, "GET", &log_path, admin, None).await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(
        (
            log["data"][0]["status"].as_str(),
            log["data"][0]["response_code"].as_i64()
        ),
        (Some("delivered"), Some(200))
    );
    assert_eq!(log["next_cursor"], Value::Null);
    let delivery = log["data"][0]["id"].as_str().unwrap().to_string();
    let resend = format!("/api/v1/webhooks/deliveries/{delivery}/resend");
    let (status, body) = call(&app, "POST", &resend, reader, None).await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, body) = call(&app, "POST", &resend, admin, None).await;
    assert_eq!(status, 202, "{body}");
    assert_ne!(body["delivery_id"], delivery.as_str());
    assert_eq!(receiver.wait_for(2).await[1].id, got[0].id, "the same event again");

    let roll = format!("/api/v1/webhooks/{id}/roll-secret");
    let (status, rolled) = call(&app, "POST", &roll, admin, None).await;
    assert_eq!(status, 200, "{rolled}");
    assert!(rolled["secret"].as_str().unwrap().starts_with("whsec_"));
    let (status, body) = call(&app, "POST", &roll, admin, None).await;
    assert_eq!((status, code(&body)), (409, "conflict"), "one roll per grace");

    // Another workspace's key finds none of it.
    app.as_user(&None);
    app.sign_up("bob@example.com", PASSWORD, "Bob's").await;
    let bob = key_of(&app, "read write admin").await;
    let bob = Some(bob.as_str());
    let at = format!("/api/v1/webhooks/{id}");
    for (method, path) in [
        ("DELETE", at.as_str()),
        ("POST", roll.as_str()),
        ("GET", log_path.as_str()),
        ("POST", resend.as_str()),
    ] {
        let (status, body) = call(&app, method, path, bob, None).await;
        assert_eq!((status, code(&body)), (404, "not_found"), "{method} {path}");
    }
    let (_, listed) = call(&app, "GET", "/api/v1/webhooks", bob, None).await;
    assert_eq!(listed["data"], json!([]));

    let (status, _) = call(&app, "DELETE", &at, admin, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, "DELETE", &at, admin, None).await;
    assert_eq!(status, 404);
    assert_eq!(app.count("select count(*) from webhook_endpoint").await, 0);
}
