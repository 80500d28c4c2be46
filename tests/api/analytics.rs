//! Analytics against a seeded history, in a time zone with a DST change:
//! the figures are exact, an empty month is all zeros, a site filter holds.

use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::{json, Value};

on_both_engines!(analytics_match_a_seeded_history_exactly);

const NY: &str = "America/New_York";

/// Unix seconds of a New York wall-clock time (`offset` hours behind UTC).
fn ny(day: &str, time: &str, offset: i64) -> i64 {
    let utc = format!("{day}T{time}:00Z");
    let at = chrono_like(&utc);
    at + offset * 3600
}

/// Parses "YYYY-MM-DDTHH:MM:SSZ" without a date crate in the tests.
fn chrono_like(text: &str) -> i64 {
    let (date, time) = text.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let t: Vec<i64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]
}

async fn seed_site(app: &TestApp, tenant: &str, id: &str, name: &str) {
    sqlx::query(
        "insert into site (id, tenant_id, name, url, username, password_sealed, created_at, updated_at) \
         values ($1, $2, $3, 'https://example.com', 'editor', 'x', 0, 0)",
    )
    .bind(id)
    .bind(tenant)
    .bind(name)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// A finished post job; a published one gets its post, generated `wait` seconds before.
async fn seed_job(app: &TestApp, tenant: &str, site: &str, n: i64, at: i64, outcome: Result<i64, &str>) {
    let job = format!("job-{n}");
    let (state, step, error) = match outcome {
        Ok(_) => ("done", "published", None),
        Err(e) => ("dead", "failed", Some(e)),
    };
    sqlx::query(
        "insert into job (id, tenant_id, kind, subject_id, slot, state, step, attempt, run_at_ms, last_error, \
         created_at, updated_at, finished_at) values ($1, $2, 'post', $3, $4, $5, $6, 1, 0, $7, $8, $8, $8)",
    )
    .bind(&job)
    .bind(tenant)
    .bind(site)
    .bind(n)
    .bind(state)
    .bind(step)
    .bind(error)
    .bind(at)
    .execute(&app.db.pool)
    .await
    .unwrap();
    if let Ok(wait) = outcome {
        sqlx::query(
            "insert into post (id, tenant_id, site_id, job_id, title, body_html, slug, review, wp_status, \
             published_at, created_at, updated_at) values ($1, $2, $3, $4, 't', 'b', $1, 'auto', 'publish', $5, $6, $5)",
        )
        .bind(format!("post-{n}"))
        .bind(tenant)
        .bind(site)
        .bind(&job)
        .bind(at)
        .bind(at - wait)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
}

async fn analytics(app: &TestApp, days: i64, site: Option<&str>, end: &str) -> Value {
    let (status, body) = app
        .call_with_json(
            "analytics",
            &json!({ "query": { "days": days, "site": site, "zone": NY, "end": end } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn day(report: &Value, date: &str) -> i64 {
    let days = report["published_per_day"].as_array().unwrap();
    let found = days
        .iter()
        .find(|d| d[0] == date)
        .unwrap_or_else(|| panic!("{date} missing"));
    found[1].as_i64().unwrap()
}

async fn analytics_match_a_seeded_history_exactly(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (tenant,): (String,) = sqlx::query_as("select tenant_id from membership")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    seed_site(&app, &tenant, "garden", "Garden blog").await;
    seed_site(&app, &tenant, "kitchen", "Kitchen notes").await;
    // 1 Nov 2026 in New York lasts 25 hours: EDT (UTC-4) until 02:00, then EST (UTC-5).
    seed_job(&app, &tenant, "garden", 1, ny("2026-11-01", "00:30", 4), Ok(600)).await;
    seed_job(&app, &tenant, "garden", 2, ny("2026-11-01", "23:30", 5), Ok(1_800)).await;
    seed_job(&app, &tenant, "kitchen", 3, ny("2026-10-31", "23:59", 4), Ok(3_600)).await;
    seed_job(&app, &tenant, "garden", 4, ny("2026-11-02", "00:10", 5), Ok(7_200)).await;
    let refused = "WordPress refused the password for Garden blog: enter a new application password.";
    seed_job(&app, &tenant, "garden", 5, ny("2026-11-03", "12:00", 5), Err(refused)).await;
    // Another workspace's post on the same day is not counted.
    app.set_cookie(None);
    app.sign_up("bob@example.com", PASSWORD, "Other").await;
    let (other,): (String,) = sqlx::query_as(
        "select m.tenant_id from membership m join app_user u on u.id = m.user_id where u.email = 'bob@example.com'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    seed_site(&app, &other, "theirs", "Theirs").await;
    seed_job(&app, &other, "theirs", 6, ny("2026-11-01", "12:00", 5), Ok(60)).await;
    assert_eq!(
        analytics(&app, 30, None, "2026-11-05").await["published"],
        1,
        "bob sees only his"
    );
    app.set_cookie(None);
    app.log_in("ada@example.com", PASSWORD).await;

    let month = analytics(&app, 30, None, "2026-11-05").await;
    assert_eq!(month["first_day"], "2026-10-07");
    assert_eq!(month["published_per_day"].as_array().unwrap().len(), 30);
    assert_eq!(day(&month, "2026-10-31"), 1);
    assert_eq!(day(&month, "2026-11-01"), 2, "both ends of the 25-hour day");
    assert_eq!(day(&month, "2026-11-02"), 1);
    assert_eq!(day(&month, "2026-11-05"), 0);
    assert_eq!(month["published"], 4);
    assert_eq!(month["per_site"], json!([["Garden blog", 3], ["Kitchen notes", 1]]));
    assert_eq!(
        (month["succeeded"].as_i64(), month["failed"].as_i64()),
        (Some(4), Some(1))
    );
    assert_eq!(month["success_rate"], 80.0);
    assert_eq!(month["median_minutes_to_publish"], 30, "of 10, 30, 60 and 120 minutes");
    assert_eq!(month["p90_minutes_to_publish"], 120);
    assert_eq!(month["failures_by_reason"], json!([[refused, 1]]));

    let garden = analytics(&app, 30, Some("garden"), "2026-11-05").await;
    assert_eq!(garden["published"], 3);
    assert_eq!(day(&garden, "2026-10-31"), 0, "the kitchen's post is filtered out");
    assert_eq!(garden["success_rate"], 75.0);

    let september = analytics(&app, 30, None, "2026-09-30").await;
    assert_eq!(september["published"], 0);
    assert!(september["published_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d[1] == 0));
    assert_eq!(september["success_rate"], Value::Null);
    assert_eq!(september["median_minutes_to_publish"], Value::Null);
    assert_eq!(september["failures_by_reason"], json!([]));

    let quarter = analytics(&app, 90, None, "2026-11-05").await;
    assert_eq!(quarter["published_per_day"].as_array().unwrap().len(), 90);
    assert_eq!(
        quarter["published"], 4,
        "an empty September inside the window changes nothing"
    );

    let (status, _) = app
        .call_with_json(
            "analytics",
            &json!({ "query": { "days": 7, "site": null, "zone": NY, "end": "" } }),
        )
        .await;
    assert_eq!(status, 422, "30 or 90 days");
    let html = app.page_html("/app/analytics?tz=America/New_York&end=2026-11-05").await;
    assert!(html.contains("data-testid=\"chart-published\"") && html.contains("<svg"));
    assert!(
        html.contains("4 posts published from 2026-10-07 to 2026-11-05"),
        "the text alternative"
    );
}
