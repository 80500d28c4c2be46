//! Page rates over one keep-alive connection, the way a browser reuses its
//! connection: every public page against the signed-in dashboard. A page
//! whose last streamed chunk waits on Nagle's algorithm and the client's
//! delayed ACK stalls ~40 ms per response and shows up here at a small
//! fraction of the dashboard's rate. Run with `scripts/bench.sh`; exits
//! non-zero when a public page is not within 2x of the dashboard.

use autopilot::server::config::Config;
use autopilot::server::startup::Application;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const PUBLIC_PAGES: [&str; 6] = [
    "/",
    "/login",
    "/signup",
    "/forgot-password",
    "/reset-password?token=bench",
    "/verify-email?token=bench",
];
const DASHBOARD: &str = "/app";
/// How long each page is measured.
const WINDOW: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let dir = std::env::temp_dir().join("autopilot-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.join("pages.db").display());
    let _ = std::fs::remove_file(dir.join("pages.db"));
    let base = start(&database).await;
    let client = one_connection();
    let cookie = sign_up(&client, &base).await;

    let dashboard = rate(&client, &base, DASHBOARD, Some(&cookie)).await;
    println!("{DASHBOARD:<28} {dashboard:>8.0} requests/s (signed in)");
    let mut slow = Vec::new();
    for page in PUBLIC_PAGES {
        let per_second = rate(&client, &base, page, None).await;
        let verdict = if per_second * 2.0 >= dashboard {
            "within 2x"
        } else {
            "SLOWER THAN HALF"
        };
        println!("{page:<28} {per_second:>8.0} requests/s ({verdict} of the dashboard)");
        if per_second * 2.0 < dashboard {
            slow.push(page);
        }
    }
    if slow.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("public pages below half the dashboard's rate: {slow:?}");
        std::process::ExitCode::FAILURE
    }
}

/// The app on a free port, over its own SQLite file, without a worker.
async fn start(database: &str) -> String {
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
    tokio::spawn(app.run(std::future::pending()));
    base
}

/// A client that keeps one connection open and reuses it, as a browser does.
fn one_connection() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
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

/// Requests per second for one page, one request after another.
async fn rate(client: &reqwest::Client, base: &str, page: &str, cookie: Option<&str>) -> f64 {
    let url = format!("{base}{page}");
    let get = || {
        let mut request = client.get(&url).header("accept", "text/html");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request
    };
    // Warm up: the connection, and the first render's allocations.
    for _ in 0..20 {
        let res = get().send().await.unwrap();
        assert!(res.status().is_success(), "{page} answered {}", res.status());
        res.bytes().await.unwrap();
    }
    let started = Instant::now();
    let mut done = 0u32;
    while started.elapsed() < WINDOW {
        get().send().await.unwrap().bytes().await.unwrap();
        done += 1;
    }
    f64::from(done) / started.elapsed().as_secs_f64()
}
