//! WordPress sites of a workspace: credentials (sealed, write-only), the
//! connection test, automation settings and the on/off switch.
//!
//! This file holds the site row and the reads; `edit` adds, changes and
//! deletes sites, `connection` tests and flags them, `settings` saves the
//! automation settings and starts or stops the schedule, which the schedule
//! engine keeps for each site under the post job's kind.

mod connection;
mod edit;
mod settings;

pub use connection::{describe_failure, flag_attention, test_connection};
pub use edit::{create, delete, update};
pub use settings::{save_settings, set_automation};

use crate::app::types::{Connection, Permission, SiteDetail, SiteId, SiteSettings, SiteSummary, TenantId, UpcomingRun};
use crate::server::auth::throttle::{self, Action};
use crate::server::auth::TenantContext;
use crate::server::clients::wordpress::WordPress;
use crate::server::db::{now, Flag};
use crate::server::domain::{format_in_zone, parse_time_zone, Schedule, SiteName, SiteUrl};
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
    pub id: SiteId,
    pub tenant_id: TenantId,
    pub name: String,
    pub url: String,
    pub username: String,
    password_sealed: String,
    pub connection: String,
    pub connection_detail: String,
    pub automation_on: Flag,
    #[sqlx(flatten)]
    pub settings: SiteSettings,
    pub next_run_at: Option<i64>,
}

/// A site with its schedule (kept by the schedule engine under the post
/// kind), as `SiteRow` reads it; every query adds its own `where`.
const SITE_SELECT: &str = "select s.id, s.tenant_id, s.name, s.url, s.username, s.password_sealed, s.connection, \
     s.connection_detail, sc.active as automation_on, s.niche, s.topics, s.tone, s.language, s.target_words, \
     s.categories, s.tags, s.wp_status, s.approval, sc.rule_kind as schedule_kind, sc.times as schedule_times, \
     sc.cron as schedule_cron, sc.time_zone, sc.next_run_at \
     from site s join schedule sc on sc.tenant_id = s.tenant_id and sc.job_kind = 'post' and sc.subject_id = s.id";

fn binding<'a>(tenant_id: &'a TenantId, site_id: &'a SiteId) -> Binding<'a> {
    Binding {
        purpose: "site-password",
        tenant_id: tenant_id.as_str(),
        row_id: site_id.as_str(),
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
            time_zone: self.settings.time_zone.clone(),
        }
    }

    pub fn schedule(&self) -> ServerResult<Schedule> {
        Schedule::parse(
            &self.settings.schedule_kind,
            &self.settings.schedule_times,
            &self.settings.schedule_cron,
            &self.settings.time_zone,
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
pub async fn load(ctx: &TenantContext, state: &AppState, site_id: &SiteId) -> ServerResult<SiteRow> {
    ctx.require(Permission::ViewWorkspace)?;
    sqlx::query_as(&format!("{SITE_SELECT} where s.id = $1 and s.tenant_id = $2"))
        .bind(site_id)
        .bind(ctx.tenant_id())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ServerError::NotFound)
}

/// Whether the workspace has this site, inside the caller's transaction.
pub async fn exists(ctx: &TenantContext, conn: &mut sqlx::AnyConnection, site_id: &SiteId) -> ServerResult<bool> {
    let (n,): (i64,) = sqlx::query_as("select count(*) from site where id = $1 and tenant_id = $2")
        .bind(site_id)
        .bind(ctx.tenant_id())
        .fetch_one(conn)
        .await?;
    Ok(n == 1)
}

/// The workspace's sites whose schedule is running, for the calendar.
pub async fn automated(ctx: &TenantContext, state: &AppState) -> ServerResult<Vec<SiteRow>> {
    Ok(sqlx::query_as(&format!(
        "{SITE_SELECT} where s.tenant_id = $1 and sc.active = 1 order by lower(s.name), s.id"
    ))
    .bind(ctx.tenant_id())
    .fetch_all(&state.db.pool)
    .await?)
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn list(ctx: &TenantContext, state: &AppState) -> ServerResult<Vec<SiteSummary>> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<SiteRow> = sqlx::query_as(&format!(
        "{SITE_SELECT} where s.tenant_id = $1 order by lower(s.name), s.id"
    ))
    .bind(ctx.tenant_id())
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows.iter().map(SiteRow::summary).collect())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn detail(
    ctx: &TenantContext,
    state: &AppState,
    site_id: &SiteId,
    viewer_zone: &str,
) -> ServerResult<SiteDetail> {
    ctx.require(Permission::ViewWorkspace)?;
    let row = load(ctx, state, site_id).await?;
    let next_runs = upcoming(&row.schedule()?, now(), viewer_zone);
    Ok(SiteDetail {
        site: row.summary(),
        settings: row.settings.clone(),
        next_runs,
    })
}

/// The next five runs of a schedule being edited, before it is saved.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn preview(
    ctx: &TenantContext,
    state: &AppState,
    schedule: &Schedule,
    viewer_zone: &str,
) -> ServerResult<Vec<UpcomingRun>> {
    ctx.require(Permission::ViewWorkspace)?;
    throttle::action(&state.db, ctx, Action::SchedulePreview).await?;
    Ok(upcoming(schedule, now(), viewer_zone))
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
