//! Dashboard and analytics under concurrent load, against a bare axum
//! handler that answers the same bytes, in the same run. Seeds 1,000
//! workspaces and 100,000 posts over 90 days (5,000 of them in the
//! measured workspace), then for each page: the highest rate 8 concurrent
//! keep-alive clients reach, and the latency (p50/p99) at half that rate.
//! Run with `scripts/bench.sh`; BENCH_DATABASE_URL picks the database
//! (default: a fresh SQLite file). Prints the figures; the targets (ratio
//! to the bare handler ≥ 0.5, p99 ≤ 20 ms at half the maximum rate) are
//! reported as met or not, not enforced.

use autopilot::server::config::Config;
use autopilot::server::startup::Application;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WORKSPACES: usize = 1_000;
const POSTS: usize = 100_000;
const OWN_POSTS: usize = 5_000;
const CLIENTS: usize = 8;
const WINDOW: Duration = Duration::from_secs(3);
const DAY: i64 = 86_400;

#[tokio::main]
async fn main() {
    let database = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        let dir = std::env::temp_dir().join("autopilot-bench");
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::remove_file(dir.join("analytics.db"));
        format!("sqlite://{}?mode=rwc", dir.join("analytics.db").display())
    });
    let (base, db) = start(&database).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = sign_up(&client, &base).await;
    let seeded = Instant::now();
    seed(&db).await;
    println!(
        "seeded {WORKSPACES} workspaces and {POSTS} posts in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    for page in ["/app", "/app/analytics?tz=UTC&days=90"] {
        let url = format!("{base}{page}");
        let body = get(&client, &url, Some(&cookie)).await;
        let bare = bare_server(body.clone()).await;
        let app_max = max_rate(&url, Some(&cookie)).await;
        let bare_max = max_rate(&bare, None).await;
        let (p50, p99) = latency_at(&url, Some(&cookie), app_max / 2.0).await;
        let ratio = app_max / bare_max;
        println!(
            "{page:<34} {app_max:>7.0} req/s · bare handler {bare_max:>7.0} req/s · ratio {ratio:.2} {} · \
             at {:.0} req/s p50 {:.1} ms, p99 {:.1} ms {} · {} KB",
            if ratio >= 0.5 {
                "(target met)"
            } else {
                "(below the 0.5 target)"
            },
            app_max / 2.0,
            p50,
            p99,
            if p99 <= 20.0 {
                "(target met)"
            } else {
                "(above the 20 ms target)"
            },
            body.len() / 1024
        );
    }
}

async fn start(database: &str) -> (String, autopilot::server::db::Db) {
    let env: HashMap<&str, &str> = [
        ("DATABASE_URL", database),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("SECRET_KEY", "bench-secret-key-that-is-at-least-32-bytes"),
        ("RUN_WORKER", "false"),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).expect("bench configuration is valid");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("autopilot")
        .build();
    let app = Application::build(config, options).await.expect("the app starts");
    let base = format!("http://{}", app.local_addr());
    let db = app.state().db.clone();
    tokio::spawn(app.run(std::future::pending()));
    (base, db)
}

async fn sign_up(client: &reqwest::Client, base: &str) -> String {
    let res = client
        .post(format!("{base}/api/auth/sign_up"))
        .header("origin", base)
        .form(&[
            ("name", "Bench"),
            ("email", "bench@example.com"),
            ("password", "correct horse battery"),
            ("workspace", "Bench"),
        ])
        .send()
        .await
        .unwrap();
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Workspaces with a site each; posts (and their jobs) spread over 90
/// days, 5,000 of them in the signed-up workspace.
async fn seed(db: &autopilot::server::db::Db) {
    let (own,): (String,) = sqlx::query_as("select tenant_id from membership limit 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let now = autopilot::server::db::now();
    let mut tenants = vec![own];
    tenants.extend((1..WORKSPACES).map(|i| format!("bench-tenant-{i:04}")));
    let mut tx = db.pool.begin().await.unwrap();
    for (i, tenant) in tenants.iter().enumerate() {
        if i > 0 {
            sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $1, 'pro', $2)")
                .bind(tenant)
                .bind(now - (i as i64 % 90) * DAY)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        sqlx::query(
            "insert into site (id, tenant_id, name, url, username, password_sealed, created_at, updated_at) \
             values ($1, $2, 'Blog', 'https://example.com', 'editor', 'x', 0, 0)",
        )
        .bind(format!("site-{i:04}"))
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    const BATCH: usize = 500;
    for start in (0..POSTS).step_by(BATCH) {
        let rows: Vec<(usize, usize, i64)> = (start..start + BATCH)
            .map(|n| {
                let t = if n < OWN_POSTS { 0 } else { 1 + n % (WORKSPACES - 1) };
                (n, t, now - (n as i64 * 7_919) % (90 * DAY))
            })
            .collect();
        let mut tx = db.pool.begin().await.unwrap();
        let jobs: Vec<String> = rows
            .iter()
            .map(|(n, t, at)| {
                format!(
                    "('job-{n}', '{}', 'post', 'site-{t:04}', {n}, 'done', 'published', 0, {at}, {at}, {at})",
                    tenants[*t]
                )
            })
            .collect();
        sqlx::query(&format!(
            "insert into job (id, tenant_id, kind, subject_id, slot, state, step, run_at_ms, created_at, \
             updated_at, finished_at) values {}",
            jobs.join(", ")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        let posts: Vec<String> = rows
            .iter()
            .map(|(n, t, at)| {
                format!(
                    "('post-{n}', '{}', 'site-{t:04}', 'job-{n}', 'A post', '<p>Body</p>', 'post-{n}', 'auto', \
                     'publish', {at}, {}, {at})",
                    tenants[*t],
                    at - 900
                )
            })
            .collect();
        sqlx::query(&format!(
            "insert into post (id, tenant_id, site_id, job_id, title, body_html, slug, review, wp_status, \
             published_at, created_at, updated_at) values {}",
            posts.join(", ")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // After a bulk load PostgreSQL has neither statistics nor a visibility
    // map (without which an index-only scan still visits the table);
    // autovacuum makes both within a minute on a live database.
    if db.backend == autopilot::server::db::Backend::Postgres {
        for table in ["post", "job", "tenant", "site"] {
            sqlx::query(&format!("vacuum analyze {table}"))
                .execute(&db.pool)
                .await
                .unwrap();
        }
    }
}

async fn get(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> axum::body::Bytes {
    let mut request = client.get(url).header("accept", "text/html");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let res = request.send().await.unwrap();
    assert!(res.status().is_success(), "{url} answered {}", res.status());
    res.bytes().await.unwrap()
}

/// A bare axum server answering every GET with `body`.
async fn bare_server(bytes: axum::body::Bytes) -> String {
    let router = axum::Router::new().fallback(move || {
        let bytes = bytes.clone();
        async move { ([("content-type", "text/html; charset=utf-8")], bytes) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// The highest rate CLIENTS concurrent keep-alive clients reach.
async fn max_rate(url: &str, cookie: Option<&str>) -> f64 {
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (url, cookie, done) = (url.to_owned(), cookie.map(str::to_owned), done.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while started.elapsed() < WINDOW {
                    let _ = fetch(&client, &url, cookie.as_deref()).await;
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

async fn fetch(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> Duration {
    let started = Instant::now();
    let mut request = client.get(url).header("accept", "text/html");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let res = request.send().await.unwrap();
    assert!(res.status().is_success());
    res.bytes().await.unwrap();
    started.elapsed()
}

/// p50 and p99 (ms) with requests started at `rate` per second, spread
/// over CLIENTS connections (an open loop: a slow answer does not slow the
/// next request's start).
async fn latency_at(url: &str, cookie: Option<&str>, rate: f64) -> (f64, f64) {
    let interval = Duration::from_secs_f64(CLIENTS as f64 / rate.max(1.0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (url, cookie, latencies) = (url.to_owned(), cookie.map(str::to_owned), latencies.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                tokio::time::sleep(interval * i as u32 / CLIENTS as u32).await;
                let mut tick = tokio::time::interval(interval);
                while started.elapsed() < WINDOW {
                    tick.tick().await;
                    let took = fetch(&client, &url, cookie.as_deref()).await;
                    latencies.lock().unwrap().push(took.as_secs_f64() * 1000.0);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let mut all = latencies.lock().unwrap().clone();
    all.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| all[((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1];
    (at(0.50), at(0.99))
}
