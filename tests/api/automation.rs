//! Sites, schedules, jobs and publishing against a fake WordPress over real
//! HTTP, on both engines.

use crate::fake_wordpress::{FakeWordPress, Mode, APP_PASSWORD, USERNAME};
use crate::helpers::{spawn, spawn_on, spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    a_scheduled_slot_is_generated_reviewed_and_published,
    automatic_approval_publishes_without_review,
    passing_failures_back_off_then_the_job_is_dead_and_can_be_retried,
    refused_credentials_stop_at_once_and_flag_the_site,
    the_connection_test_names_each_outcome,
    another_workspace_cannot_see_or_act_on_sites_jobs_or_posts,
    the_stored_password_cannot_be_read_back,
    quotas_stop_jobs_at_enqueue_and_before_generating,
    settings_are_validated_and_preview_the_next_runs,
);

/// Signs up and adds a site pointing at `wp`; returns the site id.
pub async fn app_with_site(app: &TestApp, wp: &FakeWordPress, email: &str) -> String {
    app.sign_up(email, PASSWORD, "Acme").await;
    add_site(app, wp, APP_PASSWORD).await
}

pub async fn add_site(app: &TestApp, wp: &FakeWordPress, password: &str) -> String {
    let (status, id) = app
        .call_json(
            "sites/add",
            &[
                ("name", "Garden blog"),
                ("url", &wp.url),
                ("username", USERNAME),
                ("password", password),
            ],
        )
        .await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_string()
}

pub fn settings(approval: &str, wp_status: &str) -> Value {
    json!({
        "niche": "Home gardening",
        "topics": "roses\ntomatoes in pots",
        "tone": "friendly",
        "language": "English",
        "target_words": 300,
        "categories": "Garden, Tips",
        "tags": "outdoors",
        "wp_status": wp_status,
        "approval": approval,
        "schedule_kind": "daily",
        "schedule_times": "09:00, 18:30",
        "schedule_cron": "",
        "time_zone": "Europe/Berlin",
    })
}

pub async fn save_settings(app: &TestApp, site: &str, settings: Value) -> (u16, Value) {
    app.call_with_json("sites/settings", &json!({ "site_id": site, "settings": settings }))
        .await
}

/// Waits until the job reaches `step` and returns its row as JSON-ish fields.
/// The post a job wrote, once it is waiting for review.
pub async fn post_awaiting_review(app: &TestApp, job_id: &str) -> String {
    wait_for_step(app, job_id, "awaiting_review").await;
    let (post,): (String,) = sqlx::query_as("select id from post where job_id = $1")
        .bind(job_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    post
}

pub async fn wait_for_step(app: &TestApp, job_id: &str, step: &str) -> (String, i64, Option<String>) {
    let mut last = None;
    for _ in 0..300 {
        let row: (String, String, i64, Option<String>) =
            sqlx::query_as("select step, state, attempt, last_error from job where id = $1")
                .bind(job_id)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        if row.0 == step && row.1 != "running" {
            return (row.1, row.2, row.3);
        }
        last = Some(row);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job_id} never reached {step}; last seen {last:?}");
}

pub async fn run_now(app: &TestApp, site: &str) -> String {
    let (status, job) = app.call_json("content/run_now", &[("site_id", site)]).await;
    assert_eq!(status, 200, "{job}");
    job.as_str().unwrap().to_string()
}

async fn jobs(app: &TestApp, list: &str) -> Value {
    let (status, page) = app
        .call_json("content/jobs", &[("list", list), ("site_id", ""), ("page", "1")])
        .await;
    assert_eq!(status, 200, "{page}");
    page
}

async fn a_scheduled_slot_is_generated_reviewed_and_published(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let existing = wp.add_category("Garden");
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("review", "publish")).await.0, 200);
    let slot = start_with_a_due_slot(&app, &site).await;
    let job = wait_for_job(&app, &site, slot).await;
    wait_for_step(&app, &job, "awaiting_review").await;
    assert_eq!(wp.create_calls(), 0, "nothing is published before review");

    let review = jobs(&app, "review").await;
    assert_eq!(review["total"], 1);
    let post_id = review["jobs"][0]["post_id"].as_str().unwrap().to_string();
    let (_, post) = app.call_json("content/post", &[("post_id", &post_id)]).await;
    assert!(!post["body_html"].as_str().unwrap().contains("<script"));
    let edited = app
        .call_json(
            "content/edit",
            &[
                ("post_id", &post_id),
                ("title", "Roses, edited"),
                ("body", "<p>Hello<script>x()</script></p>"),
            ],
        )
        .await;
    assert_eq!(edited.0, 200, "{}", edited.1);
    let (status, approved) = app
        .call_with_json("content/approve", &json!({ "post_ids": [post_id] }))
        .await;
    assert_eq!((status, approved), (200, json!(1)));
    wait_for_step(&app, &job, "published").await;

    let posts = wp.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].title, "Roses, edited");
    assert_eq!(posts[0].status, "publish");
    assert!(!posts[0].content.contains("script"), "the edited body was sanitised");
    assert!(
        posts[0].categories.contains(&existing),
        "an existing category is looked up by name"
    );
    assert_eq!(wp.category_names().len(), 2, "a missing category is created");
    let published = jobs(&app, "published").await;
    assert_eq!(published["jobs"][0]["remote_url"], posts[0].link.as_str());
    let (_, usage) = app.call_json("content/usage", &[]).await;
    assert_eq!(usage["posts_this_month"], 1);
    assert_eq!(usage["posts_limit"], 10);
}

/// Starts the site's automation, checks it planned a slot, and lets time
/// pass until that slot is due; returns the slot.
pub async fn start_with_a_due_slot(app: &TestApp, site: &str) -> i64 {
    let (status, body) = app
        .call_json("sites/automation", &[("site_id", site), ("on", "true")])
        .await;
    assert_eq!(status, 200, "{body}");
    let next: (Option<i64>,) = sqlx::query_as("select next_run_at from schedule where subject_id = $1")
        .bind(site)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(next.0.is_some(), "starting automation plans the next slot");
    let slot = autopilot::server::db::now() - 5;
    sqlx::query("update schedule set next_run_at = $1 where subject_id = $2")
        .bind(slot)
        .bind(site)
        .execute(&app.db.pool)
        .await
        .unwrap();
    slot
}

/// The job the scheduler created for this slot.
pub async fn wait_for_job(app: &TestApp, site: &str, slot: i64) -> String {
    for _ in 0..200 {
        let row: Option<(String,)> = sqlx::query_as("select id from job where subject_id = $1 and slot = $2")
            .bind(site)
            .bind(slot)
            .fetch_optional(&app.db.pool)
            .await
            .unwrap();
        if let Some((id,)) = row {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the scheduler never enqueued slot {slot}");
}

async fn automatic_approval_publishes_without_review(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "draft")).await.0, 200);
    let job = run_now(&app, &site).await;
    wait_for_step(&app, &job, "published").await;
    let posts = wp.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, "draft", "the site's WordPress status is used");
    let (slug,): (String,) = sqlx::query_as("select slug from post where job_id = $1")
        .bind(&job)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(posts[0].slug, slug, "the post carries the job's deterministic slug");
}

async fn passing_failures_back_off_then_the_job_is_dead_and_can_be_retried(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    wp.fail_next_creates(&[500, 503, 500]);
    let job = run_now(&app, &site).await;
    let (state, attempt, error) = wait_for_step(&app, &job, "failed").await;
    assert_eq!(
        (state.as_str(), attempt),
        ("dead", 3),
        "three attempts (JOB_MAX_ATTEMPTS), then dead"
    );
    assert!(error.unwrap().contains("Gave up after 3 attempts"));
    assert_eq!(wp.create_calls(), 3);
    assert!(wp.posts().is_empty());
    let failed = jobs(&app, "failed").await;
    assert_eq!(failed["total"], 1, "a dead job stays visible");

    assert_eq!(app.call_json("content/retry", &[("job_id", &job)]).await.0, 200);
    wait_for_step(&app, &job, "published").await;
    assert_eq!(wp.posts().len(), 1);
    let (posts,): (i64,) = sqlx::query_as("select count(*) from post where job_id = $1")
        .bind(&job)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(posts, 1, "a retry publishes the stored post, it does not write another");
}

async fn refused_credentials_stop_at_once_and_flag_the_site(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let site = add_site(&app, &wp, "wrong pass word").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    let (state, attempt, error) = wait_for_step(&app, &job, "failed").await;
    assert_eq!((state.as_str(), attempt), ("dead", 1), "no retry after a 401");
    assert!(error.unwrap().contains("did not accept"));
    let (_, detail) = app
        .call_json("sites/get", &[("site_id", &site), ("viewer_zone", "UTC")])
        .await;
    assert_eq!(detail["site"]["connection"], "attention");
    let (status, body) = app
        .call_json("sites/automation", &[("site_id", &site), ("on", "true")])
        .await;
    assert_eq!(
        status, 422,
        "automation cannot start until the credentials are fixed: {body}"
    );
    assert_eq!(
        connection_outcome(&app, &site).await,
        (false, "Wrong credentials".into())
    );
    let (_, detail) = app
        .call_json("sites/get", &[("site_id", &site), ("viewer_zone", "UTC")])
        .await;
    assert_eq!(
        detail["site"]["connection"], "attention",
        "a failed re-test keeps the site flagged"
    );
    assert!(wp.posts().is_empty());
}

async fn connection_outcome(app: &TestApp, site: &str) -> (bool, String) {
    let (status, check) = app.call_json("sites/test", &[("site_id", site)]).await;
    assert_eq!(status, 200, "{check}");
    (
        check["ok"].as_bool().unwrap(),
        check["outcome"].as_str().unwrap().to_string(),
    )
}

async fn the_connection_test_names_each_outcome(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let (status, check) = app.call_json("sites/test", &[("site_id", &site)]).await;
    assert_eq!((status, check["ok"].clone()), (200, json!(true)));
    assert!(check["detail"].as_str().unwrap().contains("Edna Editor"), "{check}");
    wp.set_mode(Mode::AuthHeaderStripped);
    assert_eq!(
        connection_outcome(&app, &site).await,
        (false, "Authorization header stripped".into())
    );
    wp.set_mode(Mode::RestBlocked);
    assert_eq!(
        connection_outcome(&app, &site).await,
        (false, "REST API blocked".into())
    );
    wp.set_mode(Mode::NotWordPress);
    assert_eq!(
        connection_outcome(&app, &site).await,
        (false, "Not a WordPress site".into())
    );
    wp.set_mode(Mode::Normal);
    let wrong = add_site_named(&app, &wp.url, "Wrong").await;
    assert_eq!(
        connection_outcome(&app, &wrong).await,
        (false, "Wrong credentials".into())
    );
    let closed = add_site_named(&app, "http://127.0.0.1:9", "Closed").await;
    assert_eq!(connection_outcome(&app, &closed).await, (false, "Unreachable".into()));
    let (_, closed_check) = app.call_json("sites/test", &[("site_id", &closed)]).await;

    // Without the operator's allowance, inward addresses are refused before any request.
    let strict = spawn_with(
        engine,
        &[("OUTBOUND_ALLOW_PRIVATE", "false"), ("AGENCY_POSTS_LIMIT", "5")],
    )
    .await;
    let site = app_with_site(&strict, &wp, "bo@example.com").await;
    let (_, check) = strict.call_json("sites/test", &[("site_id", &site)]).await;
    assert_eq!(check["outcome"], "Unreachable");
    assert_eq!(
        check["detail"], closed_check["detail"],
        "an inside address reads exactly like a closed one"
    );
}

/// A second site (agency-sized limits are not needed: free allows one, so
/// the plan is raised directly).
async fn add_site_named(app: &TestApp, url: &str, name: &str) -> String {
    sqlx::query("update tenant set plan = 'agency'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, id) = app
        .call_json(
            "sites/add",
            &[
                ("name", name),
                ("url", url),
                ("username", USERNAME),
                ("password", "nope"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_string()
}

async fn another_workspace_cannot_see_or_act_on_sites_jobs_or_posts(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("review", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    let post = post_awaiting_review(&app, &job).await;

    let other = spawn_on(&app.database_url, &[("RUN_WORKER", "false")]).await;
    other.sign_up("eve@example.com", PASSWORD, "Evil").await;
    for (endpoint, args) in [
        ("sites/get", vec![("site_id", site.as_str()), ("viewer_zone", "UTC")]),
        ("sites/test", vec![("site_id", site.as_str())]),
        ("sites/delete", vec![("site_id", site.as_str())]),
        ("sites/automation", vec![("site_id", site.as_str()), ("on", "true")]),
        ("content/run_now", vec![("site_id", site.as_str())]),
        ("content/post", vec![("post_id", post.as_str())]),
        ("content/retry", vec![("job_id", job.as_str())]),
        ("content/reject", vec![("post_id", post.as_str())]),
    ] {
        let (status, body) = other.call_json(endpoint, &args).await;
        assert_eq!(status, 404, "{endpoint} must not reach another workspace: {body}");
    }
    let (_, approved) = other
        .call_with_json("content/approve", &json!({ "post_ids": [post] }))
        .await;
    assert_eq!(approved, json!(0));
    assert_eq!(jobs(&other, "all").await["total"], 0);
    let (_, sites) = other.call_json("sites/list", &[]).await;
    assert_eq!(sites, json!([]));
    assert_eq!(jobs(&app, "review").await["total"], 1, "the owner's post is untouched");
}

async fn the_stored_password_cannot_be_read_back(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let (sealed,): (String,) = sqlx::query_as("select password_sealed from site where id = $1")
        .bind(&site)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // Sealed text is hex, so a short lowercase word can turn up by chance;
    // the password itself, or its bytes in hex, cannot.
    let in_hex: String = APP_PASSWORD.bytes().map(|b| format!("{b:02x}")).collect();
    assert!(
        !sealed.contains(APP_PASSWORD) && !sealed.contains("EFGH") && !sealed.contains(&in_hex[..16]),
        "stored sealed, not in clear"
    );
    let (_, detail) = app
        .call_json("sites/get", &[("site_id", &site), ("viewer_zone", "UTC")])
        .await;
    let (_, list) = app.call_json("sites/list", &[]).await;
    let page = app.page_html(&format!("/app/sites/{site}")).await;
    for text in [detail.to_string(), list.to_string(), page] {
        assert!(
            !text.contains("EFGH") && !text.contains(&sealed[3..20]),
            "the password leaked: {text}"
        );
    }
    // Editing without a password keeps the stored one.
    let (status, _) = app
        .call_json(
            "sites/update",
            &[
                ("site_id", &site),
                ("name", "Renamed"),
                ("url", &wp.url),
                ("username", USERNAME),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(connection_outcome(&app, &site).await, (true, "Connected".into()));
    // The stored password is never sent to a new host without being typed again.
    let (status, body) = app
        .call_json(
            "sites/update",
            &[
                ("site_id", &site),
                ("name", "Renamed"),
                ("url", "https://attacker.example"),
                ("username", USERNAME),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // A sealed value copied to another workspace's site does not open there.
    let other = spawn_on(&app.database_url, &[("RUN_WORKER", "false")]).await;
    other.sign_up("eve@example.com", PASSWORD, "Evil").await;
    let theirs = add_site(&other, &wp, "guess").await;
    sqlx::query("update site set password_sealed = $1 where id = $2")
        .bind(&sealed)
        .bind(&theirs)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, _) = other.call_json("sites/test", &[("site_id", &theirs)]).await;
    assert_eq!(status, 500, "the copied credential does not decrypt");
}

async fn quotas_stop_jobs_at_enqueue_and_before_generating(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("FREE_POSTS_LIMIT", "1")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    wait_for_step(&app, &job, "published").await;
    let (status, body) = app.call_json("content/run_now", &[("site_id", &site)]).await;
    assert_eq!(status, 409);
    assert!(
        body["Conflict"].as_str().unwrap_or_default().contains("Quota reached"),
        "{body}"
    );

    // A job enqueued before the limit was reached (say, before a downgrade)
    // is stopped before it spends anything.
    let tenant: (String,) = sqlx::query_as("select tenant_id from site where id = $1")
        .bind(&site)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let late = "late-job";
    sqlx::query(
        "insert into job (id, tenant_id, subject_id, kind, slot, state, step, max_attempts, run_at_ms, created_at, updated_at) \
         values ($1, $2, $3, 'post', 1, 'queued', 'queued', 3, 0, 0, 0)",
    )
    .bind(late)
    .bind(&tenant.0)
    .bind(&site)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (state, _, error) = wait_for_step(&app, late, "quota").await;
    assert_eq!(state, "done");
    assert!(error.unwrap().contains("1 posts a month"));
    assert_eq!(wp.posts().len(), 1);
    let (_, usage) = app.call_json("content/usage", &[]).await;
    assert_eq!(
        (usage["posts_this_month"].clone(), usage["posts_limit"].clone()),
        (json!(1), json!(1))
    );
    let (status, _) = app
        .call_json(
            "sites/add",
            &[
                ("name", "Second"),
                ("url", &wp.url),
                ("username", USERNAME),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(status, 409, "the free plan has one site");
}

async fn settings_are_validated_and_preview_the_next_runs(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let mut bad = settings("review", "publish");
    bad["schedule_kind"] = json!("cron");
    bad["schedule_cron"] = json!("every day");
    let (status, body) = save_settings(&app, &site, bad).await;
    assert_eq!(status, 422, "{body}");
    let mut bad = settings("review", "publish");
    bad["time_zone"] = json!("Mars/Olympus");
    let (status, body) = save_settings(&app, &site, bad).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("Mars/Olympus"), "{body}");
    let (_, detail) = app
        .call_json("sites/get", &[("site_id", &site), ("viewer_zone", "UTC")])
        .await;
    assert_eq!(detail["settings"]["time_zone"], "UTC", "nothing was saved");

    let (status, runs) = app
        .call_json(
            "sites/preview",
            &[
                ("kind", "daily"),
                ("times", "09:00"),
                ("cron", ""),
                ("time_zone", "Europe/Berlin"),
                ("viewer_zone", "America/New_York"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{runs}");
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 5);
    assert!(runs[0]["in_site_zone"].as_str().unwrap().contains("09:00"));
    assert!(
        runs[0]["in_viewer_zone"].as_str().unwrap().contains("03:00")
            || runs[0]["in_viewer_zone"].as_str().unwrap().contains("04:00")
    );
}
