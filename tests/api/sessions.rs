use crate::helpers::{spawn, spawn_on, spawn_with, Engine, PASSWORD};
use crate::on_both_engines;
use serde_json::Value;

on_both_engines!(
    session_cookie_is_http_only_and_lax,
    https_deployments_get_secure_host_prefixed_cookies,
    session_id_is_cycled_at_login,
    logout_destroys_the_session_on_the_server,
    sessions_survive_restarts_and_work_across_processes,
    signed_out_requests_are_refused_or_redirected,
    pages_answer_every_concurrent_request,
    sessions_are_stored_by_digest_and_end_after_their_whole_life,
);

async fn sessions_are_stored_by_digest_and_end_after_their_whole_life(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let cookie = app.cookie().expect("signed in");
    let id = cookie.split_once('=').unwrap().1.to_owned();
    let stored: Vec<(String, String)> = sqlx::query_as("select id, data from session")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, id, "the table holds a digest, not the id");
    let data: Value = serde_json::from_str(&stored[0].1).unwrap();
    assert!(data.get("id").is_none(), "nor does the stored data: {data}");
    assert!(data.get("uid").is_some(), "only what the session keeps: {data}");
    assert_eq!(app.call_json("content/usage", &[]).await.0, 200);

    // Opened 31 days ago and busy ever since: past SESSION_MAX_DAYS (30).
    sqlx::query("update session set created_at = created_at - 31 * 86400")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(app.call_json("content/usage", &[]).await.0, 401);
    assert!(app.me().await.is_null(), "signed out");
}

fn set_cookie_header(res: &reqwest::Response) -> String {
    res.headers()
        .get("set-cookie")
        .expect("a session cookie is set")
        .to_str()
        .unwrap()
        .to_string()
}

async fn session_cookie_is_http_only_and_lax(engine: Engine) {
    let app = spawn(engine).await;
    let res = app
        .call(
            "auth/sign_up",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("workspace", "A"),
            ],
        )
        .await;
    let cookie = set_cookie_header(&res);
    assert!(cookie.starts_with("autopilot_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain-http development cookies cannot be Secure: {cookie}"
    );
}

async fn https_deployments_get_secure_host_prefixed_cookies(engine: Engine) {
    let app = spawn_with(engine, &[("APP_URL", "https://autopilot.example.com")]).await;
    let res = app
        .call(
            "auth/sign_up",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("workspace", "A"),
            ],
        )
        .await;
    let cookie = set_cookie_header(&res);
    assert!(cookie.starts_with("__Host-autopilot_session="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain="), "__Host- cookies are host-only: {cookie}");
    let page = app.get("/").await;
    assert!(page.headers().get("strict-transport-security").is_some());
}

async fn session_id_is_cycled_at_login(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let before = app.cookie().unwrap();
    // Log in again while presenting the existing session id.
    assert_eq!(app.log_in("ada@example.com", PASSWORD).await.0, 200);
    let after = app.cookie().unwrap();
    assert_ne!(before, after, "login must issue a new session id");
    assert_eq!(app.me().await["user"]["email"], "ada@example.com");
    app.set_cookie(Some(before));
    assert_eq!(
        app.call_json("auth/me", &[]).await.1,
        Value::Null,
        "the old id no longer works"
    );
}

async fn logout_destroys_the_session_on_the_server(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let stolen = app.cookie();
    assert_eq!(app.count("select count(*) from session").await, 1);
    let (status, _) = app.call_json("auth/log_out", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(app.count("select count(*) from session").await, 0);
    app.set_cookie(stolen);
    assert_eq!(
        app.call_json("auth/me", &[]).await.1,
        Value::Null,
        "a replayed cookie is worthless"
    );
}

async fn sessions_survive_restarts_and_work_across_processes(engine: Engine) {
    let first = spawn(engine).await;
    first.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let cookie = first.cookie();
    let second = spawn_on(&first.database_url, &[]).await;
    second.set_cookie(cookie.clone());
    assert_eq!(
        second.me().await["workspace"]["name"],
        "Acme",
        "another process sees the session"
    );
    let url = first.database_url.clone();
    drop(first);
    drop(second);
    let restarted = spawn_on(&url, &[]).await;
    restarted.set_cookie(cookie);
    assert_eq!(
        restarted.me().await["user"]["email"],
        "ada@example.com",
        "a restart keeps the session"
    );
}

async fn signed_out_requests_are_refused_or_redirected(engine: Engine) {
    let app = spawn(engine).await;
    let (status, body) = app.call_json("workspaces/dashboard", &[]).await;
    assert_eq!(status, 401);
    assert_eq!(body, Value::String("Unauthorized".into()));
    let page = app.get("/app").await;
    assert_eq!(page.status().as_u16(), 302);
    assert_eq!(page.headers()["location"], "/login");
}

/// Many page loads at once, signed in and out, each must get its answer
/// (a render that never finishes would surface here as a 408).
async fn pages_answer_every_concurrent_request(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let cookie = app.cookie().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cases = [
        ("/app", true, 200),
        ("/app", false, 302),
        ("/app/settings", true, 200),
        ("/app/admin", true, 404),
    ];
    let loads: Vec<_> = (0..40)
        .map(|i| {
            let (path, signed_in, want) = cases[i % cases.len()];
            let mut req = http.get(app.url(path)).header("accept", "text/html");
            if signed_in {
                req = req.header("cookie", cookie.as_str());
            }
            tokio::spawn(async move { (path, want, req.send().await.map(|r| r.status().as_u16())) })
        })
        .collect();
    for load in loads {
        let (path, want, got) = load.await.unwrap();
        assert_eq!(got.unwrap(), want, "{path}");
    }
}
