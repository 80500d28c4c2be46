use crate::helpers::{fresh_database, spawn, spawn_with, Engine, PASSWORD};
use crate::on_both_engines;
use std::process::Command;

on_both_engines!(
    health_and_readiness_probes_answer,
    landing_page_shows_plans_with_operator_limits,
    admin_grant_and_migrate_commands_work,
);

async fn health_and_readiness_probes_answer(engine: Engine) {
    let app = spawn(engine).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status().as_u16(), 200);
    let res = app.get("/readyz").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ready");
    app.db.pool.close().await;
    assert_eq!(
        app.get("/readyz").await.status().as_u16(),
        503,
        "no database, not ready"
    );
}

async fn landing_page_shows_plans_with_operator_limits(engine: Engine) {
    let app = spawn_with(engine, &[("FREE_POSTS_LIMIT", "15")]).await;
    let html = app.page_html("/").await;
    for text in [
        "Free",
        "Pro",
        "Agency",
        "$29",
        "$99",
        "15 posts a month",
        "200 posts a month",
        "2,000 posts a month",
        "50 WordPress sites",
    ] {
        assert!(html.contains(text), "landing page lacks {text:?}");
    }
}

fn autopilot(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_autopilot"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("ADMIN_EMAILS")
        .output()
        .expect("the autopilot binary runs")
}

async fn admin_grant_and_migrate_commands_work(engine: Engine) {
    let url = fresh_database(engine).await;
    let out = autopilot(&url, &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let app = crate::helpers::spawn_on(&url, &[]).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    assert_eq!(app.me().await["user"]["is_platform_admin"], false);
    let out = autopilot(&url, &["admin", "grant", "Ada@Example.com"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(app.me().await["user"]["is_platform_admin"], true);

    app.call_json("auth/request_password_reset", &[("email", "ada@example.com")])
        .await;
    app.wait_for_mail(crate::helpers::RESET, "ada@example.com").await;
    let out = autopilot(&url, &["admin", "outbox", "5"]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        printed.contains("to ada@example.com · kept · Reset your Autopilot password"),
        "{printed}"
    );
    assert!(printed.contains("/reset-password?token="), "{printed}");

    let out = autopilot(&url, &["admin", "grant", "nobody@example.com"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user"));

    let out = Command::new(env!("CARGO_BIN_EXE_autopilot"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .env("PRO_POSTS_LIMIT", "many")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("PRO_POSTS_LIMIT"),
        "the message names the variable"
    );
}

#[tokio::test]
async fn unknown_pages_answer_404() {
    let app = spawn(Engine::Sqlite).await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status().as_u16(), 404);
}
