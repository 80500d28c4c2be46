//! The queue under stress: crashes, competing workers and schedulers, the
//! poll interval, and shutdown in the middle of a publish.

use crate::automation::{
    app_with_site, run_now, save_settings, settings, start_with_a_due_slot, wait_for_job, wait_for_step,
};
use crate::fake_wordpress::FakeWordPress;
use crate::helpers::{spawn, spawn_on, spawn_with, state_on, Engine, TEST_DEFAULTS};
use crate::on_both_engines;
use autopilot::app::types::{Step, TenantId};
use autopilot::server::queue::{self, ClaimLimits, NewJob, Start};
use std::collections::HashSet;
use std::process::{Child, Command};
use std::time::Duration;

on_both_engines!(
    a_worker_killed_mid_publish_leaves_exactly_one_post,
    two_workers_never_claim_one_job_twice,
    only_the_claim_that_holds_a_job_completes_or_hands_it_back,
    two_apps_on_one_database_publish_each_post_once,
    two_schedulers_fire_a_slot_once,
    the_workspace_cap_lets_other_workspaces_through,
    a_due_slot_waits_for_the_poll_while_a_run_now_wakes_the_worker,
    shutting_down_hands_a_hung_publish_back_to_the_queue,
);

fn start_worker(database_url: &str) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_autopilot"));
    command.arg("worker").env("DATABASE_URL", database_url);
    for (name, value) in TEST_DEFAULTS {
        command.env(name, value);
    }
    // A short lease, and WordPress calls that give up soon: a claim is held
    // through its create call, so a worker killed mid-create hands the job
    // on only once that call could no longer be running.
    command
        .env("WORKER_LEASE_SECONDS", "1")
        .env("WORDPRESS_TIMEOUT_SECONDS", "2")
        .spawn()
        .expect("the worker starts")
}

async fn a_worker_killed_mid_publish_leaves_exactly_one_post(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    wp.hang_after_create(true);
    let job = run_now(&app, &site).await;

    let mut first = start_worker(&app.database_url);
    tokio::time::timeout(Duration::from_secs(60), wp.wait_for_create_calls(1))
        .await
        .expect("the worker reaches WordPress");
    // The post now exists on WordPress, but the worker never heard back.
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(wp.posts().len(), 1);
    wp.hang_after_create(false);

    let mut second = start_worker(&app.database_url);
    wait_for_step(&app, &job, "published").await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(
        wp.posts().len(),
        1,
        "the restart found the post instead of creating another"
    );
    assert_eq!(wp.create_calls(), 1);
    let page = app
        .call_json("content/jobs", &[("list", "published"), ("site_id", ""), ("page", "1")])
        .await
        .1;
    assert_eq!(
        page["jobs"][0]["remote_url"],
        wp.posts()[0].link.as_str(),
        "the page shows its link"
    );
}

async fn noop_jobs(app: &crate::helpers::TestApp, tenants: usize, per_tenant: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for t in 0..tenants {
        let tenant = format!("bench-{t}");
        sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $1, 'free', 0)")
            .bind(&tenant)
            .execute(&app.db.pool)
            .await
            .unwrap();
        for slot in 0..per_tenant {
            let tenant_id = TenantId::new(tenant.as_str());
            let job = NewJob {
                tenant_id: &tenant_id,
                kind: "noop",
                subject_id: "",
                slot: slot as i64,
                run_at_ms: 0,
                max_attempts: 3,
            };
            ids.push(
                queue::enqueue(&app.db.pool, &job, Start::Queued)
                    .await
                    .unwrap()
                    .unwrap()
                    .to_string(),
            );
        }
    }
    ids
}

/// Claims of up to `batch` no-op jobs, `workspace_cap` per workspace, held a minute.
fn noop_limits(batch: usize, workspace_cap: i64) -> ClaimLimits<'static> {
    ClaimLimits {
        batch,
        workspace_cap,
        lease: Duration::from_secs(60),
        kinds: &["noop"],
    }
}

async fn only_the_claim_that_holds_a_job_completes_or_hands_it_back(engine: Engine) {
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    noop_jobs(&app, 2, 1).await;
    let limits = noop_limits(10, 10);
    // Claims whose leases then run out, and the claims after them.
    let stale = queue::claim(&app.db, "w", limits).await.unwrap();
    assert_eq!(stale.len(), 2);
    sqlx::query("update job set locked_until_ms = 1")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let fresh = queue::claim(&app.db, "w", limits).await.unwrap();
    assert_eq!(fresh.len(), 2, "the same process claims them again");
    let (first, second) = (fresh[0].claim(), fresh[1].claim());
    let before = stale
        .iter()
        .find(|j| j.id == first.job_id)
        .expect("the same job, claimed before");
    assert_ne!(before.lease_token, first.token, "each claim of a job has its own token");

    let late: Vec<_> = stale.iter().map(|j| (j.claim(), Step::Done)).collect();
    assert_eq!(
        queue::complete_many(&app.db, &late).await.unwrap(),
        0,
        "a stale claim completes nothing"
    );
    let stale_claims: Vec<_> = stale.iter().map(|j| j.claim()).collect();
    assert_eq!(queue::release(&app.db, &stale_claims, Duration::ZERO).await.unwrap(), 0);
    // One job's id with the other job's token names no claim.
    let crossed = queue::Claim {
        job_id: first.job_id.clone(),
        token: second.token.clone(),
    };
    assert_eq!(
        queue::complete_many(&app.db, &[(crossed, Step::Done)]).await.unwrap(),
        0
    );

    assert_eq!(queue::complete_many(&app.db, &[(first, Step::Done)]).await.unwrap(), 1);
    assert_eq!(queue::release(&app.db, &[second], Duration::ZERO).await.unwrap(), 1);
    assert_eq!(app.count("select count(*) from job where state = 'done'").await, 1);
    assert_eq!(app.count("select count(*) from job where state = 'queued'").await, 1);
}

async fn two_workers_never_claim_one_job_twice(engine: Engine) {
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let all = noop_jobs(&app, 10, 40).await;
    let mut workers = Vec::new();
    for w in 0..2 {
        let db = app.db.clone();
        workers.push(tokio::spawn(async move {
            let id = format!("worker-{w}");
            let limits = noop_limits(25, 100);
            let mut claimed = Vec::new();
            loop {
                let batch = queue::claim(&db, &id, limits).await.unwrap();
                if batch.is_empty() {
                    return claimed;
                }
                let finished: Vec<_> = batch.iter().map(|j| (j.claim(), Step::Done)).collect();
                assert_eq!(
                    queue::complete_many(&db, &finished).await.unwrap() as usize,
                    batch.len()
                );
                claimed.extend(batch.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for w in workers {
        let claimed = w.await.unwrap();
        total += claimed.len();
        seen.extend(claimed);
    }
    assert_eq!(total, all.len(), "every job claimed exactly once");
    assert_eq!(seen.len(), all.len());
    let done = app.count("select count(*) from job where state = 'done'").await;
    assert_eq!(done as usize, all.len());
}

async fn two_apps_on_one_database_publish_each_post_once(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("AGENCY_POSTS_LIMIT", "100")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    sqlx::query("update tenant set plan = 'agency'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let _second = spawn_on(&app.database_url, &[("AGENCY_POSTS_LIMIT", "100")]).await;
    let mut jobs = Vec::new();
    for slot in 0..8 {
        let tenant: (TenantId,) = sqlx::query_as("select tenant_id from site where id = $1")
            .bind(&site)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let job = NewJob {
            tenant_id: &tenant.0,
            kind: "post",
            subject_id: &site,
            slot,
            run_at_ms: 0,
            max_attempts: 3,
        };
        jobs.push(
            queue::enqueue(&app.db.pool, &job, Start::Queued)
                .await
                .unwrap()
                .unwrap()
                .to_string(),
        );
    }
    for job in &jobs {
        wait_for_step(&app, job, "published").await;
    }
    assert_eq!(wp.posts().len(), 8);
    assert_eq!(wp.create_calls(), 8);
    let slugs: HashSet<String> = wp.posts().into_iter().map(|p| p.slug).collect();
    assert_eq!(slugs.len(), 8);
}

async fn two_schedulers_fire_a_slot_once(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("review", "publish")).await.0, 200);
    let slot = start_with_a_due_slot(&app, &site).await;
    let state = state_on(&app.database_url, &[]).await;
    let ticks: Vec<_> = (0..4)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(async move {
                autopilot::server::scheduler::enqueue_due(&state, &autopilot::server::services::job_kinds())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut added = 0;
    for t in ticks {
        added += t.await.unwrap();
    }
    assert_eq!(added, 1);
    assert_eq!(app.count("select count(*) from job").await, 1);
    let (next,): (i64,) = sqlx::query_as("select next_run_at from schedule where subject_id = $1")
        .bind(&site)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(next > slot, "the schedule moved on to its next slot");
}

async fn the_workspace_cap_lets_other_workspaces_through(engine: Engine) {
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    // One workspace with a long backlog, queued first; another with one job.
    let mut busy = noop_jobs(&app, 1, 30).await;
    sqlx::query("insert into tenant (id, name, plan, created_at) values ('quiet', 'quiet', 'free', 0)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let quiet_tenant = TenantId::new("quiet");
    let quiet = NewJob {
        tenant_id: &quiet_tenant,
        kind: "noop",
        subject_id: "",
        slot: 0,
        run_at_ms: 1,
        max_attempts: 3,
    };
    let quiet_id = queue::enqueue(&app.db.pool, &quiet, Start::Queued)
        .await
        .unwrap()
        .unwrap();
    busy.sort();
    let limits = noop_limits(10, 2);
    let first = queue::claim(&app.db, "w1", limits).await.unwrap();
    assert_eq!(
        first.iter().filter(|j| j.tenant_id == "bench-0").count(),
        2,
        "the busy workspace is capped"
    );
    let second = queue::claim(&app.db, "w2", limits).await.unwrap();
    assert!(second.iter().any(|j| j.id == quiet_id) || first.iter().any(|j| j.id == quiet_id));
    assert!(
        second.iter().all(|j| j.tenant_id != "bench-0"),
        "still capped while two run"
    );
}

async fn a_due_slot_waits_for_the_poll_while_a_run_now_wakes_the_worker(engine: Engine) {
    let wp = FakeWordPress::start().await;
    // The worker's first poll comes at start-up, before the site exists; the next one not for ten minutes.
    let app = spawn_with(engine, &[("WORKER_POLL_SECONDS", "600")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("review", "publish")).await.0, 200);
    let slot = start_with_a_due_slot(&app, &site).await;
    let due_since = std::time::Instant::now();

    let manual = run_now(&app, &site).await;
    wait_for_step(&app, &manual, "awaiting_review").await;
    // Longer than the default poll (5 s), so an ignored setting would show.
    tokio::time::sleep(Duration::from_secs(6).saturating_sub(due_since.elapsed())).await;
    let (waiting,): (i64,) = sqlx::query_as("select count(*) from job where subject_id = $1 and slot = $2")
        .bind(&site)
        .bind(slot)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(waiting, 0, "the due slot waits for the next poll");

    // A process polling every 0.1 s (the test default) takes the same slot at once.
    let _brisk = spawn_on(&app.database_url, &[]).await;
    wait_for_job(&app, &site, slot).await;
}

async fn shutting_down_hands_a_hung_publish_back_to_the_queue(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    wp.hang_after_create(true);
    let job = run_now(&app, &site).await;
    tokio::time::timeout(Duration::from_secs(60), wp.wait_for_create_calls(1))
        .await
        .expect("the worker reaches WordPress");
    let db = app.db.clone();
    let (state, worker): (String, Option<String>) = sqlx::query_as("select state, worker_id from job where id = $1")
        .bind(&job)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(state, "running");
    assert!(worker.is_some());

    // The shutdown signal: the server stops, and its worker with it. Watched
    // well inside the 120 s lease, so only the shutdown can let go of the job.
    let stopped_at = autopilot::server::db::now_ms();
    drop(app);
    let mut row = None;
    for _ in 0..400 {
        let now: (String, Option<String>, Option<i64>, i64, i64) =
            sqlx::query_as("select state, worker_id, locked_until_ms, attempt, run_at_ms from job where id = $1")
                .bind(&job)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        if now.0 != "running" {
            row = Some(now);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (state, worker, locked_until, attempt, run_at_ms) = row.expect("the job was still running 40 s after shutdown");
    assert_eq!(state, "queued");
    assert_eq!((worker, locked_until), (None, None), "no worker holds it");
    assert_eq!(attempt, 0, "the interrupted attempt does not count");
    assert!(
        run_at_ms > stopped_at,
        "the next attempt waits for the hung request to settle"
    );
}
