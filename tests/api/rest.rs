//! The REST API under /api/v1 over real HTTP: JWT sign-in with rotating,
//! revocable refresh tokens; the site, automation, billing and admin
//! routes, each for success, bad input that changes nothing, another
//! workspace's ids, and credentials that lack the scope or role.

use crate::automation::{save_settings, settings, wait_for_step};
use crate::fake_wordpress::{FakeWordPress, APP_PASSWORD, USERNAME};
use crate::helpers::{spawn, spawn_on, spawn_with, Engine, TestApp, PASSWORD, RESET};
use crate::on_both_engines;
use autopilot::server::auth::jwt::Signer;
use autopilot::server::config::{JwtAlgorithm, JwtConfig};
use serde_json::{json, Value};

on_both_engines!(
    a_password_signs_in_and_refresh_tokens_rotate_and_can_be_revoked,
    expired_forged_and_outlived_access_tokens_answer_401,
    sites_are_created_changed_tested_and_deleted,
    runs_jobs_and_posts_are_listed_and_reviewed,
    usage_is_read_and_the_plan_changed,
    admin_routes_are_for_platform_admins_only,
    each_key_has_its_plan_s_rate_and_each_address_a_ceiling,
);

/// A program's call: its bearer credential and JSON, nothing else (no
/// cookie, no Origin).
pub async fn call(app: &TestApp, method: &str, path: &str, bearer: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client.request(method, app.url(path));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn login(app: &TestApp, email: &str) -> Value {
    let (status, tokens) = call(
        app,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": email, "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

async fn refresh(app: &TestApp, refresh_token: &str) -> (u16, Value) {
    let body = json!({ "refresh_token": refresh_token });
    call(app, "POST", "/api/v1/auth/refresh", None, Some(body)).await
}

fn token<'a>(tokens: &'a Value, name: &str) -> &'a str {
    tokens[name].as_str().unwrap()
}

/// Signs `email` up in the browser and makes an API key with `scopes`.
async fn user_with_key(app: &TestApp, email: &str, workspace: &str, scopes: &str) -> String {
    app.as_user(&None);
    app.sign_up(email, PASSWORD, workspace).await;
    key_of(app, scopes).await
}

pub async fn key_of(app: &TestApp, scopes: &str) -> String {
    let (status, created) = app
        .call_json(
            "api_keys/create",
            &[("name", "script"), ("scopes", scopes), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(status, 200, "{created}");
    created["key"].as_str().unwrap().to_string()
}

async fn a_password_signs_in_and_refresh_tokens_rotate_and_can_be_revoked(engine: Engine) {
    let app = spawn(engine).await;
    let register = json!({
        "name": "Ada", "email": "ada@example.com", "password": PASSWORD, "workspace": "Acme"
    });
    for (bad, status, expected) in [
        (json!({ "email": "ada@example.com" }), 422, "invalid_input"),
        (
            json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD, "workspace": "Acme", "admin": true }),
            422,
            "invalid_input",
        ),
        (
            json!({ "name": "Ada", "email": "not an address", "password": PASSWORD, "workspace": "Acme" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "name": "Ada", "email": "ada@example.com", "password": "short", "workspace": "Acme" }),
            422,
            "invalid_input",
        ),
    ] {
        let (s, body) = call(&app, "POST", "/api/v1/auth/register", None, Some(bad)).await;
        assert_eq!((s, code(&body)), (status, expected), "{body}");
    }
    assert_eq!(app.count("select count(*) from app_user").await, 0, "nothing was made");
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "unsupported_media_type");

    let (s, registered) = call(&app, "POST", "/api/v1/auth/register", None, Some(register.clone())).await;
    assert_eq!(s, 201, "{registered}");
    assert_eq!(registered["token_type"], "Bearer");
    assert_eq!(registered["expires_in"], 900);
    let access = token(&registered, "access_token");
    assert_eq!(access.split('.').count(), 3, "a compact JWT");
    assert!(token(&registered, "refresh_token").starts_with("ap_rt_"));
    let (s, sites) = call(&app, "GET", "/api/v1/sites", Some(access), None).await;
    assert_eq!((s, sites["data"].clone()), (200, json!([])));
    let (s, body) = call(&app, "POST", "/api/v1/auth/register", None, Some(register)).await;
    assert_eq!((s, code(&body)), (409, "conflict"), "the address is taken");

    let (s, body) = call(
        &app,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": "ada@example.com", "password": "wrong password!" })),
    )
    .await;
    assert_eq!((s, code(&body)), (401, "invalid_credentials"), "{body}");

    // Rotation: each refresh spends its token and hands out the next.
    let first = login(&app, "ada@example.com").await;
    let (s, second) = refresh(&app, token(&first, "refresh_token")).await;
    assert_eq!(s, 200, "{second}");
    assert_ne!(token(&second, "refresh_token"), token(&first, "refresh_token"));
    assert_ne!(token(&second, "access_token"), token(&first, "access_token"));
    assert_eq!(
        call(&app, "GET", "/api/v1/sites", Some(token(&second, "access_token")), None)
            .await
            .0,
        200
    );
    let stored = app
        .count(&format!(
            "select count(*) from refresh_token where token_hash = '{}'",
            token(&second, "refresh_token")
        ))
        .await;
    assert_eq!(stored, 0, "only a hash of a refresh token is kept");

    // A spent token presented again: someone kept a copy. The whole sign-in ends.
    let (s, body) = refresh(&app, token(&first, "refresh_token")).await;
    assert_eq!((s, code(&body)), (401, "invalid_refresh_token"));
    for (path, credential) in [
        ("/api/v1/sites", token(&second, "access_token")),
        ("/api/v1/sites", token(&first, "access_token")),
    ] {
        assert_eq!(call(&app, "GET", path, Some(credential), None).await.0, 401);
    }
    let (s, _) = refresh(&app, token(&second, "refresh_token")).await;
    assert_eq!(s, 401, "the newest token of the family went with it");
    // Another sign-in is untouched by that.
    assert_eq!(call(&app, "GET", "/api/v1/sites", Some(access), None).await.0, 200);

    // Revoking ends the sign-in: its refresh token and its access tokens.
    let third = login(&app, "ada@example.com").await;
    let revoke = json!({ "refresh_token": token(&third, "refresh_token") });
    assert_eq!(
        call(&app, "POST", "/api/v1/auth/revoke", None, Some(revoke.clone()))
            .await
            .0,
        204
    );
    assert_eq!(
        call(&app, "GET", "/api/v1/sites", Some(token(&third, "access_token")), None)
            .await
            .0,
        401
    );
    assert_eq!(
        call(&app, "POST", "/api/v1/auth/refresh", None, Some(revoke)).await.0,
        401
    );
    let unknown = json!({ "refresh_token": "ap_rt_nothing" });
    assert_eq!(
        call(&app, "POST", "/api/v1/auth/revoke", None, Some(unknown)).await.0,
        204,
        "revoking says nothing about which tokens exist"
    );

    // A workspace the user is not in cannot be chosen.
    let bob = user_with_key(&app, "bob@example.com", "Bob's", "read").await;
    let (_, bobs) = call(&app, "GET", "/api/v1/sites", Some(&bob), None).await;
    assert!(bobs["data"].is_array());
    let bobs_workspace: (String,) =
        sqlx::query_as("select m.tenant_id from membership m join app_user u on u.id = m.user_id where u.email = $1")
            .bind("bob@example.com")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let (s, body) = call(
        &app,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": "ada@example.com", "password": PASSWORD, "workspace_id": bobs_workspace.0 })),
    )
    .await;
    assert_eq!((s, code(&body)), (404, "not_found"));
}

async fn expired_forged_and_outlived_access_tokens_answer_401(engine: Engine) {
    const SECRET: &str = "jwt secret for the tests, at least 32 characters";
    let app = spawn_with(engine, &[("JWT_SECRET_KEY", SECRET)]).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let tokens = login(&app, "ada@example.com").await;
    let access = token(&tokens, "access_token");
    // The test signs with the configured secret, as any JWT library would.
    let signer = |algorithm| {
        let config = JwtConfig {
            secret: Some(SECRET.into()),
            algorithm,
            expire_minutes: 15,
            refresh_days: 30,
        };
        Signer::from_config(&config, b"unused")
    };
    let hs256 = signer(JwtAlgorithm::Hs256);
    let claims = hs256
        .verify(access, 0)
        .expect("the server signs with JWT_SECRET_KEY and HS256");
    let mut later = claims.clone();
    later.exp += 60;
    assert_eq!(
        call(&app, "GET", "/api/v1/sites", Some(&hs256.sign(&later)), None)
            .await
            .0,
        200,
        "the test's own token is good"
    );
    let mut expired = claims.clone();
    expired.exp = expired.iat - 1;
    let (s, body) = call(&app, "GET", "/api/v1/sites", Some(&hs256.sign(&expired)), None).await;
    assert_eq!((s, code(&body)), (401, "unauthorized"));
    let other_algorithm = signer(JwtAlgorithm::Hs512).sign(&claims);
    assert_eq!(
        call(&app, "GET", "/api/v1/sites", Some(&other_algorithm), None).await.0,
        401
    );
    let payload = access.split('.').nth(1).unwrap();
    let unsigned = format!("eyJhbGciOiJub25lIn0.{payload}.");
    assert_eq!(call(&app, "GET", "/api/v1/sites", Some(&unsigned), None).await.0, 401);

    // A password reset signs out everywhere: access tokens end too, before
    // they expire, and their refresh tokens with them.
    let (s, _) = app
        .call_json("auth/request_password_reset", &[("email", "ada@example.com")])
        .await;
    assert_eq!(s, 200);
    let reset = app.mailed_token(RESET, "ada@example.com").await;
    let (s, body) = app
        .call_json(
            "auth/reset_password",
            &[("token", &reset), ("password", "a brand new password")],
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = call(&app, "GET", "/api/v1/sites", Some(access), None).await;
    assert_eq!((s, code(&body)), (401, "unauthorized"));
    let refresh = json!({ "refresh_token": token(&tokens, "refresh_token") });
    assert_eq!(
        call(&app, "POST", "/api/v1/auth/refresh", None, Some(refresh)).await.0,
        401
    );
}

async fn sites_are_created_changed_tested_and_deleted(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let bob = user_with_key(&app, "bob@example.com", "Bob's", "read write").await;
    let new_site = |name: &str| json!({ "name": name, "url": wp.url, "username": USERNAME, "password": APP_PASSWORD });
    let (s, bobs_site) = call(&app, "POST", "/api/v1/sites", Some(&bob), Some(new_site("Bob's blog"))).await;
    assert_eq!(s, 201, "{bobs_site}");
    let bobs_site = bobs_site["id"].as_str().unwrap().to_string();

    let key = user_with_key(&app, "ada@example.com", "Acme", "read write").await;
    let reader = key_of(&app, "read").await;
    for (bad, expected) in [
        (
            json!({ "name": "Blog", "url": "not a url", "username": USERNAME, "password": APP_PASSWORD }),
            "invalid_input",
        ),
        (
            json!({ "name": "", "url": wp.url, "username": USERNAME, "password": APP_PASSWORD }),
            "invalid_input",
        ),
        (
            json!({ "name": "Blog", "url": wp.url, "username": USERNAME }),
            "invalid_input",
        ),
        (
            json!({ "name": "Blog", "url": wp.url, "username": USERNAME, "password": APP_PASSWORD, "colour": "red" }),
            "invalid_input",
        ),
    ] {
        let (s, body) = call(&app, "POST", "/api/v1/sites", Some(&key), Some(bad)).await;
        assert_eq!((s, code(&body)), (422, expected), "{body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (s, body) = call(&app, "POST", "/api/v1/sites", Some(&reader), Some(new_site("Blog"))).await;
    assert_eq!((s, code(&body)), (403, "forbidden"), "a read key adds nothing");
    assert_eq!(app.count("select count(*) from site").await, 1, "nothing was added");

    let (s, site) = call(&app, "POST", "/api/v1/sites", Some(&key), Some(new_site("Garden blog"))).await;
    assert_eq!(s, 201, "{site}");
    assert!(site.get("password").is_none() && !site.to_string().contains(APP_PASSWORD));
    let id = site["id"].as_str().unwrap().to_string();
    let (s, body) = call(&app, "POST", "/api/v1/sites", Some(&key), Some(new_site("Second"))).await;
    assert_eq!(
        (s, code(&body)),
        (409, "conflict"),
        "the free plan has one site: {body}"
    );

    let path = format!("/api/v1/sites/{id}");
    let (s, changed) = call(&app, "PATCH", &path, Some(&key), Some(json!({ "name": "Rose garden" }))).await;
    assert_eq!((s, changed["name"].as_str()), (200, Some("Rose garden")), "{changed}");
    assert_eq!(changed["url"], site["url"], "what was left out is kept");
    let (s, body) = call(&app, "PATCH", &path, Some(&key), Some(json!({ "password": " " }))).await;
    assert_eq!((s, code(&body)), (422, "invalid_input"));
    let (s, body) = call(&app, "PATCH", &path, Some(&key), Some(json!({ "url": "ftp://x" }))).await;
    assert_eq!((s, code(&body)), (422, "invalid_input"));
    let (_, unchanged) = call(&app, "GET", &path, Some(&reader), None).await;
    assert_eq!(
        (unchanged["name"].as_str(), &unchanged["url"]),
        (Some("Rose garden"), &site["url"])
    );
    let (s, body) = call(&app, "PATCH", &path, Some(&reader), Some(json!({ "name": "X" }))).await;
    assert_eq!((s, code(&body)), (403, "forbidden"));

    assert_eq!(save_settings(&app, &id, settings("review", "publish")).await.0, 200);
    let (s, check) = call(&app, "POST", &format!("{path}/test"), Some(&key), None).await;
    assert_eq!((s, check["ok"].as_bool()), (200, Some(true)), "{check}");
    assert_eq!(
        call(&app, "POST", &format!("{path}/start"), Some(&key), None).await.0,
        204
    );
    let (_, started) = call(&app, "GET", &path, Some(&key), None).await;
    assert_eq!(started["automation_on"], true);

    // Another workspace's site is not there, whatever the route.
    let theirs = format!("/api/v1/sites/{bobs_site}");
    for (method, route, body) in [
        ("GET", theirs.clone(), None),
        ("PATCH", theirs.clone(), Some(json!({ "name": "Mine now" }))),
        ("DELETE", theirs.clone(), None),
        ("POST", format!("{theirs}/test"), None),
        ("POST", format!("{theirs}/start"), None),
        ("POST", format!("/api/v1/automation/{bobs_site}/run-now"), None),
    ] {
        let (s, answer) = call(&app, method, &route, Some(&key), body).await;
        assert_eq!((s, code(&answer)), (404, "not_found"), "{method} {route}");
    }
    let (_, bobs) = call(&app, "GET", &theirs, Some(&bob), None).await;
    assert_eq!(bobs["name"], "Bob's blog", "untouched");

    assert_eq!(call(&app, "DELETE", &path, Some(&reader), None).await.0, 403);
    assert_eq!(call(&app, "DELETE", &path, Some(&key), None).await.0, 204);
    assert_eq!(call(&app, "GET", &path, Some(&key), None).await.0, 404);
    assert_eq!(call(&app, "DELETE", &path, Some(&key), None).await.0, 404);
}

async fn runs_jobs_and_posts_are_listed_and_reviewed(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let key = user_with_key(&app, "ada@example.com", "Acme", "read write").await;
    let reader = key_of(&app, "read").await;
    let body = json!({ "name": "Garden blog", "url": wp.url, "username": USERNAME, "password": APP_PASSWORD });
    let (_, site) = call(&app, "POST", "/api/v1/sites", Some(&key), Some(body)).await;
    let site = site["id"].as_str().unwrap().to_string();
    assert_eq!(save_settings(&app, &site, settings("review", "publish")).await.0, 200);

    let run = format!("/api/v1/automation/{site}/run-now");
    let (s, body) = call(&app, "POST", &run, Some(&reader), None).await;
    assert_eq!((s, code(&body)), (403, "forbidden"));
    let mut jobs = Vec::new();
    for _ in 0..2 {
        let (s, queued) = call(&app, "POST", &run, Some(&key), None).await;
        assert_eq!(s, 202, "{queued}");
        let job = queued["job_id"].as_str().unwrap().to_string();
        wait_for_step(&app, &job, "awaiting_review").await;
        jobs.push(job);
    }

    let (s, listed) = call(
        &app,
        "GET",
        "/api/v1/automation/jobs?step=awaiting_review",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(s, 200, "{listed}");
    let mut ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected: Vec<&str> = jobs.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!((ids, &listed["next_cursor"]), (expected, &Value::Null));
    let (_, none) = call(
        &app,
        "GET",
        "/api/v1/automation/jobs?step=published",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(none["data"], json!([]));
    for bad in ["?step=flying", "?cursor=banana", "?page=2"] {
        let (s, body) = call(
            &app,
            "GET",
            &format!("/api/v1/automation/jobs{bad}"),
            Some(&reader),
            None,
        )
        .await;
        assert!(s == 400 || s == 422, "{bad}: {s} {body}");
        assert!(!code(&body).is_empty());
    }

    // Posts, newest first, one per page: the cursor walks them without gaps.
    let (s, first) = call(
        &app,
        "GET",
        "/api/v1/automation/posts?review=pending&limit=1",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["data"].as_array().unwrap().len(), 1);
    let cursor = first["next_cursor"].as_str().expect("a second page").to_string();
    let (_, second) = call(
        &app,
        "GET",
        &format!("/api/v1/automation/posts?review=pending&limit=1&cursor={cursor}"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(
        (second["data"].as_array().unwrap().len(), &second["next_cursor"]),
        (1, &Value::Null)
    );
    let newest = first["data"][0]["id"].as_str().unwrap().to_string();
    let older = second["data"][0]["id"].as_str().unwrap().to_string();
    assert_ne!(newest, older);
    assert_eq!(
        second["data"][0]["job_id"],
        jobs[0].as_str(),
        "the first run's post comes last"
    );
    let (s, body) = call(
        &app,
        "GET",
        "/api/v1/automation/posts?review=maybe",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!((s, code(&body)), (422, "invalid_input"));
    let (_, by_site) = call(
        &app,
        "GET",
        &format!("/api/v1/automation/posts?site_id={site}"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(by_site["data"].as_array().unwrap().len(), 2);

    // Review: a read key cannot; approving twice is a conflict; reject the other.
    let approve = format!("/api/v1/automation/posts/{newest}/approve");
    assert_eq!(call(&app, "POST", &approve, Some(&reader), None).await.0, 403);
    let (s, approved) = call(&app, "POST", &approve, Some(&key), None).await;
    assert_eq!((s, approved["review"].as_str()), (200, Some("approved")), "{approved}");
    let (s, body) = call(&app, "POST", &approve, Some(&key), None).await;
    assert_eq!((s, code(&body)), (409, "conflict"));
    let (s, rejected) = call(
        &app,
        "POST",
        &format!("/api/v1/automation/posts/{older}/reject"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!((s, rejected["review"].as_str()), (200, Some("rejected")));
    let approved_job = approved["job_id"].as_str().unwrap().to_string();
    wait_for_step(&app, &approved_job, "published").await;
    assert_eq!(wp.posts().len(), 1, "only the approved post is published");
    let (_, pending) = call(
        &app,
        "GET",
        "/api/v1/automation/posts?review=pending",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(pending["data"], json!([]));

    // Another workspace sees none of it.
    let other = user_with_key(&app, "bob@example.com", "Bob's", "read write").await;
    let (_, theirs) = call(&app, "GET", "/api/v1/automation/posts", Some(&other), None).await;
    assert_eq!(theirs["data"], json!([]));
    let (_, their_jobs) = call(&app, "GET", "/api/v1/automation/jobs", Some(&other), None).await;
    assert_eq!(their_jobs["data"], json!([]));
    let (s, body) = call(
        &app,
        "POST",
        &format!("/api/v1/automation/posts/{older}/approve"),
        Some(&other),
        None,
    )
    .await;
    assert_eq!((s, code(&body)), (404, "not_found"));
}

async fn usage_is_read_and_the_plan_changed(engine: Engine) {
    let app = spawn(engine).await;
    let owner = user_with_key(&app, "ada@example.com", "Acme", "read write admin").await;
    let writer = key_of(&app, "read write").await;
    let (s, usage) = call(&app, "GET", "/api/v1/billing/usage", Some(&writer), None).await;
    assert_eq!(
        (s, usage["posts_limit"].as_i64(), usage["sites_limit"].as_i64()),
        (200, Some(10), Some(1))
    );
    let (s, body) = call(&app, "POST", "/api/v1/billing/change-plan/pro", Some(&writer), None).await;
    assert_eq!((s, code(&body)), (403, "forbidden"), "paying takes the admin scope");
    let (s, body) = call(&app, "POST", "/api/v1/billing/change-plan/gold", Some(&owner), None).await;
    assert_eq!((s, code(&body)), (422, "invalid_input"));
    let (_, usage) = call(&app, "GET", "/api/v1/billing/usage", Some(&owner), None).await;
    assert_eq!(usage["posts_limit"], 10, "nothing changed");

    let (s, changed) = call(&app, "POST", "/api/v1/billing/change-plan/pro", Some(&owner), None).await;
    assert_eq!(
        (s, changed["status"].as_str(), changed["plan"].as_str()),
        (200, Some("applied"), Some("pro")),
        "{changed}"
    );
    let (_, usage) = call(&app, "GET", "/api/v1/billing/usage", Some(&owner), None).await;
    assert_eq!(usage["posts_limit"], 200, "test mode applies it at once");

    // A member's token cannot pay for the workspace either.
    let member_jwt = {
        let (s, invited) = app
            .call_json("members/invite", &[("email", "max@example.com"), ("role", "member")])
            .await;
        assert_eq!(s, 200, "{invited}");
        app.as_user(&None);
        let token = app.mailed_token("Test User invited you", "max@example.com").await;
        let (s, joined) = app
            .call_json(
                "invitations/sign_up",
                &[("token", &token), ("name", "Max"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(s, 200, "{joined}");
        login(&app, "max@example.com").await
    };
    let (s, body) = call(
        &app,
        "POST",
        "/api/v1/billing/change-plan/agency",
        Some(token(&member_jwt, "access_token")),
        None,
    )
    .await;
    assert_eq!((s, code(&body)), (403, "forbidden"));
    let (s, _) = call(
        &app,
        "GET",
        "/api/v1/billing/usage",
        Some(token(&member_jwt, "access_token")),
        None,
    )
    .await;
    assert_eq!(s, 200);
}

async fn admin_routes_are_for_platform_admins_only(engine: Engine) {
    let app = spawn_with(engine, &[("ADMIN_EMAILS", "root@example.com")]).await;
    let user_key = user_with_key(&app, "ada@example.com", "Acme", "read write admin").await;
    let admin_key = user_with_key(&app, "root@example.com", "Ops", "read write admin").await;
    app.confirm_email("root@example.com").await;
    let admin_reader = key_of(&app, "read").await;
    let admin_jwt = login(&app, "root@example.com").await;
    let admin_jwt = token(&admin_jwt, "access_token").to_string();
    let ada_jwt = login(&app, "ada@example.com").await;

    for route in ["/api/v1/admin/users", "/api/v1/admin/health"] {
        let (s, body) = call(&app, "GET", route, Some(&user_key), None).await;
        assert_eq!((s, code(&body)), (404, "not_found"), "hidden from others: {route}");
        for admins_key in [&admin_reader, &admin_key] {
            let (s, body) = call(&app, "GET", route, Some(admins_key), None).await;
            assert_eq!(
                (s, code(&body)),
                (403, "forbidden"),
                "an admin's API key, whatever its scopes: {route}"
            );
        }
        let (s, _) = call(&app, "GET", route, Some(token(&ada_jwt, "access_token")), None).await;
        assert_eq!(s, 404, "nor a token of someone else: {route}");
        assert_eq!(call(&app, "GET", route, None, None).await.0, 401);
    }

    let (s, users) = call(&app, "GET", "/api/v1/admin/users", Some(&admin_jwt), None).await;
    assert_eq!(s, 200, "{users}");
    assert_eq!(users["data"].as_array().unwrap().len(), 2);
    let (_, found) = call(&app, "GET", "/api/v1/admin/users?q=ada", Some(&admin_jwt), None).await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    let ada = found["data"][0]["id"].as_str().unwrap().to_string();
    let (s, body) = call(&app, "GET", "/api/v1/admin/users?status=odd", Some(&admin_jwt), None).await;
    assert_eq!((s, code(&body)), (422, "invalid_input"));

    let (s, health) = call(&app, "GET", "/api/v1/admin/health", Some(&admin_jwt), None).await;
    assert_eq!(s, 200, "{health}");
    assert!(health["database"].is_string() && health["queue"].is_array());

    // Limits: one at a time, on the workspace the user owns.
    let limits = format!("/api/v1/admin/users/{ada}/limits/members");
    let (s, set) = call(&app, "POST", &limits, Some(&admin_jwt), Some(json!({ "value": 7 }))).await;
    assert_eq!((s, set["value"].as_i64()), (200, Some(7)), "{set}");
    let overridden = app
        .count("select members_limit_override from tenant where members_limit_override is not null")
        .await;
    assert_eq!(overridden, 7);
    let social = format!("/api/v1/admin/users/{ada}/limits/social_accounts");
    let (s, set) = call(&app, "POST", &social, Some(&admin_jwt), Some(json!({ "value": 4 }))).await;
    assert_eq!((s, set["value"].as_i64()), (200, Some(4)), "{set}");
    let overridden = app
        .count("select social_accounts_limit_override from tenant where social_accounts_limit_override is not null")
        .await;
    assert_eq!(overridden, 4);
    for (path, body, status) in [
        (
            format!("/api/v1/admin/users/{ada}/limits/parrots"),
            json!({ "value": 7 }),
            422,
        ),
        (limits.clone(), json!({ "value": -1 }), 422),
        (limits.clone(), json!({ "value": 7, "extra": 1 }), 422),
        (limits.clone(), json!({}), 422),
        (
            "/api/v1/admin/users/nobody/limits/members".to_string(),
            json!({ "value": 7 }),
            404,
        ),
    ] {
        let (s, answer) = call(&app, "POST", &path, Some(&admin_jwt), Some(body)).await;
        assert_eq!(s, status, "{path}: {answer}");
    }
    assert_eq!(
        call(&app, "POST", &limits, Some(&user_key), Some(json!({ "value": 99 })))
            .await
            .0,
        404
    );
    let (s, _) = call(&app, "POST", &limits, Some(&admin_jwt), Some(json!({ "value": null }))).await;
    assert_eq!(s, 200);
    assert_eq!(
        app.count("select count(*) from tenant where members_limit_override is not null")
            .await,
        0,
        "back to the plan's"
    );

    // Suspension ends the user's credentials at once; lifting it brings
    // their key back (a key is not a session).
    let suspend = format!("/api/v1/admin/users/{ada}/suspend");
    let (s, body) = call(
        &app,
        "POST",
        &suspend,
        Some(&admin_jwt),
        Some(json!({ "suspended": true })),
    )
    .await;
    assert_eq!((s, code(&body)), (422, "invalid_input"), "a reason is needed");
    assert_eq!(call(&app, "GET", "/api/v1/sites", Some(&user_key), None).await.0, 200);
    let reason = json!({ "suspended": true, "reason": "chargeback under review" });
    assert_eq!(
        call(&app, "POST", &suspend, Some(&user_key), Some(reason.clone()))
            .await
            .0,
        404
    );
    assert_eq!(
        call(&app, "POST", &suspend, Some(&admin_jwt), Some(reason)).await.0,
        204
    );
    assert_eq!(call(&app, "GET", "/api/v1/sites", Some(&user_key), None).await.0, 401);
    let (_, suspended) = call(
        &app,
        "GET",
        "/api/v1/admin/users?status=suspended",
        Some(&admin_jwt),
        None,
    )
    .await;
    assert_eq!(suspended["data"][0]["id"], ada.as_str());
    let lift = json!({ "suspended": false });
    assert_eq!(call(&app, "POST", &suspend, Some(&admin_jwt), Some(lift)).await.0, 204);
    assert_eq!(call(&app, "GET", "/api/v1/sites", Some(&user_key), None).await.0, 200);
}

/// One GET with its rate headers.
async fn limited_get(app: &TestApp, path: &str, bearer: Option<&str>) -> (u16, [Option<i64>; 4], Value) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok()?.parse::<i64>().ok())
    };
    let headers = [
        header("ratelimit-limit"),
        header("ratelimit-remaining"),
        header("ratelimit-reset"),
        header("retry-after"),
    ];
    let status = res.status().as_u16();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

async fn each_key_has_its_plan_s_rate_and_each_address_a_ceiling(engine: Engine) {
    let rates = [
        ("API_RATE_WINDOW_SECONDS", "2"),
        ("API_RATE_LIMIT_FREE", "3"),
        ("API_RATE_LIMIT_PRO", "50"),
        ("API_RATE_LIMIT_PER_ADDRESS", "1000"),
    ];
    let app = spawn_with(engine, &rates).await;
    let key = user_with_key(&app, "ada@example.com", "Acme", "read write admin").await;
    let other_key = key_of(&app, "read").await;

    let (s, [limit, remaining, reset, retry], _) = limited_get(&app, "/api/v1/sites", Some(&key)).await;
    assert_eq!((s, limit, remaining, retry), (200, Some(3), Some(2), None));
    assert!(reset.unwrap() >= 1);
    for _ in 0..2 {
        assert_eq!(limited_get(&app, "/api/v1/sites", Some(&key)).await.0, 200);
    }
    let (s, [limit, remaining, _, retry], body) = limited_get(&app, "/api/v1/sites", Some(&key)).await;
    assert_eq!(
        (s, code(&body), limit, remaining),
        (429, "rate_limited", Some(3), Some(0)),
        "{body}"
    );
    let retry = retry.expect("Retry-After on a refusal");
    assert!((1..=4).contains(&retry), "{retry}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Free plan"));
    // Each key has its own count, and so does a second process on the
    // same database, which sees the first one's.
    assert_eq!(limited_get(&app, "/api/v1/sites", Some(&other_key)).await.0, 200);
    let second = spawn_on(&app.database_url, &rates).await;
    let (s, [.., retry_there], _) = limited_get(&second, "/api/v1/sites", Some(&key)).await;
    assert_eq!(s, 429, "the count is shared");
    // A refused call counts too, so the wait is the latest answer's.
    let retry = retry_there.expect("Retry-After").max(retry);

    // After the wait it says, the key works again.
    tokio::time::sleep(std::time::Duration::from_secs(retry as u64)).await;
    assert_eq!(
        limited_get(&app, "/api/v1/sites", Some(&key)).await.0,
        200,
        "it recovers"
    );

    // A bigger plan, a higher rate.
    let payer = key_of(&app, "read write admin").await;
    let (s, body) = call(&app, "POST", "/api/v1/billing/change-plan/pro", Some(&payer), None).await;
    assert_eq!(s, 200, "{body}");
    let (_, [limit, ..], _) = limited_get(&app, "/api/v1/sites", Some(&other_key)).await;
    assert_eq!(limit, Some(50));
    // Only the reference itself is uncounted, not a route whose id is "docs".
    let (s, [limit, ..], _) = limited_get(&app, "/api/v1/sites/docs", Some(&other_key)).await;
    assert_eq!((s, limit), (404, Some(50)));

    // Every address has a ceiling, with a credential or without one.
    // Calls without a valid credential count against their address.
    let crowded = spawn_with(
        engine,
        &[
            ("API_RATE_LIMIT_PER_ADDRESS", "4"),
            ("API_RATE_WINDOW_SECONDS", "60"),
            ("API_RATE_LIMIT_FREE", "3"),
        ],
    )
    .await;
    for _ in 0..4 {
        assert_eq!(
            limited_get(&crowded, "/api/v1/sites", Some("ap_live_guess")).await.0,
            401
        );
    }
    let (s, [limit, _, _, retry], body) = limited_get(&crowded, "/api/v1/auth/login", None).await;
    assert_eq!((s, code(&body), limit), (429, "rate_limited", Some(4)), "{body}");
    assert!(retry.unwrap() >= 1);
    let (s, [limit, ..], _) = limited_get(&crowded, "/api/v1/healthz", None).await;
    assert_eq!((s, limit), (200, None), "the liveness probe is not counted");

    // A valid credential counts as itself, not as its address; and a
    // workspace's keys together get three times the plan's rate, so more
    // keys do not mean more calls without end.
    let first = user_with_key(&crowded, "kim@example.com", "Kim's", "read").await;
    let mut keys = vec![first];
    for _ in 0..3 {
        keys.push(key_of(&crowded, "read").await);
    }
    for key in &keys[..3] {
        for _ in 0..3 {
            assert_eq!(limited_get(&crowded, "/api/v1/sites", Some(key)).await.0, 200);
        }
        if key == &keys[0] {
            // A runaway key is refused on its own count; its refused calls
            // do not use up the workspace's share the others still have.
            for _ in 0..3 {
                let (s, _, body) = limited_get(&crowded, "/api/v1/sites", Some(key)).await;
                assert_eq!(s, 429);
                assert!(body["error"]["message"].as_str().unwrap().contains("This credential"));
            }
        }
    }
    let (s, _, body) = limited_get(&crowded, "/api/v1/sites", Some(&keys[3])).await;
    assert_eq!((s, code(&body)), (429, "rate_limited"), "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("workspace's keys"),
        "{body}"
    );
}
