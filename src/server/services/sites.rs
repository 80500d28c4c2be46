//! WordPress sites of a workspace: credentials (sealed, write-only), the
//! connection test, automation settings and the on/off switch.

use crate::app::types::{Connection, ConnectionCheck, Permission, SiteDetail, SiteSettings, SiteSummary, UpcomingRun};
use crate::server::auth::TenantContext;
use crate::server::clients::wordpress::{WordPress, WpError};
use crate::server::db::{new_id, now, Db, Flag};
use crate::server::domain::{format_in_zone, parse_time_zone, AutomationSettings, Schedule, SiteName, SiteUrl};
use crate::server::error::{ServerError, ServerResult};
use crate::server::secrets::{Binding, Sealer};
use crate::server::state::AppState;
use std::time::Duration;

/// The credentials as a form submits them; `password` is None on an edit
/// that keeps the stored one.
pub struct SiteInput {
    pub name: SiteName,
    pub url: SiteUrl,
    pub username: String,
    pub password: Option<String>,
}

impl SiteInput {
    pub fn parse(name: &str, url: &str, username: &str, password: &str) -> ServerResult<SiteInput> {
        let username = username.trim().to_owned();
        if username.is_empty() || username.chars().count() > 60 {
            return Err(ServerError::Validation("Enter the WordPress username.".into()));
        }
        let password = password.trim();
        if password.chars().count() > 200 {
            return Err(ServerError::Validation("That application password is too long.".into()));
        }
        Ok(SiteInput {
            name: SiteName::parse(name)?,
            url: SiteUrl::parse(url)?,
            username,
            password: (!password.is_empty()).then(|| password.to_owned()),
        })
    }
}

/// A site row. The sealed password never leaves this module except to
/// build a WordPress client.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SiteRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub url: String,
    pub username: String,
    password_sealed: String,
    pub connection: String,
    pub connection_detail: String,
    pub automation_on: Flag,
    pub niche: String,
    pub topics: String,
    pub tone: String,
    pub language: String,
    pub target_words: i64,
    pub categories: String,
    pub tags: String,
    pub wp_status: String,
    pub approval: String,
    pub schedule_kind: String,
    pub schedule_times: String,
    pub schedule_cron: String,
    pub time_zone: String,
    pub next_run_at: Option<i64>,
}

pub const SITE_COLUMNS: &str = "id, tenant_id, name, url, username, password_sealed, connection, connection_detail, \
     automation_on, niche, topics, tone, language, target_words, categories, tags, wp_status, approval, \
     schedule_kind, schedule_times, schedule_cron, time_zone, next_run_at";

fn binding<'a>(tenant_id: &'a str, site_id: &'a str) -> Binding<'a> {
    Binding {
        purpose: "site-password",
        tenant_id,
        row_id: site_id,
    }
}

impl SiteRow {
    pub fn summary(&self) -> SiteSummary {
        SiteSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            url: self.url.clone(),
            username: self.username.clone(),
            connection: Connection::parse(&self.connection),
            connection_detail: self.connection_detail.clone(),
            automation_on: self.automation_on.0,
            next_run_at: self.next_run_at,
            time_zone: self.time_zone.clone(),
        }
    }

    pub fn settings(&self) -> SiteSettings {
        SiteSettings {
            niche: self.niche.clone(),
            topics: self.topics.clone(),
            tone: self.tone.clone(),
            language: self.language.clone(),
            target_words: self.target_words,
            categories: self.categories.clone(),
            tags: self.tags.clone(),
            wp_status: self.wp_status.clone(),
            approval: self.approval.clone(),
            schedule_kind: self.schedule_kind.clone(),
            schedule_times: self.schedule_times.clone(),
            schedule_cron: self.schedule_cron.clone(),
            time_zone: self.time_zone.clone(),
        }
    }

    pub fn schedule(&self) -> ServerResult<Schedule> {
        Schedule::parse(
            &self.schedule_kind,
            &self.schedule_times,
            &self.schedule_cron,
            &self.time_zone,
        )
    }

    /// A client for this site, with its password opened for the call.
    pub fn wordpress(&self, sealer: &Sealer, allow_private: bool, timeout: Duration) -> ServerResult<WordPress> {
        let password = sealer
            .open(&self.password_sealed, &binding(&self.tenant_id, &self.id))
            .map_err(|e| ServerError::internal(format!("site {}: {e}", self.id)))?;
        let base = url::Url::parse(&self.url).map_err(ServerError::internal)?;
        Ok(WordPress::new(&base, &self.username, &password, allow_private, timeout))
    }
}

/// One site of the caller's workspace; NotFound for any other workspace's id.
pub async fn load(db: &Db, tenant_id: &str, site_id: &str) -> ServerResult<SiteRow> {
    sqlx::query_as(&format!(
        "select {SITE_COLUMNS} from site where id = $1 and tenant_id = $2"
    ))
    .bind(site_id)
    .bind(tenant_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(ServerError::NotFound)
}

/// The workspace's sites whose schedule is running, for the calendar.
pub async fn automated(db: &Db, tenant_id: &str) -> ServerResult<Vec<SiteRow>> {
    Ok(sqlx::query_as(&format!(
        "select {SITE_COLUMNS} from site where tenant_id = $1 and automation_on = 1 order by lower(name), id"
    ))
    .bind(tenant_id)
    .fetch_all(&db.pool)
    .await?)
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn list(ctx: &TenantContext, db: &Db) -> ServerResult<Vec<SiteSummary>> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<SiteRow> = sqlx::query_as(&format!(
        "select {SITE_COLUMNS} from site where tenant_id = $1 order by lower(name), id"
    ))
    .bind(&ctx.tenant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(SiteRow::summary).collect())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn detail(ctx: &TenantContext, db: &Db, site_id: &str, viewer_zone: &str) -> ServerResult<SiteDetail> {
    ctx.require(Permission::ViewWorkspace)?;
    let row = load(db, &ctx.tenant_id, site_id).await?;
    let next_runs = upcoming(&row.schedule()?, now(), viewer_zone);
    Ok(SiteDetail {
        site: row.summary(),
        settings: row.settings(),
        next_runs,
    })
}

/// The next five runs of a schedule, in its zone and the viewer's (UTC when
/// the viewer's zone is unknown).
pub fn upcoming(schedule: &Schedule, after: i64, viewer_zone: &str) -> Vec<UpcomingRun> {
    let viewer = parse_time_zone(viewer_zone).unwrap_or(chrono_tz::UTC);
    schedule
        .next_runs(after, 5)
        .into_iter()
        .map(|at| UpcomingRun {
            at,
            in_site_zone: format_in_zone(at, schedule.time_zone()),
            in_viewer_zone: format_in_zone(at, viewer),
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn create(ctx: &TenantContext, state: &AppState, input: SiteInput) -> ServerResult<String> {
    ctx.require(Permission::ManageSites)?;
    let password = input
        .password
        .ok_or_else(|| ServerError::Validation("Enter the application password.".into()))?;
    let limit = state.config.plan_limits(ctx.plan).sites;
    let id = new_id();
    let sealed = state.sealer.seal(&password, &binding(&ctx.tenant_id, &id));
    let mut tx = state.db.begin_write().await?;
    let (count,): (i64,) = sqlx::query_as("select count(*) from site where tenant_id = $1")
        .bind(&ctx.tenant_id)
        .fetch_one(&mut *tx)
        .await?;
    if count >= limit {
        return Err(ServerError::Conflict(format!(
            "Your plan allows {limit} site{}. Upgrade to add more.",
            if limit == 1 { "" } else { "s" }
        )));
    }
    let at = now();
    sqlx::query(
        "insert into site (id, tenant_id, name, url, username, password_sealed, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(&ctx.tenant_id)
    .bind(input.name.as_str())
    .bind(input.url.as_str())
    .bind(&input.username)
    .bind(&sealed)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes name, address or credentials. New credentials reset the
/// connection state: they have not been tested yet.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn update(ctx: &TenantContext, state: &AppState, site_id: &str, input: SiteInput) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let row = load(&state.db, &ctx.tenant_id, site_id).await?;
    // The stored password must never be sent to a host it was not given for.
    let same_host = url::Url::parse(&row.url).ok().map(|u| u.origin()) == Some(input.url.url().origin());
    if !same_host && input.password.is_none() {
        return Err(ServerError::Validation(
            "Enter the application password again when you change the site's address.".into(),
        ));
    }
    let credentials_changed =
        input.password.is_some() || row.username != input.username || row.url != input.url.as_str();
    let sealed = match &input.password {
        Some(p) => state.sealer.seal(p, &binding(&ctx.tenant_id, site_id)),
        None => row.password_sealed.clone(),
    };
    let (connection, detail) = if credentials_changed {
        ("unknown", "")
    } else {
        (row.connection.as_str(), row.connection_detail.as_str())
    };
    sqlx::query(
        "update site set name = $1, url = $2, username = $3, password_sealed = $4, connection = $5, \
         connection_detail = $6, updated_at = $7 where id = $8 and tenant_id = $9",
    )
    .bind(input.name.as_str())
    .bind(input.url.as_str())
    .bind(&input.username)
    .bind(&sealed)
    .bind(connection)
    .bind(detail)
    .bind(now())
    .bind(site_id)
    .bind(&ctx.tenant_id)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Deletes the site with its jobs and stored posts (not the posts on WordPress).
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn delete(ctx: &TenantContext, db: &Db, site_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let done = sqlx::query("delete from site where id = $1 and tenant_id = $2")
        .bind(site_id)
        .bind(&ctx.tenant_id)
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    Ok(())
}

/// Calls `users/me` and records and names the outcome.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn test_connection(ctx: &TenantContext, state: &AppState, site_id: &str) -> ServerResult<ConnectionCheck> {
    ctx.require(Permission::ManageSites)?;
    let row = load(&state.db, &ctx.tenant_id, site_id).await?;
    let wp = row.wordpress(
        &state.sealer,
        state.config.outbound_allow_private,
        Duration::from_secs(20),
    )?;
    let check = match wp.me().await {
        Ok(user) => ConnectionCheck {
            ok: true,
            outcome: "Connected".into(),
            detail: format!("Signed in as {} ({}).", user.name, user.roles.join(", ")),
        },
        Err(e) => describe_failure(&e),
    };
    // Refused credentials keep (or put) the site in "needs attention", so its
    // schedule stays paused until a test passes.
    let connection = if check.ok {
        "connected"
    } else if refused(&check) || row.connection == "attention" {
        "attention"
    } else {
        "unknown"
    };
    sqlx::query(
        "update site set connection = $1, connection_detail = $2, updated_at = $3 where id = $4 and tenant_id = $5",
    )
    .bind(connection)
    .bind(format!("{} {}", check.outcome, check.detail).trim())
    .bind(now())
    .bind(site_id)
    .bind(&ctx.tenant_id)
    .execute(&state.db.pool)
    .await?;
    Ok(check)
}

const WRONG_CREDENTIALS: &str = "Wrong credentials";
const NOT_ALLOWED: &str = "Not allowed";

fn refused(check: &ConnectionCheck) -> bool {
    check.outcome == WRONG_CREDENTIALS || check.outcome == NOT_ALLOWED
}

/// A failed WordPress call in words a site owner can act on.
pub fn describe_failure(e: &WpError) -> ConnectionCheck {
    let (outcome, detail) = match e {
        WpError::Forbidden(_) => (
            NOT_ALLOWED,
            "WordPress accepted the login but this user may not do that. Use a user with the Editor or \
             Administrator role."
                .to_owned(),
        ),
        WpError::BadCredentials(_) => (
            WRONG_CREDENTIALS,
            "WordPress did not accept this username and application password. Create a new application \
             password under Users → Profile and paste it here."
                .to_owned(),
        ),
        WpError::HeaderStripped => (
            "Authorization header stripped",
            "The host removes the Authorization header before WordPress sees it. Ask the host to pass it \
             through (for Apache: CGIPassAuth On or a rewrite rule for HTTP_AUTHORIZATION)."
                .to_owned(),
        ),
        WpError::RestBlocked => (
            "REST API blocked",
            "The site's REST API is blocked, by a security plugin or firewall. Allow /wp-json/ for this user."
                .to_owned(),
        ),
        WpError::NotWordPress => (
            "Not a WordPress site",
            "This address does not answer like WordPress. Check the address.".to_owned(),
        ),
        WpError::Redirected(to) => (
            "Redirected",
            format!("The site redirects to {to}. Use that address instead."),
        ),
        WpError::PrivateAddress => (
            "Unreachable",
            "That address is on a private network; Autopilot only calls public addresses.".to_owned(),
        ),
        WpError::Unreachable(_) | WpError::Timeout | WpError::Server(..) => (
            "Unreachable",
            format!("The site could not be reached ({e}). Check the address and try again."),
        ),
        WpError::Rejected(..) => ("Unexpected answer", format!("WordPress answered: {e}.")),
    };
    ConnectionCheck {
        ok: false,
        outcome: outcome.into(),
        detail,
    }
}

/// Saves the automation settings; a running schedule moves to its new next slot.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn save_settings(ctx: &TenantContext, db: &Db, site_id: &str, input: &SiteSettings) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let s = AutomationSettings::parse(input)?;
    let row = load(db, &ctx.tenant_id, site_id).await?;
    let next = if row.automation_on.0 {
        s.schedule.next_after(now())
    } else {
        None
    };
    sqlx::query(
        "update site set niche = $1, topics = $2, tone = $3, language = $4, target_words = $5, categories = $6, \
         tags = $7, wp_status = $8, approval = $9, schedule_kind = $10, schedule_times = $11, schedule_cron = $12, \
         time_zone = $13, next_run_at = $14, updated_at = $15 where id = $16 and tenant_id = $17",
    )
    .bind(&s.niche)
    .bind(s.topics.join("\n"))
    .bind(&s.tone)
    .bind(&s.language)
    .bind(s.target_words)
    .bind(s.categories.join(", "))
    .bind(s.tags.join(", "))
    .bind(&s.wp_status)
    .bind(&s.approval)
    .bind(s.schedule.kind().as_str())
    .bind(s.schedule.times_text())
    .bind(s.schedule.cron_text())
    .bind(s.schedule.time_zone().name())
    .bind(next)
    .bind(now())
    .bind(site_id)
    .bind(&ctx.tenant_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Starts or stops the schedule. Starting needs settings that describe what
/// to write and a connection WordPress has not refused.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn set_automation(ctx: &TenantContext, db: &Db, site_id: &str, on: bool) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let row = load(db, &ctx.tenant_id, site_id).await?;
    let next = if on {
        if row.connection == "attention" {
            return Err(ServerError::Validation(
                "WordPress refused this site's credentials. Update them and test the connection first.".into(),
            ));
        }
        let settings = AutomationSettings::parse(&row.settings())?;
        settings.schedule.next_after(now())
    } else {
        None
    };
    sqlx::query(
        "update site set automation_on = $1, next_run_at = $2, updated_at = $3 where id = $4 and tenant_id = $5",
    )
    .bind(Flag(on))
    .bind(next)
    .bind(now())
    .bind(site_id)
    .bind(&ctx.tenant_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Flags a site whose credentials WordPress refused; its schedule skips it
/// until the credentials are updated and tested.
pub async fn flag_attention(db: &Db, tenant_id: &str, site_id: &str, detail: &str) -> ServerResult<()> {
    sqlx::query("update site set connection = 'attention', connection_detail = $1, updated_at = $2 where id = $3 and tenant_id = $4")
        .bind(detail)
        .bind(now())
        .bind(site_id)
        .bind(tenant_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
