//! Spawns the real app on port 0 against a fresh database (an SQLite file
//! or a new PostgreSQL database) and talks to it over HTTP like a browser:
//! it keeps the session cookie and sends the app's Origin.

use autopilot::server::config::Config;
use autopilot::server::db::Db;
use autopilot::server::startup::Application;
use reqwest::header::{HeaderMap, HeaderValue, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::Response;
use serde_json::Value;
use sqlx::Connection;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Defines `mod name { sqlite, postgres }` tests around `async fn name(Engine)`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_available().await {
                    super::$name($crate::helpers::Engine::Postgres).await
                }
            }
        }
    )*};
}

fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// True when PostgreSQL answers. Under CI a missing PostgreSQL fails the
/// run instead of skipping.
pub async fn postgres_available() -> bool {
    sqlx::any::install_default_drivers();
    let ok = sqlx::AnyConnection::connect(&postgres_admin_url()).await.is_ok();
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("PostgreSQL is not reachable at {} and CI=true", postgres_admin_url());
        }
        eprintln!("skipping: PostgreSQL is not reachable at {}", postgres_admin_url());
    }
    ok
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database(engine: Engine) -> String {
    let name = format!("ap_test_{}", uuid::Uuid::new_v4().simple());
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join("autopilot-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}?mode=rwc", dir.join(format!("{name}.db")).display())
        }
        Engine::Postgres => {
            use sqlx::Executor;
            let mut conn = sqlx::AnyConnection::connect(&postgres_admin_url()).await.unwrap();
            conn.execute(format!("create database {name}").as_str()).await.unwrap();
            let base = postgres_admin_url();
            let (server, _) = base.rsplit_once('/').unwrap();
            format!("{server}/{name}")
        }
    }
}

pub struct TestApp {
    pub base: String,
    /// METRICS_ADDR's address, when the test set one.
    pub metrics_base: Option<String>,
    pub db: Db,
    pub database_url: String,
    http: reqwest::Client,
    cookie: Mutex<Option<String>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn spawn(engine: Engine) -> TestApp {
    spawn_with(engine, &[]).await
}

pub async fn spawn_with(engine: Engine, vars: &[(&str, &str)]) -> TestApp {
    let url = fresh_database(engine).await;
    spawn_on(&url, vars).await
}

/// Starts an app on an existing database (a second process, a restart).
pub async fn spawn_on(database_url: &str, vars: &[(&str, &str)]) -> TestApp {
    let mut env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.insert("DATABASE_URL".into(), database_url.into());
    env.entry("BIND_ADDR".into()).or_insert_with(|| "127.0.0.1:0".into());
    // Uploads are kept per database: every app on one (a restart, a
    // second process) finds the same files.
    env.entry("MEDIA_DIR".into())
        .or_insert_with(|| media_dir_for(database_url).display().to_string());
    for (name, value) in TEST_DEFAULTS {
        env.entry(name.to_string()).or_insert_with(|| value.to_string());
    }
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test configuration is valid");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("autopilot")
        .build();
    let app = Application::build(config, options).await.expect("app starts");
    let base = format!("http://{}", app.local_addr());
    let metrics_base = app.metrics_addr().map(|a| format!("http://{a}"));
    let db = app.state().db.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        let _ = app
            .run(async {
                let _ = rx.await;
            })
            .await;
    });
    // A request that never ends fails its test, naming the address,
    // instead of holding up the whole run.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(90))
        .build()
        .unwrap();
    TestApp {
        base,
        metrics_base,
        db,
        database_url: database_url.into(),
        http,
        cookie: Mutex::new(None),
        shutdown: Some(tx),
        running: Some(running),
    }
}

/// The state another process on the same database would have (a second
/// scheduler, a worker with kinds of a test's own), with the test defaults.
pub async fn state_on(database_url: &str, vars: &[(&str, &str)]) -> autopilot::server::state::AppState {
    let mut env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.insert("DATABASE_URL".into(), database_url.into());
    env.entry("MEDIA_DIR".into())
        .or_insert_with(|| media_dir_for(database_url).display().to_string());
    for (name, value) in TEST_DEFAULTS {
        env.entry(name.to_string()).or_insert_with(|| value.to_string());
    }
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test configuration is valid");
    let db = Db::open(database_url).await.expect("database opens");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("autopilot")
        .build();
    autopilot::server::state::AppState::new(config, db, options).expect("state builds")
}

/// Where uploads go for the apps on one database.
pub fn media_dir_for(database_url: &str) -> std::path::PathBuf {
    let name: String = database_url.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    std::env::temp_dir()
        .join("autopilot-tests")
        .join("media")
        .join(&name[name.len().saturating_sub(40)..])
}

/// Test settings unless a test says otherwise: a fixed key, the fake
/// WordPress on 127.0.0.1 allowed, and a brisk worker.
pub const TEST_DEFAULTS: [(&str, &str); 6] = [
    ("SECRET_KEY", "test-secret-key-that-is-at-least-32-bytes"),
    ("OUTBOUND_ALLOW_PRIVATE", "true"),
    ("WORKER_POLL_SECONDS", "0.1"),
    ("JOB_RETRY_BASE_SECONDS", "0.05"),
    ("JOB_RETRY_MAX_SECONDS", "0.2"),
    ("JOB_MAX_ATTEMPTS", "3"),
];

pub const SESSION_COOKIE: &str = "autopilot_session";

impl TestApp {
    /// Stops the app as SIGTERM would and waits until it has: requests
    /// finished, running jobs finished or handed back.
    pub async fn shut_down(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(running) = self.running.take() {
            running.await.expect("the app stopped without panicking");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().unwrap().clone()
    }

    pub fn set_cookie(&self, cookie: Option<String>) {
        *self.cookie.lock().unwrap() = cookie;
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, HeaderValue::from_str(&self.base).unwrap());
        h.insert("accept", HeaderValue::from_static("application/json"));
        if let Some(c) = self.cookie() {
            h.insert(COOKIE, HeaderValue::from_str(&c).unwrap());
        }
        h
    }

    /// Keeps the session cookie the way a browser would.
    fn remember(&self, res: &Response) {
        for value in res.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap().trim();
            let (name, val) = pair.split_once('=').unwrap();
            if name.ends_with(SESSION_COOKIE) {
                let expired = text.to_ascii_lowercase().contains("max-age=0") || val.is_empty();
                self.set_cookie(if expired { None } else { Some(pair.to_string()) });
            }
        }
    }

    /// A page load, as a browser navigation sends it.
    pub async fn get(&self, path: &str) -> Response {
        let mut headers = self.headers();
        headers.insert("accept", HeaderValue::from_static("text/html,application/xhtml+xml"));
        let res = self.http.get(self.url(path)).headers(headers).send().await.unwrap();
        self.remember(&res);
        res
    }

    /// A page's HTML, loaded as a browser navigation.
    pub async fn page_html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Calls a server function the way the hydrated page does.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        let res = self
            .http
            .post(self.url(&format!("/api/{endpoint}")))
            .headers(self.headers())
            .form(form)
            .send()
            .await
            .unwrap();
        self.remember(&res);
        res
    }

    /// Calls a server function whose arguments travel as JSON.
    pub async fn call_with_json(&self, endpoint: &str, body: &Value) -> (u16, Value) {
        let res = self
            .http
            .post(self.url(&format!("/api/{endpoint}")))
            .headers(self.headers())
            .json(body)
            .send()
            .await
            .unwrap();
        self.remember(&res);
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn call_json(&self, endpoint: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let res = self.call(endpoint, form).await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn sign_up(&self, email: &str, password: &str, workspace: &str) -> (u16, Value) {
        self.call_json(
            "auth/sign_up",
            &[
                ("name", "Test User"),
                ("email", email),
                ("password", password),
                ("workspace", workspace),
            ],
        )
        .await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> (u16, Value) {
        self.call_json("auth/log_in", &[("email", email), ("password", password)])
            .await
    }

    pub async fn me(&self) -> Value {
        let (status, me) = self.call_json("auth/me", &[]).await;
        assert_eq!(status, 200, "{me}");
        me
    }

    /// A plain GET with the session, as a script or monitor sends it.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut h = self.headers();
        for (name, value) in headers {
            h.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        self.http.get(self.url(path)).headers(h).send().await.unwrap()
    }

    /// A plain form posted by a browser without wasm (redirects are not
    /// followed, so a refusal's way back can be read).
    pub async fn browser_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let html = HeaderValue::from_static("text/html,application/xhtml+xml");
        self.post_form(path, form, ("accept", html)).await
    }

    /// A form post carrying its own request id.
    pub async fn http_post_form(&self, path: &str, form: &[(&str, &str)], request_id: &str) -> Response {
        let id = HeaderValue::from_str(request_id).unwrap();
        self.post_form(path, form, ("x-request-id", id)).await
    }

    /// A form post with the session, and one header set as given.
    async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        (name, value): (&'static str, HeaderValue),
    ) -> Response {
        let mut h = self.headers();
        h.insert(name, value);
        self.http
            .post(self.url(path))
            .headers(h)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Switches to another person's browser: their cookie, or none.
    pub fn as_user(&self, cookie: &Option<String>) {
        self.set_cookie(cookie.clone());
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&self.db.pool).await.unwrap();
        n
    }
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// Waits for the newest mail to `to` whose subject starts with
    /// `subject` (mail is sent in the background) and returns its body.
    pub async fn wait_for_mail(&self, subject: &str, to: &str) -> String {
        for _ in 0..100 {
            let row: Option<(String,)> = sqlx::query_as(
                "select body_text from mail_outbox where subject like $1 and to_address = $2 \
                 order by created_at desc, id desc limit 1",
            )
            .bind(format!("{subject}%"))
            .bind(to)
            .fetch_optional(&self.db.pool)
            .await
            .unwrap();
            if let Some((body,)) = row {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail {subject:?} to {to} arrived");
    }

    /// The token of the link in the newest such mail.
    pub async fn mailed_token(&self, subject: &str, to: &str) -> String {
        let body = self.wait_for_mail(subject, to).await;
        let start = body.find("token=").expect("the mail carries a link") + "token=".len();
        body[start..].split_whitespace().next().unwrap().to_string()
    }

    /// Follows the confirmation link mailed to `to`.
    pub async fn confirm_email(&self, to: &str) {
        let token = self.mailed_token(CONFIRM, to).await;
        assert_eq!(self.call_json("auth/verify_email", &[("token", &token)]).await.0, 200);
    }

    pub async fn mails(&self, subject: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as("select count(*) from mail_outbox where subject like $1")
            .bind(format!("{subject}%"))
            .fetch_one(&self.db.pool)
            .await
            .unwrap();
        n
    }
}

pub const RESET: &str = "Reset your";
pub const CONFIRM: &str = "Confirm your email";
