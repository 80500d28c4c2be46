//! The job runner knows no business rule: any kind registered with it gets
//! the same retries with back-off, dead state after the last attempt and
//! per-workspace cap as the post job. Kinds defined here, outside the app,
//! show it; the platform's housekeeping sweep is the app's second kind.

use crate::helpers::{spawn, spawn_with, state_on, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use autopilot::app::types::{Step, TenantId};
use autopilot::server::auth::TenantContext;
use autopilot::server::db::now;
use autopilot::server::queue::{self, ClaimedJob, Done, Failure, JobKind, Kinds, Lease, NewJob, Start};
use autopilot::server::scheduler::Worker;
use autopilot::server::state::AppState;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

on_both_engines!(
    a_kind_from_outside_gets_retries_then_the_dead_state,
    a_kind_from_outside_is_capped_per_workspace,
    housekeeping_runs_as_a_job_and_sweeps_what_has_expired,
);

/// Fails with passing trouble until its `succeed_on` attempt.
struct Flaky {
    name: &'static str,
    succeed_on: i64,
    attempts: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl JobKind for Flaky {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn run(&self, _: &TenantContext, _: &AppState, job: &ClaimedJob, _: &Lease) -> Result<Done, Failure> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if job.attempt >= self.succeed_on {
            Ok(Done::Complete(Step::Done))
        } else {
            Err(Failure::Retry("The far end is busy.".into()))
        }
    }
}

/// Holds each job until the test lets it go, counting how many run at once.
struct Gated {
    running: Arc<AtomicUsize>,
    started: Arc<Semaphore>,
    open: watch::Receiver<bool>,
}

#[async_trait::async_trait]
impl JobKind for Gated {
    fn name(&self) -> &'static str {
        "gated"
    }

    async fn run(&self, _: &TenantContext, _: &AppState, _: &ClaimedJob, _: &Lease) -> Result<Done, Failure> {
        self.running.fetch_add(1, Ordering::SeqCst);
        self.started.add_permits(1);
        let _ = self.open.clone().wait_for(|open| *open).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(Done::Complete(Step::Done))
    }
}

async fn add_tenant(app: &TestApp, id: &str) {
    sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $1, 'free', 0)")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn add_job(app: &TestApp, tenant: &str, kind: &str, slot: i64) -> String {
    let tenant = TenantId::new(tenant);
    let job = NewJob {
        tenant_id: &tenant,
        kind,
        subject_id: "",
        slot,
        run_at_ms: 0,
        max_attempts: 3,
    };
    queue::enqueue(&app.db.pool, &job, Start::Queued)
        .await
        .unwrap()
        .unwrap()
        .to_string()
}

/// Runs a worker with the given kinds until the returned sender is dropped or sent.
async fn run_worker(app: &TestApp, kinds: Kinds) -> watch::Sender<bool> {
    let state = state_on(&app.database_url, &[]).await;
    let (stop, mut stopped) = watch::channel(false);
    tokio::spawn(Worker::new(state, kinds).run(async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));
    stop
}

async fn wait_for_state(app: &TestApp, job: &str, state: &str) -> (String, i64, Option<String>) {
    for _ in 0..400 {
        let row: (String, String, i64, Option<String>) =
            sqlx::query_as("select state, step, attempt, last_error from job where id = $1")
                .bind(job)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        if row.0 == state {
            return (row.1, row.2, row.3);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {job} never reached {state}");
}

async fn a_kind_from_outside_gets_retries_then_the_dead_state(engine: Engine) {
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    add_tenant(&app, "acme").await;
    let hopeless = Arc::new(AtomicUsize::new(0));
    let patient = Arc::new(AtomicUsize::new(0));
    let kinds = Kinds::default()
        .with(Flaky {
            name: "hopeless",
            succeed_on: 99,
            attempts: hopeless.clone(),
        })
        .with(Flaky {
            name: "patient",
            succeed_on: 2,
            attempts: patient.clone(),
        });
    let dies = add_job(&app, "acme", "hopeless", 1).await;
    let recovers = add_job(&app, "acme", "patient", 1).await;
    let _worker = run_worker(&app, kinds).await;

    let (step, attempt, error) = wait_for_state(&app, &dies, "dead").await;
    assert_eq!(
        (step.as_str(), attempt),
        ("failed", 3),
        "dead after the last of 3 attempts"
    );
    assert_eq!(hopeless.load(Ordering::SeqCst), 3);
    let error = error.unwrap();
    assert!(
        error.contains("The far end is busy.") && error.contains("Gave up after 3 attempts"),
        "{error}"
    );
    let (step, attempt, _) = wait_for_state(&app, &recovers, "done").await;
    assert_eq!((step.as_str(), attempt), ("done", 2), "the second attempt succeeded");
    assert_eq!(patient.load(Ordering::SeqCst), 2);
}

async fn a_kind_from_outside_is_capped_per_workspace(engine: Engine) {
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    add_tenant(&app, "busy").await;
    add_tenant(&app, "quiet").await;
    let mut busy = Vec::new();
    for slot in 0..5 {
        busy.push(add_job(&app, "busy", "gated", slot).await);
    }
    let quiet = add_job(&app, "quiet", "gated", 0).await;
    let running = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(Semaphore::new(0));
    let (open, gate) = watch::channel(false);
    let kind = Gated {
        running: running.clone(),
        started: started.clone(),
        open: gate,
    };
    let _worker = run_worker(&app, Kinds::default().with(kind)).await;

    // The cap (WORKSPACE_CONCURRENCY, 2) lets two of the busy workspace's
    // jobs and the quiet one's run, though the worker has room for eight.
    let _ = started.acquire_many(3).await.unwrap();
    let running_of = |tenant: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as("select count(*) from job where tenant_id = $1 and state = 'running'")
                .bind(tenant)
                .fetch_one(&pool)
                .await
                .unwrap();
            n
        }
    };
    assert_eq!(running_of("busy").await, 2);
    assert_eq!(running_of("quiet").await, 1);
    assert_eq!(running.load(Ordering::SeqCst), 3);

    open.send_replace(true);
    for job in busy.iter().chain([&quiet]) {
        wait_for_state(&app, job, "done").await;
    }
}

async fn housekeeping_runs_as_a_job_and_sweeps_what_has_expired(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let long_ago = now() - 86_400;
    let setup = [
        // idle too long
        "insert into session (id, data, expiry_date, created_at) values ('idle', '{}', $1, $1)",
        // busy, but opened longer ago than SESSION_MAX_DAYS (30)
        "insert into session (id, data, expiry_date, created_at) values ('old', '{}', $1 + 172800, $1 - 2592000)",
        "insert into throttle_hit (id, hit_key, hit_at) values ('old', 'sign-in-ip:192.0.2.1', $1 - 86400)",
        "insert into mail_outbox (id, to_address, subject, body_text, status, created_at, expires_at) \
         values ('old', 'bo@example.com', 'Reset', 'https://x.test/reset?token=secret', 'kept', $1, $1)",
    ];
    for sql in setup {
        sqlx::query(sql).bind(long_ago).execute(&app.db.pool).await.unwrap();
    }
    // The worker attached the sweep's schedule when it started; make its slot due.
    let slot = now() - 1;
    let mut due = 0;
    for _ in 0..200 {
        due = sqlx::query("update schedule set next_run_at = $1 where job_kind = 'sweep'")
            .bind(slot)
            .execute(&app.db.pool)
            .await
            .unwrap()
            .rows_affected();
        if due == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(due, 1, "the sweep is scheduled once");

    let mut swept = None;
    for _ in 0..400 {
        let row: Option<(String, String, String)> =
            sqlx::query_as("select id, tenant_id, step from job where kind = 'sweep' and slot = $1 and state = 'done'")
                .bind(slot)
                .fetch_optional(&app.db.pool)
                .await
                .unwrap();
        if row.is_some() {
            swept = row;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let (_, tenant, step) = swept.expect("a sweep job ran");
    assert_eq!(
        tenant, "00000000-0000-0000-0000-000000000000",
        "in the platform's workspace"
    );
    assert_eq!(step, "done");
    assert_eq!(
        app.count("select count(*) from session where id in ('idle', 'old')")
            .await,
        0
    );
    assert_eq!(app.count("select count(*) from throttle_hit where id = 'old'").await, 0);
    assert_eq!(
        app.count("select count(*) from session").await,
        1,
        "the live session stays"
    );
    let (body,): (String,) = sqlx::query_as("select body_text from mail_outbox where id = 'old'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !body.contains("token"),
        "the expired link is no longer readable: {body}"
    );
    assert_eq!(app.me().await["user"]["email"], "ada@example.com");
}
