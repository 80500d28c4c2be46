//! Social publishing at a busy minute: 10,000 posts due at the same instant
//! across 1,000 workspaces (one Facebook Page each, 10 posts apiece), run
//! by one worker process with the production settings against the Meta
//! stand-in over real HTTP, on SQLite and on PostgreSQL. Reports how long
//! after their time the publish jobs started (p50, p99, the latest) and
//! whether all started within 60 s, then how long until all were published.
//! Run with `scripts/bench.sh`; not part of the test suite.

#[path = "common/mod.rs"]
mod common;

use autopilot::app::types::TenantId;
use autopilot::server::auth::TenantContext;
use autopilot::server::config::Config;
use autopilot::server::db::{new_id, now_ms, Backend, Db};
use autopilot::server::queue::{ClaimedJob, Done, Failure, JobKind, Kinds, Lease};
use autopilot::server::scheduler::Worker;
use autopilot::server::services::social::{publish, seal_access};
use autopilot::server::standins::{self, meta::MetaStandIn, APP_ID, APP_SECRET};
use autopilot::server::state::AppState;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WORKSPACES: usize = 1_000;
const POSTS_PER_WORKSPACE: usize = 10;
const POSTS: usize = WORKSPACES * POSTS_PER_WORKSPACE;
/// Every post must have started within this long of its time.
const TARGET_MS: i64 = 60_000;
/// The Page every workspace's account is (the stand-in's first).
const PAGE: &str = "1010";

/// The real publish kind, noting when each attempt started.
struct Timed {
    inner: publish::PublishJob,
    started: Arc<Mutex<HashMap<String, i64>>>,
}

#[async_trait::async_trait]
impl JobKind for Timed {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        lease: &Lease,
    ) -> Result<Done, Failure> {
        let delay = now_ms() - job.run_at_ms;
        self.started.lock().unwrap().entry(job.id.to_string()).or_insert(delay);
        self.inner.run(ctx, state, job, lease).await
    }
}

#[tokio::main]
async fn main() {
    let meta = MetaStandIn::new();
    let graph = standins::serve(meta.router(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the Meta stand-in starts");
    let dir = std::env::temp_dir().join("autopilot-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.join(format!("{}.db", new_id())).display());
    run("SQLite", &sqlite, &meta, graph).await;
    let admin = common::postgres_admin();
    match common::fresh_postgres(&admin).await {
        Some((url, name)) => {
            run("PostgreSQL", &url, &meta, graph).await;
            common::drop_postgres(&admin, &name).await;
        }
        None => println!("PostgreSQL: not reachable at {admin}, skipped"),
    }
}

/// The production defaults, pointed at this database and the stand-in.
fn config(database_url: &str, graph: std::net::SocketAddr) -> Config {
    let base = format!("http://{graph}/v25.0");
    let env: HashMap<&str, &str> = [
        ("DATABASE_URL", database_url),
        ("SECRET_KEY", "bench-secret-key-that-is-at-least-32-bytes"),
        ("OUTBOUND_ALLOW_PRIVATE", "true"),
        ("META_APP_ID", APP_ID),
        ("META_APP_SECRET", APP_SECRET),
        ("META_GRAPH_BASE", base.as_str()),
    ]
    .into_iter()
    .collect();
    Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).expect("bench configuration is valid")
}

async fn run(engine: &str, database_url: &str, meta: &MetaStandIn, graph: std::net::SocketAddr) {
    let db = Db::open(database_url).await.expect("database opens");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("autopilot")
        .build();
    let state = AppState::new(config(database_url, graph), db.clone(), options).expect("state builds");
    let setup = Instant::now();
    let before = meta.page_posts(PAGE).len();
    let due_ms = fill(&state, meta).await;
    println!(
        "{engine}: {POSTS} posts for {WORKSPACES} workspaces written in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let started = Arc::new(Mutex::new(HashMap::new()));
    let kind = Timed {
        inner: publish::PublishJob,
        started: started.clone(),
    };
    let worker = Worker::new(state.clone(), Kinds::default().with(kind));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut stopped_rx = stopped.clone();
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped_rx.wait_for(|s| *s).await;
    }));
    let _ = stopped;
    let give_up = Instant::now() + Duration::from_secs(600);
    loop {
        assert!(
            Instant::now() < give_up,
            "{engine}: the posts were not all published within ten minutes"
        );
        let (done,): (i64,) =
            sqlx::query_as("select count(*) from job where kind = 'social-publish' and state in ('done', 'dead')")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        if done as usize >= POSTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let finished_ms = now_ms() - due_ms;
    let _ = stop.send(true);
    let _ = running.await;
    let (published,): (i64,) = sqlx::query_as("select count(*) from social_post_target where remote_id is not null")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut delays: Vec<i64> = started.lock().unwrap().values().copied().collect();
    delays.sort_unstable();
    let at = |p: usize| delays[(delays.len() * p / 100).min(delays.len() - 1)];
    let late = delays.iter().filter(|d| **d > TARGET_MS).count();
    let verdict = if late == 0 && delays.len() == POSTS {
        "meets"
    } else {
        "BELOW"
    };
    println!(
        "{engine}: start delay p50 {} ms, p99 {} ms, latest {} ms; {} of {POSTS} started within 60 s ({verdict} the target); \
         {published} published, the last {:.1} s after their time",
        at(50),
        at(99),
        delays.last().copied().unwrap_or_default(),
        delays.len() - late,
        finished_ms as f64 / 1000.0
    );
    let on_page = meta.page_posts(PAGE).len() - before;
    println!("{engine}: the stand-in's Page received {on_page} posts");
}

/// Writes the workspaces, their connected Page accounts and the approved
/// posts with their publish jobs, all due at one instant a few seconds
/// after the writing ends. Returns that instant (unix ms).
async fn fill(state: &AppState, meta: &MetaStandIn) -> i64 {
    let pool = &state.db.pool;
    let far = i64::MAX / 4;
    let mut accounts = Vec::with_capacity(WORKSPACES);
    for w in 0..WORKSPACES {
        let tenant = format!("ws-{w}");
        sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $1, 'free', 0)")
            .bind(&tenant)
            .execute(pool)
            .await
            .unwrap();
        let account = new_id();
        let sealed = seal_access(state, &TenantId::new(tenant.clone()), &account, &meta.page_token(PAGE));
        sqlx::query(
            "insert into social_account (id, tenant_id, platform, external_id, name, access_token_sealed, \
             connected_at, created_at, updated_at) values ($1, $2, 'facebook', $3, 'Stand-in Bakery', $4, 0, 0, 0)",
        )
        .bind(&account)
        .bind(&tenant)
        .bind(PAGE)
        .bind(sealed)
        .execute(pool)
        .await
        .unwrap();
        accounts.push((tenant, account));
    }
    let per_statement = 250;
    let rows: Vec<(String, String, String, String)> = (0..POSTS)
        .map(|n| {
            let (tenant, account) = &accounts[n % WORKSPACES];
            (tenant.clone(), account.clone(), new_id(), new_id())
        })
        .collect();
    for chunk in rows.chunks(per_statement) {
        let posts: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, (tenant, _, post, _))| {
                format!("('{post}', '{tenant}', 'Fresh bread, batch {i} of {post}', 'approved', 0, 0, 0)")
            })
            .collect();
        sqlx::query(&format!(
            "insert into social_post (id, tenant_id, body, review, publish_at, created_at, updated_at) values {}",
            posts.join(", ")
        ))
        .execute(pool)
        .await
        .unwrap();
        let targets: Vec<String> = chunk
            .iter()
            .map(|(tenant, account, post, target)| format!("('{target}', '{tenant}', '{post}', '{account}', 0, 0)"))
            .collect();
        sqlx::query(&format!(
            "insert into social_post_target (id, tenant_id, post_id, account_id, created_at, updated_at) values {}",
            targets.join(", ")
        ))
        .execute(pool)
        .await
        .unwrap();
        let jobs: Vec<String> = chunk
            .iter()
            .map(|(tenant, _, _, target)| {
                format!(
                    "('{}', '{tenant}', 'social-publish', '{target}', 0, 'queued', 'queued', 5, {far}, 0, 0)",
                    new_id()
                )
            })
            .collect();
        sqlx::query(&format!(
            "insert into job (id, tenant_id, kind, subject_id, slot, state, step, max_attempts, run_at_ms, \
             created_at, updated_at) values {}",
            jobs.join(", ")
        ))
        .execute(pool)
        .await
        .unwrap();
    }
    if state.db.backend == Backend::Postgres {
        for table in ["job", "social_post", "social_post_target", "social_account"] {
            sqlx::query(&format!("analyze {table}")).execute(pool).await.unwrap();
        }
    }
    // The minute comes: every post is due at the same instant.
    let due_ms = now_ms() + 2_000;
    sqlx::query("update social_post set publish_at = $1")
        .bind(due_ms / 1000)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("update job set run_at_ms = $1 where kind = 'social-publish'")
        .bind(due_ms)
        .execute(pool)
        .await
        .unwrap();
    due_ms
}
