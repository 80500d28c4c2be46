//! API keys: shown once and stored as a hash, acting for their workspace
//! only, ended by revocation or expiry, limited by scope and by their
//! creator's current role; and the REST API's one error shape.

use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::Value;

on_both_engines!(
    a_key_is_shown_once_stored_as_a_hash_and_acts_for_its_workspace_only,
    revoked_expired_and_missing_keys_answer_401,
    a_key_needs_its_scope_and_its_creator_s_role,
);

async fn new_key(app: &TestApp, name: &str, scopes: &str, days: &str) -> Value {
    let (status, body) = app
        .call_json(
            "api_keys/create",
            &[("name", name), ("scopes", scopes), ("expires_in_days", days)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn add_site(app: &TestApp, name: &str) -> String {
    let form = [
        ("name", name),
        ("url", "http://127.0.0.1:9"),
        ("username", "u"),
        ("password", "p"),
    ];
    let (status, id) = app.call_json("sites/add", &form).await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_string()
}

/// A program's request: the key and nothing else (no cookie, no Origin).
async fn api(app: &TestApp, method: &str, path: &str, key: &str) -> (u16, Value) {
    crate::rest::call(app, method, path, Some(key), None).await
}

async fn a_key_is_shown_once_stored_as_a_hash_and_acts_for_its_workspace_only(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("bob@example.com", PASSWORD, "Bob's").await;
    let bobs_site = add_site(&app, "Bob's blog").await;
    app.as_user(&None);
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let site = add_site(&app, "Garden blog").await;

    let created = new_key(&app, "Zapier", "read write", "30").await;
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("ap_live_") && key.len() == 8 + 64, "{key}");
    assert_eq!(created["prefix"].as_str().unwrap(), &key[..16]);
    let stored = app
        .count(&format!(
            "select count(*) from api_key where key_hash = '{key}' or prefix = '{key}'"
        ))
        .await;
    assert_eq!(stored, 0, "the key itself is not kept");
    let (_, list) = app.call_json("api_keys/list", &[("page", "1")]).await;
    assert!(!list.to_string().contains(&key), "nor ever shown again");
    assert_eq!(list["keys"][0]["last_used"], "Never used");

    let (status, page) = api(&app, "GET", "/api/v1/sites", &key).await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!((ids, page["next_cursor"].clone()), (vec![site.as_str()], Value::Null));
    let (status, body) = api(&app, "GET", &format!("/api/v1/sites/{bobs_site}"), &key).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "another workspace's site"
    );
    let (status, _) = api(&app, "POST", &format!("/api/v1/sites/{bobs_site}/stop"), &key).await;
    assert_eq!(status, 404);
    let (status, body) = api(&app, "GET", "/api/v1/sites?colour=red", &key).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "unknown fields are refused"
    );
    let (status, body) = api(&app, "GET", "/api/v1/nothing-here", &key).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, body) = api(&app, "POST", "/api/v1/healthz", &key).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );

    let (_, list) = app.call_json("api_keys/list", &[("page", "1")]).await;
    let used = list["keys"][0]["last_used"].as_str().unwrap();
    assert!(
        used.starts_with("Last used") && used.ends_with("from 127.0.0.1"),
        "{used}"
    );
    let (status, body) = app
        .call_json(
            "api_keys/create",
            &[("name", ""), ("scopes", "read"), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(app.count("select count(*) from api_key").await, 1);
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'api_key_created'")
            .await,
        1
    );
    // The page's plain form: the key comes back once, on a page not cached.
    let res = key_form(
        &app,
        &[("name", "Form key"), ("scopes", "read"), ("expires_in_days", "")],
    )
    .await;
    assert_eq!(
        (res.status().as_u16(), res.headers()["cache-control"].to_str().unwrap()),
        (200, "no-store")
    );
    let html = res.text().await.unwrap();
    let start = html.find("value=\"ap_live_").expect("the key is on the page") + 7;
    let shown = &html[start..start + 72];
    assert_eq!(api(&app, "GET", "/api/v1/sites", shown).await.0, 200, "and it works");
    let res = key_form(&app, &[("name", ""), ("scopes", "read"), ("expires_in_days", "365")]).await;
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(res.status().as_u16(), 303);
    assert!(back.contains("/app/api-keys?") && back.contains("__err="), "{back}");
    let page = app.page_html(back.trim_start_matches(&app.base)).await;
    assert!(page.contains("Give the key a name"));
    // The form is as it was sent, once.
    assert!(
        page.contains(r#"value="read" selected"#) && page.contains(r#"value="365" selected"#),
        "{page}"
    );
    let again = app.page_html("/app/api-keys").await;
    assert!(again.contains(r#"value="90" selected"#) && !again.contains(r#"value="365" selected"#));
}

/// The keys page's form, posted by a browser without wasm.
async fn key_form(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.browser_form("/app/api-keys/new", fields).await
}

async fn revoked_expired_and_missing_keys_answer_401(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let revoked = new_key(&app, "Old script", "read", "").await;
    let expired = new_key(&app, "Trial", "read", "30").await;
    let (status, _) = api(&app, "GET", "/api/v1/sites", revoked["key"].as_str().unwrap()).await;
    assert_eq!(status, 200);

    let id = revoked["id"].as_str().unwrap();
    assert_eq!(app.call_json("api_keys/revoke", &[("key_id", id)]).await.0, 200);
    let (status, body) = api(&app, "GET", "/api/v1/sites", revoked["key"].as_str().unwrap()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    assert_eq!(app.call_json("api_keys/revoke", &[("key_id", id)]).await.0, 404, "once");

    sqlx::query("update api_key set expires_at = 1 where id = $1")
        .bind(expired["id"].as_str().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        api(&app, "GET", "/api/v1/sites", expired["key"].as_str().unwrap())
            .await
            .0,
        401
    );
    assert_eq!(api(&app, "GET", "/api/v1/sites", "ap_live_0000").await.0, 401);
    let res = reqwest::get(app.url("/api/v1/sites")).await.unwrap();
    assert_eq!(res.status().as_u16(), 401, "no credential");
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    // The session cookie opens the pages, not the API.
    let res = app.get_with("/api/v1/sites", &[]).await;
    assert_eq!(res.status().as_u16(), 401);
    let (_, list) = app.call_json("api_keys/list", &[("page", "1")]).await;
    let states: Vec<(bool, bool)> = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["revoked"].as_bool().unwrap(), k["expired"].as_bool().unwrap()))
        .collect();
    assert_eq!(states, [(false, true), (true, false)]);
}

async fn a_key_needs_its_scope_and_its_creator_s_role(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("owner@example.com", PASSWORD, "Acme").await;
    let owner = app.cookie();
    let acme = app.me().await["workspace"]["id"].as_str().unwrap().to_string();
    let site = add_site(&app, "Garden blog").await;
    let stop = format!("/api/v1/sites/{site}/stop");
    let read = new_key(&app, "Reader", "read", "").await["key"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = api(&app, "POST", &stop, &read).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "read cannot write"
    );
    let write = new_key(&app, "Writer", "write", "").await["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        api(&app, "POST", &stop, &write).await.0,
        204,
        "write includes what sites need"
    );

    // A manager's write key: sites yes; once demoted to member, no.
    app.as_user(&None);
    app.sign_up("mia@example.com", PASSWORD, "Mia's").await;
    let mia = app.me().await["user"]["id"].as_str().unwrap().to_string();
    sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, 'manager', 1)")
        .bind(&acme)
        .bind(&mia)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.call_json("workspaces/switch", &[("workspace_id", &acme)]).await.0,
        200
    );
    let (status, body) = app
        .call_json(
            "api_keys/create",
            &[
                ("name", "Too wide"),
                ("scopes", "read write admin"),
                ("expires_in_days", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "a manager's key cannot carry admin: {body}");
    let mias = new_key(&app, "Mia's script", "read write", "").await["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(api(&app, "POST", &stop, &mias).await.0, 204);
    let (_, list) = app.call_json("api_keys/list", &[("page", "1")]).await;
    assert_eq!(
        (list["sees_all"].as_bool(), list["total"].as_i64()),
        (Some(false), Some(1)),
        "a manager sees their own"
    );
    app.as_user(&owner);
    let (_, list) = app.call_json("api_keys/list", &[("page", "1")]).await;
    assert_eq!(list["total"], 3, "the owner sees every key");
    assert_eq!(
        app.call_json("members/change_role", &[("user_id", &mia), ("role", "member")])
            .await
            .0,
        200
    );
    assert_eq!(
        api(&app, "POST", &stop, &mias).await.0,
        403,
        "the key follows its creator's role"
    );
    assert_eq!(api(&app, "GET", "/api/v1/sites", &mias).await.0, 200);
    assert_eq!(app.call_json("members/remove", &[("user_id", &mia)]).await.0, 200);
    assert_eq!(
        api(&app, "GET", "/api/v1/sites", &mias).await.0,
        401,
        "and ends when they leave"
    );

    // Viewers make no keys.
    sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, 'viewer', 1)")
        .bind(&acme)
        .bind(&mia)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        api(&app, "GET", "/api/v1/sites", &mias).await.0,
        401,
        "coming back does not bring old keys back"
    );
    app.as_user(&None);
    app.log_in("mia@example.com", PASSWORD).await;
    assert_eq!(
        app.call_json("workspaces/switch", &[("workspace_id", &acme)]).await.0,
        200
    );
    let (_, list) = app.call_json("api_keys/list", &[("page", "1")]).await;
    assert_eq!(
        (list["can_create"].as_bool(), list["keys"][0]["revoked"].as_bool()),
        (Some(false), Some(true))
    );
    let (status, _) = app
        .call_json(
            "api_keys/create",
            &[("name", "x"), ("scopes", "read"), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(status, 403);
}
