use crate::helpers::{spawn, Engine, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    a_user_can_create_and_switch_between_workspaces,
    another_workspaces_ids_answer_not_found,
    roles_from_the_permission_table_are_enforced,
);

async fn a_user_can_create_and_switch_between_workspaces(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let first = app.me().await["workspace"]["id"].as_str().unwrap().to_string();
    let res = app.call("workspaces/create", &[("name", "Blue Bakery")]).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["location"],
        "/app",
        "the page goes to the new workspace's dashboard"
    );
    let second: serde_json::Value = res.json().await.unwrap();
    let second = second.as_str().unwrap().to_string();
    let me = app.me().await;
    assert_eq!(
        me["workspace"]["name"], "Blue Bakery",
        "a new workspace becomes the active one"
    );
    assert_eq!(me["workspace"]["role"], "owner");
    assert_eq!(me["workspaces"].as_array().unwrap().len(), 2);

    assert_eq!(
        app.call_json("workspaces/switch", &[("workspace_id", &first)]).await.0,
        200
    );
    assert_eq!(app.me().await["workspace"]["id"], first.as_str());
    let (_, dash) = app.call_json("workspaces/dashboard", &[]).await;
    assert_eq!(dash["workspace_name"], "Acme");
    assert_eq!(dash["workspaces"], 2);
    assert_eq!(
        app.call_json("workspaces/switch", &[("workspace_id", &second)]).await.0,
        200
    );
    assert_eq!(app.me().await["workspace"]["name"], "Blue Bakery");

    let (status, _) = app.call_json("workspaces/create", &[("name", "")]).await;
    assert_eq!(status, 422);
}

async fn another_workspaces_ids_answer_not_found(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("bob@example.com", PASSWORD, "Bob's").await;
    let bobs = app.me().await["workspace"]["id"].as_str().unwrap().to_string();
    app.set_cookie(None);
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;

    let (status, body) = app.call_json("workspaces/switch", &[("workspace_id", &bobs)]).await;
    assert_eq!((status, body), (404, serde_json::json!("NotFound")));
    let (status, _) = app
        .call_json("workspaces/rename", &[("workspace_id", &bobs), ("name", "Pwned")])
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call_json("workspaces/switch", &[("workspace_id", "no-such-id")])
        .await;
    assert_eq!(status, 404);
    let (name,): (String,) = sqlx::query_as("select name from tenant where id = $1")
        .bind(&bobs)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(name, "Bob's");
    assert_eq!(
        app.me().await["workspace"]["name"],
        "Acme",
        "nothing leaked into the session"
    );
    let (_, members) = app.call_json("members/list", &[("q", ""), ("page", "1")]).await;
    let emails: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["ada@example.com"]);
}

async fn roles_from_the_permission_table_are_enforced(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("owner@example.com", PASSWORD, "Acme").await;
    let acme = app.me().await["workspace"]["id"].as_str().unwrap().to_string();
    app.set_cookie(None);
    app.sign_up("viewer@example.com", PASSWORD, "Own").await;
    let viewer_id = app.me().await["user"]["id"].as_str().unwrap().to_string();
    // Invitations come later; add the membership directly.
    sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, 'viewer', 0)")
        .bind(&acme)
        .bind(&viewer_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.call_json("workspaces/switch", &[("workspace_id", &acme)]).await.0,
        200
    );
    assert_eq!(app.me().await["workspace"]["role"], "viewer");
    let (status, body) = app
        .call_json("workspaces/rename", &[("workspace_id", &acme), ("name", "Mine now")])
        .await;
    assert_eq!((status, body), (403, serde_json::json!("Forbidden")));
    let (status, members) = app.call_json("members/list", &[("q", ""), ("page", "1")]).await;
    assert_eq!(status, 200, "viewers may look");
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
}
