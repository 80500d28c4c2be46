//! Social channels over real HTTP: the demo channel connects, counts
//! against the plan and disconnects keeping its row; the plan's limit (and
//! an operator's override) refuses the extra account; another workspace's
//! accounts are not found and viewers change nothing.

use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::Value;

on_both_engines!(
    the_demo_channel_connects_counts_and_disconnects_keeping_its_row,
    the_plan_limits_social_accounts,
    another_workspaces_channels_are_not_found_and_viewers_change_nothing,
);

async fn channels(app: &TestApp) -> Value {
    let (status, page) = app.call_json("social/channels", &[]).await;
    assert_eq!(status, 200, "{page}");
    page
}

async fn connect_demo(app: &TestApp) -> (u16, Value) {
    app.call_json("social/connect_demo", &[]).await
}

/// An account connected earlier through a platform's sign-in.
async fn connected_elsewhere(app: &TestApp, tenant: &str, platform: &str, external_id: &str) {
    sqlx::query(
        "insert into social_account (id, tenant_id, platform, external_id, name, access_token_sealed, \
         refresh_token_sealed, token_expires_at, connected_at, created_at, updated_at) \
         values ($1, $2, $3, $4, 'Earlier account', 'v1:sealed-access', 'v1:sealed-refresh', 99, 1, 1, 1)",
    )
    .bind(format!("acct-{external_id}"))
    .bind(tenant)
    .bind(platform)
    .bind(external_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

async fn tenant_of(app: &TestApp) -> String {
    app.me().await["workspace"]["id"].as_str().unwrap().to_string()
}

async fn the_demo_channel_connects_counts_and_disconnects_keeping_its_row(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let page = channels(&app).await;
    assert_eq!((page["used"].as_i64(), page["limit"].as_i64()), (Some(0), Some(1)));
    assert_eq!(page["accounts"], serde_json::json!([]));
    assert_eq!(
        (page["meta_ready"].as_bool(), page["tiktok_ready"].as_bool()),
        (Some(false), Some(false)),
        "no app credentials in tests"
    );
    let html = app.page_html("/app/channels").await;
    assert!(html.contains("META_APP_ID") && html.contains("Connect the demo channel"));

    let (status, id) = connect_demo(&app).await;
    assert_eq!(status, 200, "{id}");
    let page = channels(&app).await;
    assert_eq!(page["used"].as_i64(), Some(1));
    let account = &page["accounts"][0];
    assert_eq!(
        (
            account["platform"].as_str(),
            account["status"].as_str(),
            account["id"].as_str()
        ),
        (Some("demo"), Some("connected"), id.as_str())
    );
    // Connecting it again is the same channel, not a second one.
    assert_eq!(connect_demo(&app).await.1, id);
    assert_eq!(app.count("select count(*) from social_account").await, 1);
    let billing = app.page_html("/app/billing").await;
    assert!(billing.contains("Social accounts"), "the billing page counts them");

    let (status, _) = app
        .call_json("social/disconnect", &[("account_id", id.as_str().unwrap())])
        .await;
    assert_eq!(status, 200);
    let page = channels(&app).await;
    assert_eq!(page["used"].as_i64(), Some(0), "a disconnected account does not count");
    assert_eq!(page["accounts"][0]["status"], "disconnected", "its row stays");
    // Connecting again brings back the same row.
    assert_eq!(connect_demo(&app).await.1, id);
    assert_eq!(
        app.count("select count(*) from audit_log where action like 'social_account_%'")
            .await,
        3
    );
}

async fn the_plan_limits_social_accounts(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let tenant = tenant_of(&app).await;
    connected_elsewhere(&app, &tenant, "instagram", "17841400000000001").await;

    let (status, body) = connect_demo(&app).await;
    assert_eq!(status, 409, "Free allows one: {body}");
    assert!(
        body["Conflict"].as_str().unwrap().contains("1 social account"),
        "{body}"
    );
    assert_eq!(app.count("select count(*) from social_account").await, 1);

    // An operator's override for this workspace, then the plan's own.
    sqlx::query("update tenant set social_accounts_limit_override = 2 where id = $1")
        .bind(&tenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(connect_demo(&app).await.0, 200);
    assert_eq!(channels(&app).await["limit"].as_i64(), Some(2));
    sqlx::query("update tenant set social_accounts_limit_override = null where id = $1")
        .bind(&tenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, _) = app.call_json("billing/plan", &[("plan", "pro")]).await;
    assert_eq!(status, 200);
    assert_eq!(channels(&app).await["limit"].as_i64(), Some(10));

    // Disconnecting clears what acted for the account.
    let (status, _) = app
        .call_json("social/disconnect", &[("account_id", "acct-17841400000000001")])
        .await;
    assert_eq!(status, 200);
    let cleared = app
        .count(
            "select count(*) from social_account where id = 'acct-17841400000000001' and access_token_sealed is null \
             and refresh_token_sealed is null and token_expires_at is null and status = 'disconnected'",
        )
        .await;
    assert_eq!(cleared, 1);
}

async fn another_workspaces_channels_are_not_found_and_viewers_change_nothing(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("bob@example.com", PASSWORD, "Bob's").await;
    let (_, bobs) = connect_demo(&app).await;
    let bobs = bobs.as_str().unwrap().to_string();

    app.as_user(&None);
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (status, _) = app.call_json("social/disconnect", &[("account_id", &bobs)]).await;
    assert_eq!(status, 404);
    assert_eq!(channels(&app).await["accounts"], serde_json::json!([]));
    assert_eq!(
        app.count("select count(*) from social_account where status = 'connected'")
            .await,
        1,
        "Bob's is untouched"
    );

    // A viewer sees the page but connects and disconnects nothing.
    let tenant = tenant_of(&app).await;
    sqlx::query("update membership set role = 'viewer' where tenant_id = $1")
        .bind(&tenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(channels(&app).await["can_manage"].as_bool(), Some(false));
    assert_eq!(connect_demo(&app).await.0, 403);
    assert_eq!(app.count("select count(*) from social_account").await, 1);
    connected_elsewhere(&app, &tenant, "facebook", "104000000000001").await;
    let (status, _) = app
        .call_json("social/disconnect", &[("account_id", "acct-104000000000001")])
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.count("select count(*) from social_account where status = 'connected'")
            .await,
        2,
        "the viewer disconnected nothing"
    );
}
