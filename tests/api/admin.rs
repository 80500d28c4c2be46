//! The admin console: who may see it, suspensions, limit overrides, the
//! support view, the job inspector, health, the audit log, metrics and
//! request ids, on both engines.

use crate::automation::{app_with_site, run_now, start_with_a_due_slot};
use crate::fake_wordpress::FakeWordPress;
use crate::helpers::{spawn, spawn_with, state_on, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::{json, Value};

on_both_engines!(
    admin_pages_and_functions_are_404_to_everyone_else,
    a_suspended_user_cannot_sign_in_and_their_session_ends,
    a_suspended_workspace_enqueues_nothing_and_refuses_run_now,
    an_override_from_the_admin_functions_changes_the_effective_limit,
    the_support_view_is_read_only_with_a_banner_and_an_audited_reason,
    the_job_inspector_filters_retries_and_cancels,
    health_reports_workers_the_queue_and_failures,
    admin_lists_search_filter_and_page,
    the_audit_log_records_who_did_what_and_from_where,
    the_audit_log_is_the_workspace_s_own_paged_and_downloadable,
    metrics_count_requests_and_jobs_behind_a_token,
    metrics_can_be_served_on_their_own_address,
    every_request_has_an_id_and_a_wrong_password_is_not_an_error,
);

const ADMIN: &str = "root@example.com";

/// Signs up `email` and makes them a platform admin; returns their cookie.
async fn sign_up_admin(app: &TestApp) -> Option<String> {
    app.set_cookie(None);
    app.sign_up(ADMIN, PASSWORD, "Operations").await;
    sqlx::query("update app_user set is_platform_admin = 1 where email = $1")
        .bind(ADMIN)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.cookie()
}

/// Signs up a member in a fresh browser; returns their cookie.
async fn sign_up_member(app: &TestApp, email: &str, workspace: &str) -> Option<String> {
    app.set_cookie(None);
    let (status, body) = app.sign_up(email, PASSWORD, workspace).await;
    assert_eq!(status, 200, "{body}");
    app.cookie()
}

async fn tenant_of(app: &TestApp, email: &str) -> String {
    let (id,): (String,) =
        sqlx::query_as("select m.tenant_id from membership m join app_user u on u.id = m.user_id where u.email = $1")
            .bind(email)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    id
}

async fn user_id_of(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("select id from app_user where email = $1")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    id
}

/// Audit entries with this action: (actor email, tenant id, detail, ip).
async fn audited(app: &TestApp, action: &str) -> Vec<(String, Option<String>, String, String)> {
    sqlx::query_as("select actor_email, tenant_id, detail, ip from audit_log where action = $1 order by at, id")
        .bind(action)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

const ADMIN_PAGES: [&str; 8] = [
    "/app/admin",
    "/app/admin/health",
    "/app/admin/users",
    "/app/admin/workspaces",
    "/app/admin/workspaces/00000000-0000-0000-0000-000000000001",
    "/app/admin/jobs",
    "/app/admin/mail",
    "/app/admin/audit",
];

async fn admin_functions(app: &TestApp) -> Vec<(String, u16)> {
    let mut answers = Vec::new();
    for (endpoint, body) in [
        (
            "admin/users",
            json!({ "filter": {"q": "", "status": "", "created_days": 0}, "page": 1 }),
        ),
        (
            "admin/workspaces",
            json!({ "filter": {"q": "", "plan": null, "status": "", "created_days": 0, "dunning": false}, "page": 1 }),
        ),
        (
            "admin/jobs",
            json!({ "filter": {"state": "", "kind": "", "workspace": "", "site": "", "older_than_hours": 0}, "page": 1 }),
        ),
        (
            "admin/audit",
            json!({ "filter": {"action": null, "actor": "", "days": 0, "workspace": null}, "page": 1 }),
        ),
    ] {
        answers.push((endpoint.to_string(), app.call_with_json(endpoint, &body).await.0));
    }
    for (endpoint, form) in [
        ("admin/outbox", vec![]),
        ("admin/health", vec![]),
        ("admin/figures", vec![]),
        ("admin/workspace", vec![("id", "x")]),
        (
            "admin/user-suspension",
            vec![("user_id", "x"), ("suspend", "true"), ("reason", "spam spam")],
        ),
        (
            "admin/workspace-suspension",
            vec![("workspace_id", "x"), ("suspend", "true"), ("reason", "spam spam")],
        ),
        ("admin/job", vec![("job_id", "x"), ("action", "retry")]),
        (
            "admin/support-view",
            vec![("workspace_id", "x"), ("reason", "ticket 1")],
        ),
        ("admin/workspace-limits", vec![("workspace_id", "x"), ("posts", "5")]),
    ] {
        answers.push((endpoint.to_string(), app.call_json(endpoint, &form).await.0));
    }
    answers
}

async fn admin_pages_and_functions_are_404_to_everyone_else(engine: Engine) {
    let app = spawn(engine).await;
    let member = sign_up_member(&app, "ada@example.com", "Acme").await;
    let admin = sign_up_admin(&app).await;
    for who in [None, member] {
        app.as_user(&who);
        for page in ADMIN_PAGES {
            let res = app.get(page).await;
            assert_eq!(res.status(), 404, "{page} for {who:?}");
        }
        assert_eq!(app.get("/admin/health").await.status(), 404);
        for (endpoint, status) in admin_functions(&app).await {
            assert_eq!(status, 404, "{endpoint} for {who:?}");
        }
    }
    app.as_user(&admin);
    for page in &ADMIN_PAGES[..4] {
        let res = app.get(page).await;
        assert_eq!(res.status(), 200, "{page} for the admin");
    }
    let html = app.page_html("/app/admin").await;
    assert!(
        html.contains("data-testid=\"chart-plans\""),
        "business figures are charts"
    );
    assert!(html.contains("<svg"), "drawn as SVG");
    let (status, users) = app
        .call_with_json(
            "admin/users",
            &json!({ "filter": {"q": "ada", "status": "", "created_days": 0}, "page": 1 }),
        )
        .await;
    assert_eq!(status, 200, "{users}");
    assert_eq!(users["total"], 1);
}

async fn a_suspended_user_cannot_sign_in_and_their_session_ends(engine: Engine) {
    let app = spawn(engine).await;
    let member = sign_up_member(&app, "ada@example.com", "Acme").await;
    let admin = sign_up_admin(&app).await;
    let ada = user_id_of(&app, "ada@example.com").await;

    let suspend = |reason: &'static str| {
        let ada = ada.clone();
        let app = &app;
        async move {
            app.call_json(
                "admin/user-suspension",
                &[("user_id", ada.as_str()), ("suspend", "true"), ("reason", reason)],
            )
            .await
        }
    };
    assert_eq!(suspend("no").await.0, 422, "a reason is required");
    let (status, body) = suspend("Spam reported by three sites").await;
    assert_eq!(status, 200, "{body}");
    let admin_id = user_id_of(&app, ADMIN).await;
    let (status, _) = app
        .call_json(
            "admin/user-suspension",
            &[
                ("user_id", admin_id.as_str()),
                ("suspend", "true"),
                ("reason", "by mistake"),
            ],
        )
        .await;
    assert_eq!(status, 409, "an admin cannot lock themselves out");

    app.as_user(&member);
    let res = app.get("/app/content").await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "/login?notice=suspended",
        "the open session ends with a reason"
    );
    assert_eq!(app.call_json("content/usage", &[]).await.0, 401, "and stays ended");
    let login = app.page_html("/login?notice=suspended").await;
    assert!(
        login.contains("this account has been suspended"),
        "the log-in page says why"
    );

    let (status, body) = app.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("suspended"), "{body}");
    let (_, body) = app.log_in("ada@example.com", "not the password at all").await;
    assert!(
        !body.to_string().contains("suspended"),
        "only the right password learns of it: {body}"
    );

    app.as_user(&admin);
    let (status, _) = app
        .call_json(
            "admin/user-suspension",
            &[("user_id", ada.as_str()), ("suspend", "false"), ("reason", "")],
        )
        .await;
    assert_eq!(status, 200);
    app.set_cookie(None);
    assert_eq!(
        app.log_in("ada@example.com", PASSWORD).await.0,
        200,
        "lifting it restores sign-in"
    );
    app.as_user(&member);
    assert_eq!(
        app.call_json("content/usage", &[]).await.0,
        401,
        "the old session stays ended"
    );

    let suspended = audited(&app, "user_suspended").await;
    assert_eq!(suspended.len(), 1);
    assert_eq!(suspended[0].0, ADMIN);
    assert_eq!(suspended[0].2, "Spam reported by three sites");
    assert_eq!(suspended[0].3, "127.0.0.1");
    assert_eq!(audited(&app, "user_unsuspended").await.len(), 1);
}

async fn a_suspended_workspace_enqueues_nothing_and_refuses_run_now(engine: Engine) {
    use autopilot::server::queue::{claim, ClaimLimits};
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let member = app.cookie();
    let queued = run_now(&app, &site).await;
    let settings = crate::automation::settings("review", "publish");
    assert_eq!(crate::automation::save_settings(&app, &site, settings).await.0, 200);
    let slot = start_with_a_due_slot(&app, &site).await;
    let tenant = tenant_of(&app, "ada@example.com").await;
    let admin = sign_up_admin(&app).await;
    let (status, body) = app
        .call_json(
            "admin/workspace-suspension",
            &[
                ("workspace_id", tenant.as_str()),
                ("suspend", "true"),
                ("reason", "Unpaid abuse report"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let state = state_on(&app.database_url, &[]).await;
    let kinds = autopilot::server::services::job_kinds();
    let added = autopilot::server::scheduler::enqueue_due(&state, &kinds).await.unwrap();
    assert_eq!(added, 0, "the due slot enqueues nothing");
    let limits = ClaimLimits {
        batch: 10,
        workspace_cap: 10,
        lease: std::time::Duration::from_secs(60),
        kinds: &["post"],
    };
    assert!(
        claim(&app.db, "w", limits).await.unwrap().is_empty(),
        "its queued job waits"
    );

    app.as_user(&member);
    let (status, body) = app.call_json("content/run_now", &[("site_id", site.as_str())]).await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("suspended"), "{body}");
    let (status, _) = app
        .call_json("sites/automation", &[("site_id", site.as_str()), ("on", "false")])
        .await;
    assert_eq!(status, 409, "nothing in it can be changed");
    assert_eq!(app.call_json("content/usage", &[]).await.0, 200, "but it can be read");
    let html = app.page_html("/app").await;
    assert!(html.contains("data-testid=\"suspension-banner\""), "members see why");
    assert!(
        html.contains("Unpaid abuse report") && html.contains("write to"),
        "and whom to contact"
    );

    app.as_user(&admin);
    let (status, _) = app
        .call_json(
            "admin/workspace-suspension",
            &[("workspace_id", tenant.as_str()), ("suspend", "false"), ("reason", "")],
        )
        .await;
    assert_eq!(status, 200);
    let claimed = claim(&app.db, "w", limits).await.unwrap();
    assert_eq!(claimed.len(), 1, "lifting it lets the queued job run");
    assert_eq!(claimed[0].id.as_str(), queued);
    let added = autopilot::server::scheduler::enqueue_due(&state, &kinds).await.unwrap();
    assert_eq!(added, 1, "and the schedule runs again");
    let _ = slot;
    assert_eq!(
        audited(&app, "workspace_suspended").await[0].1.as_deref(),
        Some(tenant.as_str())
    );
    assert_eq!(audited(&app, "workspace_unsuspended").await.len(), 1);
}

async fn sites_limit(app: &TestApp) -> i64 {
    let (status, usage) = app.call_json("content/usage", &[]).await;
    assert_eq!(status, 200, "{usage}");
    usage["sites_limit"].as_i64().unwrap()
}

async fn an_override_from_the_admin_functions_changes_the_effective_limit(engine: Engine) {
    let app = spawn(engine).await;
    let member = sign_up_member(&app, "ada@example.com", "Acme").await;
    let tenant = tenant_of(&app, "ada@example.com").await;
    assert_eq!(sites_limit(&app).await, 1, "the Free plan's");
    let admin = sign_up_admin(&app).await;
    let (status, body) = app
        .call_json(
            "admin/workspace-limits",
            &[("workspace_id", tenant.as_str()), ("sites", "7")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call_json(
            "admin/workspace-limits",
            &[("workspace_id", tenant.as_str()), ("sites", "-1")],
        )
        .await;
    assert_eq!(status, 422, "limits are checked");
    let (_, detail) = app.call_json("admin/workspace", &[("id", tenant.as_str())]).await;
    assert_eq!(detail["overrides"]["sites"], 7, "{detail}");
    app.as_user(&member);
    assert_eq!(sites_limit(&app).await, 7);
    let entry = &audited(&app, "limits_overridden").await[0];
    assert_eq!(entry.0, ADMIN);
    assert!(entry.2.contains("sites: 7"), "{entry:?}");
    let filter =
        json!({ "filter": {"action": "limits_overridden", "actor": "", "days": 0, "workspace": null}, "page": 1 });
    let (status, page) = app.call_with_json("audit", &filter).await;
    assert_eq!(status, 200, "{page}");
    let shown = &page["entries"][0];
    assert_eq!(
        shown["actor"], "Autopilot support",
        "the workspace does not learn who on staff: {shown}"
    );
    assert_eq!(shown["ip"], "", "nor from where");
    let _ = admin;
}

async fn the_support_view_is_read_only_with_a_banner_and_an_audited_reason(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let tenant = tenant_of(&app, "ada@example.com").await;
    sign_up_admin(&app).await;
    let (status, _) = app
        .call_json(
            "admin/support-view",
            &[("workspace_id", tenant.as_str()), ("reason", "hm")],
        )
        .await;
    assert_eq!(status, 422, "a reason is required");
    let (status, body) = app
        .call_json(
            "admin/support-view",
            &[
                ("workspace_id", tenant.as_str()),
                ("reason", "Ticket 4521: posts missing"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let html = app.page_html("/app/sites").await;
    assert!(
        html.contains("data-testid=\"support-view-banner\""),
        "a banner on every page"
    );
    assert!(html.contains("Garden blog"), "the workspace as its owner sees it");
    assert_eq!(app.me().await["workspace"]["id"], tenant.as_str());
    let (status, _) = app.call_json("content/usage", &[]).await;
    assert_eq!(status, 200, "reading works");
    for (endpoint, form) in [
        ("content/run_now", vec![("site_id", site.as_str())]),
        ("sites/delete", vec![("site_id", site.as_str())]),
        ("billing/plan", vec![("plan", "pro")]),
        ("sites/automation", vec![("site_id", site.as_str()), ("on", "true")]),
    ] {
        let (status, body) = app.call_json(endpoint, &form).await;
        assert_eq!(status, 403, "{endpoint} is refused: {body}");
    }
    assert_eq!(app.count("select count(*) from site").await, 1, "nothing changed");
    assert_eq!(app.count("select count(*) from job").await, 0);

    let (status, _) = app.call_json("admin/support-view/close", &[]).await;
    assert_eq!(status, 200);
    assert_ne!(
        app.me().await["workspace"]["id"],
        tenant.as_str(),
        "back to the admin's own workspace"
    );
    let started = audited(&app, "support_view_started").await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].0, ADMIN);
    assert_eq!(started[0].2, "Ticket 4521: posts missing");
    assert_eq!(audited(&app, "support_view_ended").await.len(), 1);
}

async fn the_job_inspector_filters_retries_and_cancels(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let job = run_now(&app, &site).await;
    let tenant = tenant_of(&app, "ada@example.com").await;
    sign_up_admin(&app).await;
    let list = |state: &'static str, workspace: String| {
        let app = &app;
        async move {
            let filter = json!({ "filter": {"state": state, "kind": "", "workspace": workspace, "site": "", "older_than_hours": 0}, "page": 1 });
            let (status, page) = app.call_with_json("admin/jobs", &filter).await;
            assert_eq!(status, 200, "{page}");
            page
        }
    };
    assert_eq!(list("queued", tenant.clone()).await["total"], 1);
    assert_eq!(list("queued", "someone-else".into()).await["total"], 0);
    assert_eq!(list("dead", String::new()).await["total"], 0);

    let act = |action: &'static str| {
        let (app, job) = (&app, job.clone());
        async move {
            app.call_json("admin/job", &[("job_id", job.as_str()), ("action", action)])
                .await
        }
    };
    assert_eq!(act("retry").await.0, 409, "only dead jobs are retried");
    assert_eq!(act("cancel").await.0, 200);
    let page = list("dead", String::new()).await;
    assert_eq!(page["rows"][0]["last_error"], "Cancelled by an administrator.");
    assert_eq!(act("cancel").await.0, 409, "a finished job cannot be cancelled");
    assert_eq!(act("retry").await.0, 200);
    assert_eq!(list("queued", String::new()).await["total"], 1);
    assert_eq!(
        audited(&app, "job_cancelled").await[0].1.as_deref(),
        Some(tenant.as_str())
    );
    assert_eq!(audited(&app, "job_retried").await[0].0, ADMIN);
}

async fn health_reports_workers_the_queue_and_failures(engine: Engine) {
    let app = spawn(engine).await;
    sign_up_admin(&app).await;
    let mut health = Value::Null;
    for _ in 0..100 {
        let res = app.get_with("/admin/health", &[]).await;
        assert_eq!(res.status(), 200);
        health = res.json().await.unwrap();
        if health["workers"].as_array().is_some_and(|w| !w.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(health["workers"][0]["pid"], std::process::id() as i64, "{health}");
    assert!(health["database_latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(
        health["queue"].as_array().unwrap().len(),
        5,
        "every state, zero included"
    );
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert!(health["uptime_seconds"].as_i64().unwrap() >= 0);
    assert_eq!(health["dead_jobs_24h"], 0);
    let html = app.page_html("/app/admin/health").await;
    assert!(html.contains("data-testid=\"workers\"") && html.contains("data-testid=\"chart-queue\""));
}

async fn admin_lists_search_filter_and_page(engine: Engine) {
    let app = spawn(engine).await;
    sign_up_admin(&app).await;
    for i in 0..30 {
        let (user, tenant) = (format!("u{i:02}"), format!("t{i:02}"));
        sqlx::query("insert into app_user (id, email, name, password_hash, created_at) values ($1, $2, $3, 'x', $4)")
            .bind(&user)
            .bind(format!("writer{i:02}@example.com"))
            .bind(format!("Writer {i}"))
            .bind(1_000 + i)
            .execute(&app.db.pool)
            .await
            .unwrap();
        sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $2, $3, $4)")
            .bind(&tenant)
            .bind(format!("Blog {i:02}"))
            .bind(if i % 3 == 0 { "pro" } else { "free" })
            .bind(1_000 + i)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "insert into billing (tenant_id, status, payment_failed_at, updated_at) values ('t04', 'past_due', 5, 5)",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let users = |q: &'static str, status: &'static str, page: i64| {
        let app = &app;
        async move {
            let body = json!({ "filter": {"q": q, "status": status, "created_days": 0}, "page": page });
            app.call_with_json("admin/users", &body).await.1
        }
    };
    let first = users("writer", "", 1).await;
    assert_eq!((first["total"].as_i64(), first["pages"].as_i64()), (Some(30), Some(2)));
    assert_eq!(first["rows"].as_array().unwrap().len(), 25);
    assert_eq!(first["rows"][0]["email"], "writer29@example.com", "newest first");
    assert_eq!(users("writer", "", 2).await["rows"].as_array().unwrap().len(), 5);
    assert_eq!(users("WRITER07", "", 1).await["total"], 1, "search ignores case");
    assert_eq!(users("%", "", 1).await["total"], 31, "wildcards are not special");
    let (status, _) = app
        .call_json(
            "admin/user-suspension",
            &[("user_id", "u03"), ("suspend", "true"), ("reason", "test suspension")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        users("", "suspended", 1).await["rows"][0]["email"],
        "writer03@example.com"
    );
    assert_eq!(users("", "active", 1).await["total"], 30);

    let workspaces = |filter: Value| {
        let app = &app;
        async move {
            app.call_with_json("admin/workspaces", &json!({ "filter": filter, "page": 1 }))
                .await
                .1
        }
    };
    let all = json!({"q": "", "plan": null, "status": "", "created_days": 0, "dunning": false});
    assert_eq!(
        workspaces(all.clone()).await["total"],
        31,
        "the platform's own row is not a workspace"
    );
    let pro = json!({"q": "", "plan": "pro", "status": "", "created_days": 0, "dunning": false});
    assert_eq!(workspaces(pro).await["total"], 10);
    let dunning = json!({"q": "", "plan": null, "status": "", "created_days": 0, "dunning": true});
    let page = workspaces(dunning).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["name"], "Blog 04");
    assert_eq!(page["rows"][0]["in_dunning"], true);
    let recent = json!({"q": "", "plan": null, "status": "", "created_days": 7, "dunning": false});
    assert_eq!(workspaces(recent).await["total"], 1, "only the admin's own is recent");
    let html = app.page_html("/app/admin/workspaces?plan=pro").await;
    assert_eq!(html.matches("data-testid=\"admin-workspace-row\"").count(), 10);
}

async fn the_audit_log_records_who_did_what_and_from_where(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let tenant = tenant_of(&app, "ada@example.com").await;
    let (status, _) = app
        .call_json(
            "sites/update",
            &[
                ("site_id", site.as_str()),
                ("name", "Garden blog"),
                ("url", &wp.url),
                ("username", "writer"),
                ("password", "abcd efgh ijkl mnop qrst uvwx"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.call_json("billing/plan", &[("plan", "pro")]).await.0, 200);
    assert_eq!(
        app.call_json("sites/delete", &[("site_id", site.as_str())]).await.0,
        200
    );
    app.set_cookie(None);
    assert_eq!(app.log_in("ada@example.com", "wrong wrong wrong").await.0, 422);
    assert_eq!(app.log_in("ada@example.com", PASSWORD).await.0, 200);
    app.call_json("auth/request_password_reset", &[("email", "ada@example.com")])
        .await;
    let token = app.mailed_token(crate::helpers::RESET, "ada@example.com").await;
    let (status, _) = app
        .call_json(
            "auth/reset_password",
            &[("token", &token), ("password", "another long secret")],
        )
        .await;
    assert_eq!(status, 200);

    for (action, actor, workspace) in [
        ("site_added", "ada@example.com", true),
        ("site_credentials_changed", "ada@example.com", true),
        ("plan_changed", "ada@example.com", true),
        ("site_removed", "ada@example.com", true),
        ("sign_in_failed", "", false),
        ("signed_in", "ada@example.com", false),
        ("password_reset", "ada@example.com", false),
    ] {
        let entries = audited(&app, action).await;
        assert_eq!(entries.len(), 1, "{action}: {entries:?}");
        let (who, tenant_id, _, ip) = &entries[0];
        assert_eq!(who, actor, "{action}");
        assert_eq!(ip, "127.0.0.1", "{action}");
        assert_eq!(tenant_id.as_deref() == Some(tenant.as_str()), workspace, "{action}");
    }
    let changed = &audited(&app, "site_credentials_changed").await[0].2;
    assert!(changed.contains("username, application password"), "{changed}");
    assert!(!changed.contains("abcd"), "never the secret: {changed}");
    assert_eq!(audited(&app, "plan_changed").await[0].2, "free → pro");
    assert_eq!(app.count("select count(*) from plan_change").await, 1);
    let request_ids = app
        .count("select count(*) from audit_log where request_id = '' and action <> 'plan_changed'")
        .await;
    assert_eq!(request_ids, 0, "each entry names its request");
}

async fn the_audit_log_is_the_workspace_s_own_paged_and_downloadable(engine: Engine) {
    let app = spawn(engine).await;
    let ada = sign_up_member(&app, "ada@example.com", "Acme").await;
    let tenant = tenant_of(&app, "ada@example.com").await;
    let other = sign_up_member(&app, "bob@example.com", "Other").await;
    for i in 0..60 {
        sqlx::query(
            "insert into audit_log (id, tenant_id, actor_email, action, detail, at) \
             values ($1, $2, 'ada@example.com', $3, $4, $5)",
        )
        .bind(format!("e{i:03}"))
        .bind(&tenant)
        .bind(if i % 2 == 0 { "site_added" } else { "site_removed" })
        .bind(if i == 59 {
            "=cmd|' /C calc'!A0".to_string()
        } else {
            format!("entry {i}")
        })
        .bind(autopilot::server::db::now() - 60 + i)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let list = |filter: Value, page: i64| {
        let app = &app;
        async move {
            app.call_with_json("audit", &json!({ "filter": filter, "page": page }))
                .await
        }
    };
    let everything = json!({"action": null, "actor": "", "days": 0, "workspace": null});
    app.as_user(&other);
    let (status, page) = list(everything.clone(), 1).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 0, "another workspace's entries are not shown: {page}");
    let hijack = json!({"action": null, "actor": "", "days": 0, "workspace": tenant});
    assert_eq!(list(hijack, 1).await.1["total"], 0, "nor can they be asked for");

    app.as_user(&ada);
    let (_, page) = list(everything.clone(), 1).await;
    assert_eq!((page["total"].as_i64(), page["pages"].as_i64()), (Some(60), Some(2)));
    assert_eq!(page["entries"][0]["id"], "e059", "newest first");
    assert_eq!(list(everything, 2).await.1["entries"].as_array().unwrap().len(), 10);
    let removed = json!({"action": "site_removed", "actor": "", "days": 1, "workspace": null});
    assert_eq!(list(removed, 1).await.1["total"], 30);
    let nobody = json!({"action": null, "actor": "bob", "days": 0, "workspace": null});
    assert_eq!(list(nobody, 1).await.1["total"], 0);

    let res = app.get("/app/audit/export.csv?action=site_added").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "time_utc,actor,action,target,detail,ip,request_id");
    assert_eq!(lines.len(), 31, "header and the 30 matching entries");
    let all = app.get("/app/audit/export.csv").await.text().await.unwrap();
    assert!(
        all.contains("'=cmd"),
        "a formula is defused: {}",
        all.lines().nth(1).unwrap()
    );
    let html = app.page_html("/app/audit?action=site_removed").await;
    assert_eq!(html.matches("data-testid=\"audit-entry\"").count(), 30);

    // A manager may not read the log; membership made directly, as invitations come later.
    let bob = user_id_of(&app, "bob@example.com").await;
    sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, 'manager', 0)")
        .bind(&tenant)
        .bind(&bob)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.as_user(&other);
    let (status, _) = app
        .call_json("workspaces/switch", &[("workspace_id", tenant.as_str())])
        .await;
    assert_eq!(status, 200);
    let (status, _) = list(json!({"action": null, "actor": "", "days": 0, "workspace": null}), 1).await;
    assert_eq!(status, 403);
    assert_eq!(app.get("/app/audit/export.csv").await.status(), 403);
}

/// The value of a counter or histogram count in Prometheus text, summed
/// over the lines that carry every label given.
fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && labels.iter().all(|lab| l.contains(lab)))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum()
}

async fn metrics_count_requests_and_jobs_behind_a_token(engine: Engine) {
    let token = "scrape-token-0123456789";
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("METRICS_TOKEN", token)]).await;
    assert_eq!(app.get_with("/metrics", &[]).await.status(), 404);
    assert_eq!(
        app.get_with("/metrics", &[("authorization", "Bearer wrong-token-000000000")])
            .await
            .status(),
        404
    );
    let bearer = format!("Bearer {token}");
    let scrape = || {
        let (app, bearer) = (&app, bearer.clone());
        async move {
            let res = app.get_with("/metrics", &[("authorization", &bearer)]).await;
            assert_eq!(res.status(), 200);
            res.text().await.unwrap()
        }
    };
    let before = scrape().await;
    assert_eq!(app.get_with("/healthz", &[]).await.status(), 200);
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    let job = run_now(&app, &site).await;
    crate::automation::wait_for_step(&app, &job, "awaiting_review").await;
    let after = scrape().await;
    let healthz = ["route=\"/healthz\"", "status=\"200\""];
    assert!(metric(&after, "http_requests_total", &healthz) > metric(&before, "http_requests_total", &healthz));
    assert!(
        metric(&after, "http_request_duration_seconds_count", &healthz)
            > metric(&before, "http_request_duration_seconds_count", &healthz),
        "with a latency histogram"
    );
    assert!(
        after.contains("http_request_duration_seconds_bucket{"),
        "buckets, not a summary"
    );
    let post = ["kind=\"post\""];
    assert!(
        metric(&after, "jobs_total", &post) > metric(&before, "jobs_total", &post),
        "{after}"
    );
    assert!(metric(&after, "job_start_delay_seconds_count", &["kind=\"post\""]) >= 1.0);
    assert!(after.contains("job_queue_depth{state=\"queued\"}"));
    assert!(after.contains("db_pool_connections{state=\"in_use\"}"));
    assert!(
        metric(&after, "mails_total", &["status=\"kept\""]) >= 1.0,
        "the confirmation mail"
    );
}

async fn metrics_can_be_served_on_their_own_address(engine: Engine) {
    let app = spawn_with(engine, &[("METRICS_ADDR", "127.0.0.1:0")]).await;
    let own = app.metrics_base.clone().expect("a metrics listener");
    let text = reqwest::get(format!("{own}/metrics")).await.unwrap();
    assert_eq!(text.status(), 200);
    assert!(text.text().await.unwrap().contains("db_pool_max_connections"));
    assert_eq!(
        app.get_with("/metrics", &[]).await.status(),
        404,
        "not on the app's address"
    );
}

async fn every_request_has_an_id_and_a_wrong_password_is_not_an_error(engine: Engine) {
    crate::logs::capture();
    let direct = spawn(engine).await;
    let res = direct
        .get_with("/healthz", &[("x-request-id", "made-up-by-a-client")])
        .await;
    assert_ne!(
        res.headers()["x-request-id"],
        "made-up-by-a-client",
        "a client's own id is not believed"
    );
    drop(direct);
    let app = spawn_with(engine, &[("TRUST_X_FORWARDED_FOR", "true")]).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let res = app.get_with("/healthz", &[]).await;
    let made = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(made.len() >= 16, "one is made when none is sent: {made}");
    let res = app.get_with("/healthz", &[("x-request-id", "from-the-proxy-42")]).await;
    assert_eq!(
        res.headers()["x-request-id"],
        "from-the-proxy-42",
        "the operator's proxy's id is kept"
    );
    let res = app
        .get_with("/healthz", &[("x-request-id", "bad id with spaces")])
        .await;
    assert_ne!(res.headers()["x-request-id"], "bad id with spaces");

    let id = format!("wrong-password-{}", uuid::Uuid::new_v4().simple());
    let res = app
        .http_post_form(
            "/api/auth/log_in",
            &[("email", "ada@example.com"), ("password", "not it at all")],
            &id,
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["x-request-id"], id.as_str());
    let lines = crate::logs::lines_of(&id);
    assert!(
        lines
            .iter()
            .any(|l| l.message.contains("request refused") && l.level == tracing::Level::INFO),
        "the refusal is logged at INFO, under the request's id: {lines:?}"
    );
    assert!(
        lines.iter().all(|l| l.level > tracing::Level::WARN),
        "a wrong password is not an error: {lines:?}"
    );
}
