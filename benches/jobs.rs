//! Queue throughput: no-op jobs per second through the real claim/complete
//! path (the scheduler's `Worker` loop), two workers, on SQLite and on
//! PostgreSQL. Run with `scripts/bench.sh`; not part of the test suite.
//!
//! Jobs are spread over many workspaces, as real schedules are, so the
//! per-workspace cap (WORKSPACE_CONCURRENCY, default 2) is in force.

#[path = "common/mod.rs"]
mod common;

use autopilot::app::types::Step;
use autopilot::server::auth::TenantContext;
use autopilot::server::config::Config;
use autopilot::server::db::{new_id, Backend, Db};
use autopilot::server::queue::{ClaimedJob, Done, Failure, JobKind, Kinds, Lease};
use autopilot::server::scheduler::Worker;
use autopilot::server::state::AppState;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A kind that does nothing: what is measured is the runner around it.
struct Noop;

#[async_trait::async_trait]
impl JobKind for Noop {
    fn name(&self) -> &'static str {
        "noop"
    }

    async fn run(&self, _: &TenantContext, _: &AppState, _: &ClaimedJob, _: &Lease) -> Result<Done, Failure> {
        Ok(Done::Complete(Step::Done))
    }
}

const JOBS: usize = 40_000;
const WORKSPACES: usize = 1_000;
const WORKERS: usize = 2;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join("autopilot-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.join(format!("{}.db", new_id())).display());
    report("SQLite", 5_000.0, run(&sqlite).await);
    let admin = common::postgres_admin();
    match common::fresh_postgres(&admin).await {
        Some((url, name)) => {
            report("PostgreSQL", 4_000.0, run(&url).await);
            common::drop_postgres(&admin, &name).await;
        }
        None => println!("PostgreSQL: not reachable at {admin}, skipped"),
    }
}

fn report(engine: &str, target: f64, per_second: f64) {
    let verdict = if per_second >= target { "meets" } else { "BELOW" };
    println!("{engine}: {per_second:.0} no-op jobs/s with {WORKERS} workers ({verdict} the target of {target:.0}/s)");
}

fn config(database_url: &str) -> Config {
    let env: HashMap<&str, &str> = [
        ("DATABASE_URL", database_url),
        ("SECRET_KEY", "bench-secret-key-that-is-at-least-32-bytes"),
        ("WORKER_POLL_SECONDS", "0.05"),
        // The batch a worker claims and completes at once.
        ("WORKER_CONCURRENCY", "256"),
    ]
    .into_iter()
    .collect();
    Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).expect("bench configuration is valid")
}

async fn run(database_url: &str) -> f64 {
    let db = Db::open(database_url).await.expect("database opens");
    enqueue(&db).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let options = leptos::config::LeptosOptions::builder()
                .output_name("autopilot")
                .build();
            let state = AppState::new(config(database_url), db.clone(), options).expect("state builds");
            let worker = Worker::new(state, Kinds::default().with(Noop));
            let mut stopped = stopped.clone();
            tokio::spawn(worker.run(async move {
                let _ = stopped.wait_for(|s| *s).await;
            }))
        })
        .collect();
    loop {
        let (done,): (i64,) = sqlx::query_as("select count(*) from job where state = 'done'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if done as usize >= JOBS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    JOBS as f64 / elapsed.as_secs_f64()
}

/// Inserts the workspaces and jobs in bulk (enqueueing is not what is measured),
/// round-robin over workspaces as independent schedules would fill the queue.
async fn enqueue(db: &Db) {
    for w in 0..WORKSPACES {
        sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $1, 'free', 0)")
            .bind(format!("ws-{w}"))
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let per_statement = 500;
    for chunk in 0..JOBS / per_statement {
        let mut sql = String::from(
            "insert into job (id, tenant_id, subject_id, kind, slot, state, step, max_attempts, run_at_ms, \
             created_at, updated_at) values ",
        );
        let rows: Vec<String> = (0..per_statement)
            .map(|i| {
                let n = chunk * per_statement + i;
                format!(
                    "('{}', 'ws-{}', '', 'noop', {n}, 'queued', 'queued', 3, 0, 0, 0)",
                    new_id(),
                    n % WORKSPACES
                )
            })
            .collect();
        sql.push_str(&rows.join(", "));
        sqlx::query(&sql).execute(&db.pool).await.unwrap();
    }
    // A live PostgreSQL queue has planner statistics (autovacuum gathers
    // them within a minute of a bulk load); without them the claim is
    // planned for an empty table. SQLite gathers none unless asked, and the
    // app never asks, so it is measured without.
    if db.backend == Backend::Postgres {
        sqlx::query("analyze job").execute(&db.pool).await.unwrap();
    }
}
