//! The `autopilot` command: serve (default), migrate, admin.

use crate::server::auth::PlatformAdmin;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::domain::Email;
use crate::server::services::{accounts, billing, mail};
use crate::server::startup::{leptos_options, shutdown_signal, start_worker, Application};
use crate::server::state::AppState;
use crate::server::telemetry;
use std::process::ExitCode;

const USAGE: &str = "usage: autopilot [serve [--no-worker] | worker | migrate | admin grant <email> | \
     admin outbox [count] | admin limits <workspace-id> [posts=N] [sites=N] [members=N] [social_accounts=N] [stores=N] | \
     stand-ins [meta-address] [tiktok-address] [salla-address]]";

pub async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // The stand-ins are not the app: they need none of its settings.
    if let ["stand-ins", addresses @ ..] = args.as_slice() {
        return match stand_ins(addresses).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(config.log_json);
    let outcome = match args.as_slice() {
        [] | ["serve"] => serve(config).await,
        ["serve", "--no-worker"] => {
            let mut config = config;
            config.worker.run_in_serve = false;
            serve(config).await
        }
        ["worker"] => worker(config).await,
        ["migrate"] => migrate(&config).await,
        ["admin", "grant", email] => grant(&config, email).await,
        ["admin", "outbox"] => outbox(&config, 10).await,
        ["admin", "outbox", n] => match n.parse() {
            Ok(n) if n > 0 => outbox(&config, n).await,
            _ => Err(USAGE.into()),
        },
        ["admin", "limits", workspace, limits @ ..] => set_limits(&config, workspace, limits).await,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("autopilot: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open(config: &Config) -> Result<Db, String> {
    Db::open(&config.database_url).await
}

async fn serve(config: Config) -> Result<(), String> {
    let admins = config.admin_emails.clone();
    let app = Application::build(config, leptos_options()).await?;
    accounts::grant_admin_emails(&app.state().db, &admins)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(addr = %app.local_addr(), config = ?app.state().config, "autopilot listening");
    log_billing_mode(&app.state().config);
    app.run(shutdown_signal()).await.map_err(|e| e.to_string())
}

/// Says out loud when plans change without payment on a server others can reach.
fn log_billing_mode(config: &Config) {
    let billing = &config.billing;
    if billing.test_mode() && billing.test_mode_explicit {
        tracing::warn!("BILLING_TEST_MODE is on: plan changes apply at once and nothing is charged");
    } else if billing.test_mode() {
        tracing::info!("billing test mode (APP_URL is this machine): plan changes apply at once");
    } else if billing.unavailable() {
        tracing::warn!("no STRIPE_SECRET_KEY and no BILLING_TEST_MODE: plans cannot be changed");
    }
}

/// The scheduler alone, beside web processes started with `--no-worker`
/// (or RUN_WORKER=false) on a shared PostgreSQL.
async fn worker(config: Config) -> Result<(), String> {
    let db = open(&config).await?;
    let state = AppState::new(config, db, leptos_options())?;
    start_worker(state).await.run(shutdown_signal()).await;
    Ok(())
}

async fn migrate(config: &Config) -> Result<(), String> {
    open(config).await?;
    println!("database is up to date");
    Ok(())
}

async fn grant(config: &Config, email: &str) -> Result<(), String> {
    let email = Email::parse(email).map_err(|_| format!("{email:?} is not an email address"))?;
    let db = open(config).await?;
    if accounts::grant_admin(&db, &email).await.map_err(|e| e.to_string())? {
        println!("{} is now a platform admin", email.as_str());
        Ok(())
    } else {
        Err(format!("no user with email {}", email.as_str()))
    }
}

/// Grants one workspace limits beyond its plan; a limit left out follows the plan again.
async fn set_limits(config: &Config, workspace: &str, limits: &[&str]) -> Result<(), String> {
    let mut overrides = billing::Overrides {
        posts: None,
        sites: None,
        members: None,
        social_accounts: None,
        stores: None,
    };
    for item in limits {
        let (name, value) = item.split_once('=').ok_or(USAGE)?;
        let value: i64 = value.parse().map_err(|_| format!("{name} must be a whole number"))?;
        match name {
            "posts" => overrides.posts = Some(value),
            "sites" => overrides.sites = Some(value),
            "members" => overrides.members = Some(value),
            "social_accounts" => overrides.social_accounts = Some(value),
            "stores" => overrides.stores = Some(value),
            _ => return Err(USAGE.into()),
        }
    }
    let state = AppState::new(config.clone(), open(config).await?, leptos_options())?;
    let workspace_id = crate::app::types::TenantId::new(workspace.to_string());
    billing::set_overrides(&PlatformAdmin::operator(), &state, &workspace_id, &overrides)
        .await
        .map_err(|e| match e {
            crate::server::error::ServerError::NotFound => format!("no workspace with id {workspace}"),
            other => other.to_string(),
        })?;
    println!("limits of {workspace} set");
    Ok(())
}

async fn outbox(config: &Config, count: i64) -> Result<(), String> {
    let state = AppState::new(config.clone(), open(config).await?, leptos_options())?;
    let mails = mail::recent(&PlatformAdmin::operator(), &state, count)
        .await
        .map_err(|e| e.to_string())?;
    if mails.is_empty() {
        println!("the outbox is empty");
    }
    for m in mails {
        let at = time::OffsetDateTime::from_unix_timestamp(m.created_at)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_else(|| m.created_at.to_string());
        println!(
            "--- {at} · to {} · {} · {}\n{}\n",
            m.to_address, m.status, m.subject, m.body_text
        );
    }
    Ok(())
}

/// Serves the Meta, TikTok and Salla stand-ins (by default on
/// 127.0.0.1:4010, :4020 and :4030) until Ctrl-C, and prints the settings
/// that point the app at them. The Salla stand-in's store has 40 products.
async fn stand_ins(addresses: &[&str]) -> Result<(), String> {
    use crate::server::standins::{
        self, meta::MetaStandIn, salla::SallaStandIn, tiktok::TikTokStandIn, APP_ID, APP_SECRET,
    };
    let parse = |i: usize, default: &str| -> Result<std::net::SocketAddr, String> {
        let raw = addresses.get(i).copied().unwrap_or(default);
        raw.parse()
            .map_err(|_| format!("{raw} is not an address like 127.0.0.1:4010\n{USAGE}"))
    };
    if addresses.len() > 3 {
        return Err(USAGE.into());
    }
    let (meta_at, tiktok_at, salla_at) = (
        parse(0, "127.0.0.1:4010")?,
        parse(1, "127.0.0.1:4020")?,
        parse(2, "127.0.0.1:4030")?,
    );
    // They send people wherever a sign-in asks: for this machine only.
    if [meta_at, tiktok_at, salla_at].iter().any(|a| !a.ip().is_loopback()) {
        return Err("the stand-ins listen on loopback addresses only (127.0.0.1, ::1)".into());
    }
    let meta = standins::serve(MetaStandIn::new().router(), meta_at)
        .await
        .map_err(|e| e.to_string())?;
    let tiktok = standins::serve(TikTokStandIn::new().router(), tiktok_at)
        .await
        .map_err(|e| e.to_string())?;
    let salla = standins::serve(SallaStandIn::new(40).router(), salla_at)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Stand-ins for Meta, TikTok and Salla are running (not the real platforms). Start the app with:\n\
         META_APP_ID={APP_ID} META_APP_SECRET={APP_SECRET} META_GRAPH_BASE=http://{meta}/v25.0 \\\n  \
         META_DIALOG_URL=http://{meta}/v25.0/dialog/oauth \\\n  \
         TIKTOK_CLIENT_KEY={APP_ID} TIKTOK_CLIENT_SECRET={APP_SECRET} TIKTOK_API_BASE=http://{tiktok} \\\n  \
         TIKTOK_AUTH_URL=http://{tiktok}/v2/auth/authorize/ \\\n  \
         SALLA_CLIENT_ID={APP_ID} SALLA_CLIENT_SECRET={APP_SECRET} SALLA_AUTH_BASE=http://{salla} \\\n  \
         SALLA_API_BASE=http://{salla}"
    );
    shutdown_signal().await;
    Ok(())
}
