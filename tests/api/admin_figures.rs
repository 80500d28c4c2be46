//! Business figures from a seeded history: revenue, plans, sign-ups and
//! plan movements with churn, on both engines.

use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;

on_both_engines!(business_figures_count_revenue_plans_and_movements);

async fn seed_tenant(app: &TestApp, id: &str, plan: &str, created_days_ago: i64, status: Option<&str>) {
    let now = autopilot::server::db::now();
    sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $1, $2, $3)")
        .bind(id)
        .bind(plan)
        .bind(now - created_days_ago * 86_400)
        .execute(&app.db.pool)
        .await
        .unwrap();
    if let Some(status) = status {
        sqlx::query("insert into billing (tenant_id, status, updated_at) values ($1, $2, 0)")
            .bind(id)
            .bind(status)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
}

async fn seed_change(app: &TestApp, tenant: &str, from: &str, to: &str, days_ago: i64) {
    sqlx::query("insert into plan_change (id, tenant_id, from_plan, to_plan, at) values ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant)
        .bind(from)
        .bind(to)
        .bind(autopilot::server::db::now() - days_ago * 86_400)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn business_figures_count_revenue_plans_and_movements(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("root@example.com", PASSWORD, "Operations").await;
    sqlx::query("update app_user set is_platform_admin = 1")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Paying now: three Pro (one overdue, still revenue) and one Agency.
    seed_tenant(&app, "p1", "pro", 200, Some("active")).await;
    seed_tenant(&app, "p2", "pro", 200, Some("past_due")).await;
    seed_tenant(&app, "p3", "pro", 20, Some("active")).await;
    seed_tenant(&app, "a1", "agency", 200, Some("active")).await;
    // A trial is not revenue yet; a cancelled one is free again.
    seed_tenant(&app, "t1", "pro", 3, Some("trialing")).await;
    seed_tenant(&app, "c1", "free", 300, Some("canceled")).await;
    seed_tenant(&app, "c2", "free", 300, Some("canceled")).await;
    sqlx::query("update billing set payment_failed_at = 1 where tenant_id = 'p2'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    seed_change(&app, "p3", "free", "pro", 20).await; // upgrade, new paying, 30 and 90
    seed_change(&app, "a1", "pro", "agency", 60).await; // upgrade, 90 only
    seed_change(&app, "c1", "pro", "free", 10).await; // cancellation, 30 and 90
    seed_change(&app, "c2", "agency", "free", 45).await; // cancellation, 90 only
    seed_change(&app, "p1", "agency", "pro", 5).await; // downgrade, 30 and 90
    seed_change(&app, "t1", "free", "pro", 100).await; // outside both windows

    let (status, f) = app.call_json("admin/figures", &[]).await;
    assert_eq!(status, 200, "{f}");
    let prices = (
        autopilot::app::types::Plan::Pro.monthly_price_cents(),
        autopilot::app::types::Plan::Agency.monthly_price_cents(),
    );
    assert_eq!(f["mrr_cents"], 3 * prices.0 + prices.1, "{f}");
    let per_plan: Vec<(String, i64)> = serde_json::from_value(f["workspaces_per_plan"].clone()).unwrap();
    assert_eq!(
        per_plan,
        vec![("free".into(), 3), ("pro".into(), 4), ("agency".into(), 1)],
        "the admin's own workspace is free; the platform's row is not counted"
    );
    assert_eq!(f["in_dunning"], 1);
    let month = &f["movements"][0];
    assert_eq!(month["days"], 30);
    assert_eq!(
        (
            month["upgrades"].as_i64(),
            month["downgrades"].as_i64(),
            month["cancellations"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    // Paying now 4 (p1 p2 p3 a1; t1's trial is not paying), less p3 who
    // started since, plus c1 who left: 4 paying at the start, 1 left.
    assert_eq!(month["churn_percent"], 25.0);
    assert_eq!(month["sign_ups"], 3, "p3, t1 and the admin's own");
    let quarter = &f["movements"][1];
    assert_eq!(
        (quarter["upgrades"].as_i64(), quarter["cancellations"].as_i64()),
        (Some(2), Some(2))
    );
    // 4 - 1 (p3) + 2 (c1, c2) = 5 paying at the start; 2 left.
    assert_eq!(quarter["churn_percent"], 40.0);
    let days = f["sign_ups_by_day"].as_array().unwrap();
    assert_eq!(days.len(), 90, "every day, empty ones included");
    assert_eq!(days.iter().map(|d| d[1].as_i64().unwrap()).sum::<i64>(), 3);
}

on_both_engines!(owners_get_one_failure_digest_a_day_with_the_fix);

async fn owners_get_one_failure_digest_a_day_with_the_fix(engine: Engine) {
    let app = crate::helpers::spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    app.set_cookie(None);
    app.sign_up("bob@example.com", PASSWORD, "Calm").await;
    let tenant_of = |email: &'static str| {
        let app = &app;
        async move {
            let (id,): (String,) = sqlx::query_as(
                "select m.tenant_id from membership m join app_user u on u.id = m.user_id where u.email = $1",
            )
            .bind(email)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
            id
        }
    };
    let acme = tenant_of("ada@example.com").await;
    sqlx::query(
        "insert into site (id, tenant_id, name, url, username, password_sealed, created_at, updated_at) \
         values ('garden', $1, 'Garden blog', 'https://garden.example', 'editor', 'x', 0, 0)",
    )
    .bind(&acme)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let now = autopilot::server::db::now();
    for (n, error, finished) in [
        (
            1,
            "WordPress: WordPress did not accept the username or application password (401).",
            now - 60,
        ),
        (
            2,
            "WordPress: the site could not be reached. Gave up after 3 attempts.",
            now - 3_600,
        ),
        (3, "An old failure.", now - 3 * 86_400),
        (4, "Cancelled by an administrator.", now - 120),
    ] {
        sqlx::query(
            "insert into job (id, tenant_id, kind, subject_id, slot, state, step, run_at_ms, last_error, \
             created_at, updated_at, finished_at) values ($1, $2, 'post', 'garden', $3, 'dead', 'failed', 0, $4, $5, $5, $5)",
        )
        .bind(format!("j{n}"))
        .bind(&acme)
        .bind(n)
        .bind(error)
        .bind(finished)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let state = crate::helpers::state_on(&app.database_url, &[]).await;
    let kinds = autopilot::server::services::job_kinds();
    assert!(
        kinds.names().contains(&"digest"),
        "the digest is a job kind of the runner"
    );
    let sent = autopilot::server::services::digest::send_due(&state).await.unwrap();
    assert_eq!(sent, 1, "only the workspace with failures");
    let again = autopilot::server::services::digest::send_due(&state).await.unwrap();
    assert_eq!(again, 0, "at most one a day");
    let mails: Vec<(String, String, String)> =
        sqlx::query_as("select to_address, subject, body_text from mail_outbox where subject like '%failed in%'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (to, subject, body) = &mails[0];
    assert_eq!(to, "ada@example.com");
    assert_eq!(subject, "2 posts failed in Acme");
    assert!(
        body.contains(
            "WordPress refused the password for Garden blog: enter a new application password on the site's page."
        ),
        "{body}"
    );
    assert!(body.contains("Garden blog could not be reached"), "{body}");
    assert!(!body.contains("An old failure"), "only the last day's");
    assert!(!body.contains("Cancelled"), "a cancelled job is not a failure");
}
