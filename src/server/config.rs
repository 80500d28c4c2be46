//! Configuration from the environment (and `.env` when present).
//! Every variable is parsed once at start-up; a malformed one stops the
//! process with a message that names it. `.env.example` documents them all.

use crate::app::types::{Plan, PlanLimits};
use std::net::SocketAddr;

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
    pub session_days: i64,
    pub free_posts_limit: i64,
    pub pro_posts_limit: i64,
    pub agency_posts_limit: i64,
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
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/autopilot.db?mode=rwc";

impl Config {
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
            free_posts_limit: parse_int(&get, "FREE_POSTS_LIMIT", 10, 0..=1_000_000)?,
            pro_posts_limit: parse_int(&get, "PRO_POSTS_LIMIT", 200, 0..=1_000_000)?,
            agency_posts_limit: parse_int(&get, "AGENCY_POSTS_LIMIT", 2_000, 0..=1_000_000)?,
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
        let c = config(&[("APP_URL", "https://ap.example.com"), ("SECRET_KEY", &"k".repeat(40))]).unwrap();
        assert!(c.secure_cookies());
        assert_eq!(c.app_origin(), "https://ap.example.com");
        assert!(!format!("{c:?}").contains("kkkk"));
    }
}
