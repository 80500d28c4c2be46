//! Configuration from the environment (and `.env` when present).
//! Every variable is parsed once at start-up; a malformed one stops the
//! process with a message that names it. `.env.example` documents them all.

use crate::app::types::{Plan, PlanLimits};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {name} {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// Public origin of the app, e.g. `https://autopilot.example.com`.
    pub app_url: url::Url,
    pub bind_addr: SocketAddr,
    pub secret_key: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub admin_emails: Vec<String>,
    pub log_json: bool,
    pub trust_forwarded_for: bool,
    /// Days a session lasts without use (SESSION_DAYS).
    pub session_days: i64,
    /// Days a session lasts at most from sign-in, however busy (SESSION_MAX_DAYS).
    pub session_max_days: i64,
    /// Free workspaces one user may own (FREE_WORKSPACES_PER_USER).
    pub free_workspaces_per_user: i64,
    pub free_posts_limit: i64,
    pub pro_posts_limit: i64,
    pub agency_posts_limit: i64,
    /// Where the sealing key lives when SECRET_KEY is unset (created on first use).
    pub secret_key_file: String,
    /// MEDIA_DIR: where uploaded photos and videos are kept.
    pub media_dir: std::path::PathBuf,
    pub worker: WorkerConfig,
    pub openai: OpenAiConfig,
    /// The longest one request to a WordPress site may take when publishing
    /// (WORDPRESS_TIMEOUT_SECONDS); a claim is held at least this long past
    /// its last check before it creates a post.
    pub wordpress_timeout: Duration,
    /// Lets outbound calls to tenant-supplied URLs reach loopback and private
    /// addresses: for local testing against a WordPress on this machine.
    pub outbound_allow_private: bool,
    pub billing: BillingConfig,
    /// Who members of a suspended workspace should write to.
    pub support_email: String,
    pub metrics: MetricsConfig,
    pub jwt: JwtConfig,
    pub api_rate: ApiRateConfig,
    pub social: SocialConfig,
    pub salla: SallaConfig,
}

/// Salla's app (custom mode: SALLA_CLIENT_ID and SALLA_CLIENT_SECRET; easy
/// mode also needs SALLA_WEBHOOK_SECRET to check the webhooks that carry
/// the tokens). The bases point at Salla or, for tests and local trials,
/// at a stand-in.
#[derive(Clone)]
pub struct SallaConfig {
    pub app: Option<AppCredentials>,
    pub webhook_secret: Option<String>,
    /// SALLA_AUTH_BASE: https://accounts.salla.sa (/oauth2/auth, /oauth2/token).
    pub auth_base: url::Url,
    /// SALLA_API_BASE: https://api.salla.dev (/admin/v2/…).
    pub api_base: url::Url,
    /// SALLA_APP_URL: the app's page in Salla's app store, where a merchant
    /// installs it (easy mode); the Stores page links to it when set.
    pub app_page: Option<url::Url>,
}

impl std::fmt::Debug for SallaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SallaConfig")
            .field("app", &self.app.as_ref().map(|a| a.id.as_str()))
            .field("webhook_secret", &self.webhook_secret.is_some())
            .field("auth_base", &self.auth_base.as_str())
            .field("api_base", &self.api_base.as_str())
            .field("app_page", &self.app_page.as_ref().map(url::Url::as_str))
            .finish()
    }
}

fn salla_config(get: &impl Fn(&str) -> Option<String>) -> Result<SallaConfig, ConfigError> {
    Ok(SallaConfig {
        app: app_credentials(get, "SALLA_CLIENT_ID", "SALLA_CLIENT_SECRET")?,
        webhook_secret: get("SALLA_WEBHOOK_SECRET").filter(|v| !v.trim().is_empty()),
        auth_base: parse_url(get, "SALLA_AUTH_BASE", "https://accounts.salla.sa")?,
        api_base: parse_url(get, "SALLA_API_BASE", "https://api.salla.dev")?,
        app_page: match get("SALLA_APP_URL").filter(|v| !v.trim().is_empty()) {
            Some(_) => Some(parse_url(get, "SALLA_APP_URL", "")?),
            None => None,
        },
    })
}

/// The social platforms' apps: each platform is on when both of its
/// credentials are set; the base URLs point at the platform or, for tests
/// and local trials, at a stand-in.
#[derive(Clone)]
pub struct SocialConfig {
    /// META_APP_ID and META_APP_SECRET (Facebook Login for Business).
    pub meta: Option<AppCredentials>,
    /// META_GRAPH_BASE: the Graph API with its version, e.g. https://graph.facebook.com/v25.0.
    pub graph_base: url::Url,
    /// META_DIALOG_URL: where a person signs in to Facebook and picks what
    /// to share (https://www.facebook.com/v25.0/dialog/oauth).
    pub meta_dialog: url::Url,
    /// META_CONFIG_ID: a Facebook Login for Business configuration, which
    /// names the permissions; without it the dialog asks for `scope`.
    pub meta_config_id: Option<String>,
    /// TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET (Login Kit v2).
    pub tiktok: Option<AppCredentials>,
    /// TIKTOK_API_BASE: https://open.tiktokapis.com, or a stand-in.
    pub tiktok_api_base: url::Url,
    /// TIKTOK_AUTH_URL: TikTok's sign-in page (https://www.tiktok.com/v2/auth/authorize/).
    pub tiktok_authorize: url::Url,
}

#[derive(Clone)]
pub struct AppCredentials {
    pub id: String,
    pub secret: String,
}

impl std::fmt::Debug for SocialConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocialConfig")
            .field("meta", &self.meta.as_ref().map(|m| m.id.as_str()))
            .field("graph_base", &self.graph_base.as_str())
            .field("meta_dialog", &self.meta_dialog.as_str())
            .field("meta_config_id", &self.meta_config_id)
            .field("tiktok", &self.tiktok.as_ref().map(|t| t.id.as_str()))
            .field("tiktok_api_base", &self.tiktok_api_base.as_str())
            .field("tiktok_authorize", &self.tiktok_authorize.as_str())
            .finish()
    }
}

/// A platform's pair of app credentials: both or neither.
fn app_credentials(
    get: &impl Fn(&str) -> Option<String>,
    id: &'static str,
    secret: &'static str,
) -> Result<Option<AppCredentials>, ConfigError> {
    match (get(id), get(secret)) {
        (None, None) => Ok(None),
        (Some(id), Some(secret)) => Ok(Some(AppCredentials { id, secret })),
        (Some(_), None) => Err(bad(secret, &format!("must be set when {id} is"))),
        (None, Some(_)) => Err(bad(id, &format!("must be set when {secret} is"))),
    }
}

fn social_config(get: &impl Fn(&str) -> Option<String>) -> Result<SocialConfig, ConfigError> {
    Ok(SocialConfig {
        meta: app_credentials(get, "META_APP_ID", "META_APP_SECRET")?,
        graph_base: parse_url(get, "META_GRAPH_BASE", "https://graph.facebook.com/v25.0")?,
        meta_dialog: parse_url(get, "META_DIALOG_URL", "https://www.facebook.com/v25.0/dialog/oauth")?,
        meta_config_id: get("META_CONFIG_ID").filter(|v| !v.trim().is_empty()),
        tiktok: app_credentials(get, "TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET")?,
        tiktok_api_base: parse_url(get, "TIKTOK_API_BASE", "https://open.tiktokapis.com")?,
        tiktok_authorize: parse_url(get, "TIKTOK_AUTH_URL", "https://www.tiktok.com/v2/auth/authorize/")?,
    })
}

/// Request rates of the REST API, per window of `window_seconds`: each
/// credential by its workspace's plan, and each client address whatever it
/// sends (API_RATE_LIMIT_FREE, _PRO, _AGENCY, _PER_ADDRESS,
/// API_RATE_WINDOW_SECONDS).
#[derive(Debug, Clone, Copy)]
pub struct ApiRateConfig {
    pub window_seconds: i64,
    pub per_address: i64,
    pub free: i64,
    pub pro: i64,
    pub agency: i64,
}

impl ApiRateConfig {
    pub fn for_plan(&self, plan: Plan) -> i64 {
        match plan {
            Plan::Free => self.free,
            Plan::Pro => self.pro,
            Plan::Agency => self.agency,
        }
    }
}

/// Access tokens of the REST API (`POST /api/v1/auth/login`): signed JWTs
/// that last JWT_EXPIRE_MINUTES, with a refresh token that rotates on every
/// use and lasts JWT_REFRESH_DAYS.
#[derive(Clone)]
pub struct JwtConfig {
    /// JWT_SECRET_KEY; without it the key is derived from the sealing key,
    /// so a newcomer's server signs tokens without any setting.
    pub secret: Option<String>,
    pub algorithm: JwtAlgorithm,
    pub expire_minutes: i64,
    pub refresh_days: i64,
}

/// The signing algorithms this server implements: the HMAC family, one
/// shared secret. Asymmetric ones (RS256, ES256, EdDSA) would need a key
/// pair this server does not manage, so asking for one stops start-up
/// instead of silently signing with something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Hs384,
    Hs512,
}

impl JwtAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            JwtAlgorithm::Hs256 => "HS256",
            JwtAlgorithm::Hs384 => "HS384",
            JwtAlgorithm::Hs512 => "HS512",
        }
    }

    fn parse(name: &str) -> Option<JwtAlgorithm> {
        [JwtAlgorithm::Hs256, JwtAlgorithm::Hs384, JwtAlgorithm::Hs512]
            .into_iter()
            .find(|a| a.name() == name.trim())
    }
}

/// Plans and payments. Without STRIPE_SECRET_KEY billing can run in test
/// mode (plan changes apply at once and nothing is charged): on by default
/// only while APP_URL is a loopback address (a trial on this machine),
/// anywhere else only with BILLING_TEST_MODE=true. Otherwise plans cannot be
/// changed at all, so a public server never hands out paid plans for free.
#[derive(Clone)]
pub struct BillingConfig {
    pub stripe: Option<StripeConfig>,
    /// Test mode allowed (it applies only without Stripe).
    pub test_mode_allowed: bool,
    /// Test mode was asked for explicitly, on a server others can reach.
    pub test_mode_explicit: bool,
    /// Free trial days on a first paid subscription (TRIAL_DAYS; 0 = none).
    pub trial_days: i64,
    /// Days a workspace keeps its paid limits after a failed payment
    /// (DUNNING_GRACE_DAYS) before it drops to the free limits.
    pub dunning_grace_days: i64,
}

#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub webhook_secret: String,
    /// STRIPE_API_BASE: Stripe itself, or a local stand-in for tests.
    pub api_base: url::Url,
    pub price_pro: String,
    pub price_agency: String,
}

impl BillingConfig {
    pub fn test_mode(&self) -> bool {
        self.stripe.is_none() && self.test_mode_allowed
    }

    /// Neither Stripe nor test mode: plans cannot be changed.
    pub fn unavailable(&self) -> bool {
        self.stripe.is_none() && !self.test_mode_allowed
    }
}

impl std::fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingConfig")
            .field("stripe", &self.stripe.as_ref().map(|s| s.api_base.as_str()))
            .field("test_mode", &self.test_mode())
            .field("trial_days", &self.trial_days)
            .field("dunning_grace_days", &self.dunning_grace_days)
            .finish()
    }
}

/// How the scheduler and its workers run.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// `serve` spawns the scheduler unless this is off (RUN_WORKER=false or `serve --no-worker`).
    pub run_in_serve: bool,
    /// How often an idle worker looks for due schedules and jobs (WORKER_POLL_SECONDS).
    pub poll: Duration,
    /// Jobs one worker process runs at once.
    pub concurrency: usize,
    /// Jobs one workspace may have running at once across all workers.
    pub workspace_concurrency: i64,
    /// How long a claimed job stays a worker's without a heartbeat.
    pub lease: Duration,
    pub max_attempts: i64,
    /// First retry delay; doubled per attempt up to `retry_max`, with jitter.
    pub retry_base: Duration,
    pub retry_max: Duration,
}

/// An OpenAI-compatible chat-completions endpoint; without a key the
/// built-in generator writes the posts.
#[derive(Clone)]
pub struct OpenAiConfig {
    pub api_key: Option<String>,
    pub base_url: url::Url,
    pub model: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("key", &self.api_key.is_some())
            .field("base_url", &self.base_url.as_str())
            .field("model", &self.model)
            .finish()
    }
}

impl std::fmt::Debug for Config {
    // Hand-written so that secrets can never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("app_url", &self.app_url.as_str())
            .field("bind_addr", &self.bind_addr)
            .field(
                "database",
                &if self.database_url.starts_with("postgres") {
                    "postgres"
                } else {
                    "sqlite"
                },
            )
            .field("smtp", &self.smtp_url.is_some())
            .field("worker", &self.worker)
            .field("openai", &self.openai)
            .field("outbound_allow_private", &self.outbound_allow_private)
            .field("billing", &self.billing)
            .field("metrics", &self.metrics)
            .field("social", &self.social)
            .field("salla", &self.salla)
            .finish_non_exhaustive()
    }
}

/// Where `/metrics` is served: on its own address (METRICS_ADDR, e.g. a
/// port only the scraper reaches) or on the app's, behind a bearer token
/// (METRICS_TOKEN). With neither it is not served at all.
#[derive(Clone, Default)]
pub struct MetricsConfig {
    pub addr: Option<SocketAddr>,
    pub token: Option<String>,
}

impl std::fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("addr", &self.addr)
            .field("token", &self.token.is_some())
            .finish()
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/autopilot.db?mode=rwc";

impl Config {
    /// The origins of the sign-in pages of the platforms that are on (Meta,
    /// TikTok, Salla), each after a space, for the pages' form-action: a
    /// "Connect" form's answer is a redirect to one of them, and browsers
    /// hold a form's redirects to form-action too.
    pub fn sign_in_origins(&self) -> String {
        let (social, salla) = (&self.social, &self.salla);
        [
            social.meta.as_ref().map(|_| &social.meta_dialog),
            social.tiktok.as_ref().map(|_| &social.tiktok_authorize),
            salla.app.as_ref().map(|_| &salla.auth_base),
        ]
        .into_iter()
        .flatten()
        .map(|url| format!(" {}", url.origin().ascii_serialization()))
        .collect()
    }

    /// Reads the process environment, after loading `.env` if one exists.
    pub fn from_env() -> Result<Config, ConfigError> {
        let _ = dotenvy::dotenv();
        Config::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the configuration from any lookup, so tests need not touch the
    /// process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let app_url = parse_url(&get, "APP_URL", "http://127.0.0.1:3000")?;
        let bind_addr = match get("BIND_ADDR").or_else(|| get("LEPTOS_SITE_ADDR")) {
            Some(v) => v
                .parse()
                .map_err(|_| bad("BIND_ADDR", "must be host:port, e.g. 127.0.0.1:3000"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(bad("DATABASE_URL", "must start with sqlite: or postgres://"));
        }
        let secret_key = get("SECRET_KEY");
        if secret_key.as_ref().is_some_and(|k| k.len() < 32) {
            return Err(bad("SECRET_KEY", "must be at least 32 characters"));
        }
        let log_json = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(_) => return Err(bad("LOG_FORMAT", "must be text or json")),
        };
        // Only a server that nobody else can reach is a trial on this machine.
        let this_machine_only = is_loopback(&app_url) && bind_addr.ip().is_loopback();
        let billing = BillingConfig {
            test_mode_allowed: billing_test_mode(&get, this_machine_only)?,
            test_mode_explicit: get("BILLING_TEST_MODE").is_some() && !this_machine_only,
            stripe: stripe_config(&get)?,
            trial_days: parse_int(&get, "TRIAL_DAYS", 14, 0..=365)?,
            dunning_grace_days: parse_int(&get, "DUNNING_GRACE_DAYS", 7, 0..=90)?,
        };
        Ok(Config {
            database_url,
            app_url,
            bind_addr,
            secret_key,
            smtp_url: get("SMTP_URL"),
            mail_from: get("MAIL_FROM").unwrap_or_else(|| "Autopilot <no-reply@autopilot.local>".into()),
            admin_emails: get("ADMIN_EMAILS")
                .map(|v| {
                    v.split(',')
                        .map(|e| e.trim().to_lowercase())
                        .filter(|e| !e.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            log_json,
            trust_forwarded_for: parse_bool(&get, "TRUST_X_FORWARDED_FOR", false)?,
            session_days: parse_int(&get, "SESSION_DAYS", 14, 1..=365)?,
            session_max_days: parse_int(&get, "SESSION_MAX_DAYS", 30, 1..=365)?,
            free_workspaces_per_user: parse_int(&get, "FREE_WORKSPACES_PER_USER", 3, 1..=1_000)?,
            free_posts_limit: parse_int(&get, "FREE_POSTS_LIMIT", 10, 0..=1_000_000)?,
            pro_posts_limit: parse_int(&get, "PRO_POSTS_LIMIT", 200, 0..=1_000_000)?,
            agency_posts_limit: parse_int(&get, "AGENCY_POSTS_LIMIT", 2_000, 0..=1_000_000)?,
            secret_key_file: get("SECRET_KEY_FILE").unwrap_or_else(|| "data/secret.key".into()),
            media_dir: get("MEDIA_DIR").unwrap_or_else(|| "data/media".into()).into(),
            worker: WorkerConfig {
                run_in_serve: parse_bool(&get, "RUN_WORKER", true)?,
                poll: parse_seconds(&get, "WORKER_POLL_SECONDS", 5.0, 0.01..=3600.0)?,
                concurrency: parse_int(&get, "WORKER_CONCURRENCY", 8, 1..=256)? as usize,
                workspace_concurrency: parse_int(&get, "WORKSPACE_CONCURRENCY", 2, 1..=256)?,
                lease: parse_seconds(&get, "WORKER_LEASE_SECONDS", 120.0, 1.0..=3600.0)?,
                max_attempts: parse_int(&get, "JOB_MAX_ATTEMPTS", 5, 1..=50)?,
                retry_base: parse_seconds(&get, "JOB_RETRY_BASE_SECONDS", 30.0, 0.01..=3600.0)?,
                retry_max: parse_seconds(&get, "JOB_RETRY_MAX_SECONDS", 3600.0, 0.01..=86_400.0)?,
            },
            openai: OpenAiConfig {
                api_key: get("OPENAI_API_KEY"),
                base_url: parse_url(&get, "OPENAI_BASE_URL", "https://api.openai.com/v1")?,
                model: get("OPENAI_MODEL").unwrap_or_else(|| "gpt-4o-mini".into()),
                timeout: parse_seconds(&get, "OPENAI_TIMEOUT_SECONDS", 90.0, 1.0..=600.0)?,
            },
            wordpress_timeout: parse_seconds(&get, "WORDPRESS_TIMEOUT_SECONDS", 30.0, 1.0..=300.0)?,
            outbound_allow_private: parse_bool(&get, "OUTBOUND_ALLOW_PRIVATE", false)?,
            billing,
            // Never an admin's sign-in address by default: that is not a
            // contact to hand to every suspended member.
            support_email: get("SUPPORT_EMAIL").unwrap_or_else(|| "the operator of this service".into()),
            metrics: metrics_config(&get)?,
            jwt: jwt_config(&get)?,
            api_rate: ApiRateConfig {
                window_seconds: parse_int(&get, "API_RATE_WINDOW_SECONDS", 60, 1..=3600)?,
                per_address: parse_int(&get, "API_RATE_LIMIT_PER_ADDRESS", 1_200, 1..=1_000_000)?,
                free: parse_int(&get, "API_RATE_LIMIT_FREE", 60, 1..=1_000_000)?,
                pro: parse_int(&get, "API_RATE_LIMIT_PRO", 600, 1..=1_000_000)?,
                agency: parse_int(&get, "API_RATE_LIMIT_AGENCY", 3_000, 1..=1_000_000)?,
            },
            social: social_config(&get)?,
            salla: salla_config(&get)?,
        })
    }

    /// Cookies are marked Secure (and get the `__Host-` prefix) whenever the
    /// public URL is HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.app_url.scheme() == "https"
    }

    /// The origin browsers send for pages of this app, e.g. `http://127.0.0.1:3000`.
    pub fn app_origin(&self) -> String {
        self.app_url.origin().ascii_serialization()
    }

    pub fn plan_limits(&self, plan: Plan) -> PlanLimits {
        let posts_per_month = match plan {
            Plan::Free => self.free_posts_limit,
            Plan::Pro => self.pro_posts_limit,
            Plan::Agency => self.agency_posts_limit,
        };
        PlanLimits {
            posts_per_month,
            ..plan.default_limits()
        }
    }

    pub fn is_admin_email(&self, email: &str) -> bool {
        self.admin_emails.iter().any(|e| e == email)
    }
}

/// Stripe is on when STRIPE_SECRET_KEY is set; it then needs the webhook
/// secret, since without webhooks no payment would ever reach the app.
fn stripe_config(get: &impl Fn(&str) -> Option<String>) -> Result<Option<StripeConfig>, ConfigError> {
    let Some(secret_key) = get("STRIPE_SECRET_KEY") else {
        return Ok(None);
    };
    if !secret_key.starts_with("sk_") && !secret_key.starts_with("rk_") {
        return Err(bad("STRIPE_SECRET_KEY", "must be a Stripe secret key (sk_… or rk_…)"));
    }
    let webhook_secret = get("STRIPE_WEBHOOK_SECRET").ok_or_else(|| {
        bad(
            "STRIPE_WEBHOOK_SECRET",
            "must be set when STRIPE_SECRET_KEY is (the whsec_… of your webhook endpoint)",
        )
    })?;
    let price =
        |name: &'static str| get(name).ok_or_else(|| bad(name, "must be set when STRIPE_SECRET_KEY is (a price_… id)"));
    Ok(Some(StripeConfig {
        secret_key,
        webhook_secret,
        api_base: parse_url(get, "STRIPE_API_BASE", "https://api.stripe.com")?,
        price_pro: price("STRIPE_PRICE_PRO")?,
        price_agency: price("STRIPE_PRICE_AGENCY")?,
    }))
}

fn jwt_config(get: &impl Fn(&str) -> Option<String>) -> Result<JwtConfig, ConfigError> {
    let secret = get("JWT_SECRET_KEY");
    if secret.as_ref().is_some_and(|k| k.len() < 32) {
        return Err(bad("JWT_SECRET_KEY", "must be at least 32 characters"));
    }
    let algorithm = match get("JWT_ALGORITHM") {
        None => JwtAlgorithm::Hs256,
        Some(name) => JwtAlgorithm::parse(&name).ok_or_else(|| {
            bad(
                "JWT_ALGORITHM",
                &format!("{name:?} is not supported: use HS256 (the default), HS384 or HS512"),
            )
        })?,
    };
    Ok(JwtConfig {
        secret,
        algorithm,
        expire_minutes: parse_int(get, "JWT_EXPIRE_MINUTES", 15, 1..=1440)?,
        refresh_days: parse_int(get, "JWT_REFRESH_DAYS", 30, 1..=365)?,
    })
}

fn metrics_config(get: &impl Fn(&str) -> Option<String>) -> Result<MetricsConfig, ConfigError> {
    let addr = match get("METRICS_ADDR") {
        Some(v) => Some(
            v.parse()
                .map_err(|_| bad("METRICS_ADDR", "must be host:port, e.g. 127.0.0.1:9100"))?,
        ),
        None => None,
    };
    let token = get("METRICS_TOKEN");
    if token.as_ref().is_some_and(|t| t.len() < 16) {
        return Err(bad("METRICS_TOKEN", "must be at least 16 characters"));
    }
    Ok(MetricsConfig { addr, token })
}

/// True when APP_URL names this machine (127.0.0.0/8, ::1 or localhost).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// BILLING_TEST_MODE, defaulting to on only for a server on this machine
/// alone (loopback APP_URL and BIND_ADDR); it cannot be on beside a Stripe key.
fn billing_test_mode(get: &impl Fn(&str) -> Option<String>, this_machine_only: bool) -> Result<bool, ConfigError> {
    let on = parse_bool(get, "BILLING_TEST_MODE", this_machine_only)?;
    if on && get("BILLING_TEST_MODE").is_some() && get("STRIPE_SECRET_KEY").is_some() {
        return Err(bad(
            "BILLING_TEST_MODE",
            "cannot be true while STRIPE_SECRET_KEY is set",
        ));
    }
    Ok(on)
}

fn bad(name: &'static str, problem: &str) -> ConfigError {
    ConfigError {
        name,
        problem: problem.into(),
    }
}

fn parse_url(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<url::Url, ConfigError> {
    let raw = get(name).unwrap_or_else(|| default.into());
    let url = url::Url::parse(&raw).map_err(|_| bad(name, "must be an absolute URL like https://example.com"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad(name, "must be an http(s) URL with a host"));
    }
    Ok(url)
}

fn parse_int(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ConfigError> {
    let Some(raw) = get(name) else { return Ok(default) };
    let value: i64 = raw.trim().parse().map_err(|_| bad(name, "must be a whole number"))?;
    if !range.contains(&value) {
        return Err(bad(
            name,
            &format!("must be between {} and {}", range.start(), range.end()),
        ));
    }
    Ok(value)
}

fn parse_seconds(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: f64,
    range: std::ops::RangeInclusive<f64>,
) -> Result<Duration, ConfigError> {
    let value = match get(name) {
        None => default,
        Some(raw) => raw
            .trim()
            .parse::<f64>()
            .map_err(|_| bad(name, "must be a number of seconds"))?,
    };
    if !range.contains(&value) {
        return Err(bad(
            name,
            &format!("must be between {} and {} seconds", range.start(), range.end()),
        ));
    }
    Ok(Duration::from_secs_f64(value))
}

fn parse_bool(get: &impl Fn(&str) -> Option<String>, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match get(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes") => Ok(true),
        Some("0" | "false" | "no") => Ok(false),
        Some(_) => Err(bad(name, "must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_give_the_embedded_sqlite_setup() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert!(!c.secure_cookies());
        assert_eq!(c.plan_limits(Plan::Pro).posts_per_month, 200);
        assert!(c.billing.test_mode(), "a trial on this machine can change plans");
    }

    #[test]
    fn jwt_settings_default_to_hs256_and_refuse_what_is_not_supported() {
        let c = config(&[]).unwrap();
        assert_eq!(c.jwt.algorithm, JwtAlgorithm::Hs256);
        assert_eq!((c.jwt.expire_minutes, c.jwt.refresh_days), (15, 30));
        assert!(c.jwt.secret.is_none(), "derived from the sealing key when unset");
        let hs512 = config(&[("JWT_ALGORITHM", "HS512"), ("JWT_EXPIRE_MINUTES", "5")]).unwrap();
        assert_eq!(
            (hs512.jwt.algorithm, hs512.jwt.expire_minutes),
            (JwtAlgorithm::Hs512, 5)
        );
        for alg in ["RS256", "none", "hs256", "ES256"] {
            let e = config(&[("JWT_ALGORITHM", alg)]).expect_err(alg);
            assert_eq!(e.name, "JWT_ALGORITHM");
        }
        assert_eq!(
            config(&[("JWT_SECRET_KEY", "short")]).err().unwrap().name,
            "JWT_SECRET_KEY"
        );
        assert_eq!(
            config(&[("JWT_EXPIRE_MINUTES", "0")]).err().unwrap().name,
            "JWT_EXPIRE_MINUTES"
        );
    }

    #[test]
    fn billing_test_mode_needs_asking_for_on_a_public_address() {
        let public = config(&[("APP_URL", "https://ap.example.com")]).unwrap();
        assert!(!public.billing.test_mode() && public.billing.unavailable());
        let asked = config(&[("APP_URL", "https://ap.example.com"), ("BILLING_TEST_MODE", "true")]).unwrap();
        assert!(asked.billing.test_mode() && asked.billing.test_mode_explicit);
        let local = config(&[("APP_URL", "http://localhost:3000")]).unwrap();
        assert!(local.billing.test_mode() && !local.billing.test_mode_explicit);
        let exposed = config(&[("BIND_ADDR", "0.0.0.0:3000")]).unwrap();
        assert!(
            exposed.billing.unavailable(),
            "listening beyond this machine needs asking"
        );
        let off = config(&[("BILLING_TEST_MODE", "false")]).unwrap();
        assert!(off.billing.unavailable());
        assert_eq!(
            config(&[("BILLING_TEST_MODE", "yes please")]).unwrap_err().name,
            "BILLING_TEST_MODE"
        );
    }

    #[test]
    fn malformed_values_name_the_variable() {
        let err = config(&[("FREE_POSTS_LIMIT", "lots")]).unwrap_err();
        assert_eq!(err.name, "FREE_POSTS_LIMIT");
        assert_eq!(config(&[("APP_URL", "not a url")]).unwrap_err().name, "APP_URL");
        assert_eq!(
            config(&[("DATABASE_URL", "mysql://x")]).unwrap_err().name,
            "DATABASE_URL"
        );
        assert_eq!(config(&[("LOG_FORMAT", "xml")]).unwrap_err().name, "LOG_FORMAT");
        assert_eq!(config(&[("SECRET_KEY", "short")]).unwrap_err().name, "SECRET_KEY");
        assert_eq!(
            config(&[("WORKER_POLL_SECONDS", "0")]).unwrap_err().name,
            "WORKER_POLL_SECONDS"
        );
        assert_eq!(config(&[("RUN_WORKER", "maybe")]).unwrap_err().name, "RUN_WORKER");
        assert_eq!(
            config(&[("OPENAI_BASE_URL", "nope")]).unwrap_err().name,
            "OPENAI_BASE_URL"
        );
        assert!(err.to_string().contains("FREE_POSTS_LIMIT"));
    }

    #[test]
    fn post_limit_overrides_apply() {
        let c = config(&[("AGENCY_POSTS_LIMIT", "5000")]).unwrap();
        assert_eq!(c.plan_limits(Plan::Agency).posts_per_month, 5000);
        assert_eq!(c.plan_limits(Plan::Agency).sites, 50);
    }

    #[test]
    fn https_app_url_means_secure_cookies_and_debug_hides_secrets() {
        let c = config(&[
            ("APP_URL", "https://ap.example.com"),
            ("SECRET_KEY", &"k".repeat(40)),
            ("OPENAI_API_KEY", "sk-very-secret"),
        ])
        .unwrap();
        assert!(c.secure_cookies());
        assert_eq!(c.app_origin(), "https://ap.example.com");
        assert!(!format!("{c:?}").contains("kkkk"));
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }

    #[test]
    fn a_social_platform_needs_both_credentials_and_hides_its_secret() {
        let c = config(&[]).unwrap();
        assert!(c.social.meta.is_none() && c.social.tiktok.is_none());
        assert_eq!(c.social.graph_base.as_str(), "https://graph.facebook.com/v25.0");
        assert_eq!(config(&[("META_APP_ID", "123")]).unwrap_err().name, "META_APP_SECRET");
        assert_eq!(
            config(&[("TIKTOK_CLIENT_SECRET", "s")]).unwrap_err().name,
            "TIKTOK_CLIENT_KEY"
        );
        let c = config(&[
            ("META_APP_ID", "123"),
            ("META_APP_SECRET", "meta-very-secret"),
            ("TIKTOK_CLIENT_KEY", "aw123"),
            ("TIKTOK_CLIENT_SECRET", "tiktok-very-secret"),
            ("TIKTOK_API_BASE", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(c.social.meta.as_ref().map(|m| m.id.as_str()), Some("123"));
        assert_eq!(c.social.tiktok_api_base.as_str(), "http://127.0.0.1:9/");
        let shown = format!("{c:?}");
        assert!(!shown.contains("meta-very-secret") && !shown.contains("tiktok-very-secret"));
    }

    #[test]
    fn stripe_is_off_by_default_and_complete_when_on() {
        let c = config(&[]).unwrap();
        assert!(c.billing.test_mode());
        assert_eq!((c.billing.trial_days, c.billing.dunning_grace_days), (14, 7));

        let err = config(&[("STRIPE_SECRET_KEY", "sk_test_abc")]).unwrap_err();
        assert_eq!(err.name, "STRIPE_WEBHOOK_SECRET");
        let err = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_abc"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "STRIPE_PRICE_PRO");
        assert_eq!(
            config(&[("STRIPE_SECRET_KEY", "pk_test_abc")]).unwrap_err().name,
            "STRIPE_SECRET_KEY"
        );

        let c = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_abc"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_hidden"),
            ("STRIPE_PRICE_PRO", "price_p"),
            ("STRIPE_PRICE_AGENCY", "price_a"),
            ("STRIPE_API_BASE", "http://127.0.0.1:12111"),
            ("TRIAL_DAYS", "0"),
        ])
        .unwrap();
        assert!(!c.billing.test_mode());
        assert_eq!(c.billing.trial_days, 0);
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("sk_test_abc") && !shown.contains("whsec_hidden"),
            "{shown}"
        );
    }
}
