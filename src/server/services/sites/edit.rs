//! Adding, changing and deleting a site. The application password is sealed
//! here, bound to the site's row, and never read back out.

use super::{binding, load, SiteInput};
use crate::app::types::{AuditAction, Permission, SiteId};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now};
use crate::server::domain::Schedule;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::audit::{self, Event};
use crate::server::services::publishing;
use crate::server::services::quota;
use crate::server::services::schedules::{self, Attachment};
use crate::server::state::AppState;

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn create(ctx: &TenantContext, state: &AppState, input: SiteInput) -> ServerResult<SiteId> {
    ctx.require(Permission::ManageSites)?;
    let password = input
        .password
        .ok_or_else(|| ServerError::Validation("Enter the application password.".into()))?;
    let id = SiteId::new(new_id());
    let sealed = state.sealer.seal(&password, &binding(ctx.tenant_id(), &id));
    let mut tx = state.db.begin_write().await?;
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    let (count,): (i64,) = sqlx::query_as("select count(*) from site where tenant_id = $1")
        .bind(ctx.tenant_id())
        .fetch_one(&mut *tx)
        .await?;
    let limit = quota::in_force_in(ctx, &state.config, &mut tx).await?.limits.sites;
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
    .bind(ctx.tenant_id())
    .bind(input.name.as_str())
    .bind(input.url.as_str())
    .bind(&input.username)
    .bind(&sealed)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    // Every site has its schedule from the start: stopped, at the defaults
    // (daily at 09:00 UTC, publishing at once, so no lead).
    let schedule = Schedule::parse("daily", "09:00", "", "UTC")?;
    let attachment = Attachment {
        job_kind: publishing::KIND,
        subject_id: id.as_str(),
        schedule: &schedule,
        lead_seconds: 0,
    };
    schedules::save(ctx, &mut tx, &attachment).await?;
    let event = Event::new(AuditAction::SiteAdded, "site", id.as_str()).detail(format!(
        "{} at {} as {}",
        input.name.as_str(),
        input.url.as_str(),
        input.username
    ));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes name, address or credentials. New credentials reset the
/// connection state: they have not been tested yet.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn update(ctx: &TenantContext, state: &AppState, site_id: &SiteId, input: SiteInput) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let row = load(ctx, state, site_id).await?;
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
        Some(p) => state.sealer.seal(p, &binding(ctx.tenant_id(), site_id)),
        None => row.password_sealed.clone(),
    };
    let (connection, detail) = if credentials_changed {
        ("unknown", "")
    } else {
        (row.connection.as_str(), row.connection_detail.as_str())
    };
    let mut tx = state.db.pool.begin().await?;
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
    .bind(ctx.tenant_id())
    .execute(&mut *tx)
    .await?;
    if credentials_changed {
        let changed: Vec<&str> = [
            (row.url != input.url.as_str(), "address"),
            (row.username != input.username, "username"),
            (input.password.is_some(), "application password"),
        ]
        .into_iter()
        .filter_map(|(yes, what)| yes.then_some(what))
        .collect();
        let event = Event::new(AuditAction::SiteCredentialsChanged, "site", site_id.as_str()).detail(format!(
            "{}: {} changed",
            input.name.as_str(),
            changed.join(", ")
        ));
        audit::by_member(ctx, &mut *tx, event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes the site with its schedule, jobs and stored posts (not the
/// posts on WordPress).
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn delete(ctx: &TenantContext, state: &AppState, site_id: &SiteId) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let mut tx = state.db.begin_write().await?;
    // The lock a job's enqueue holds: no job can be added for the site
    // between its check and this delete.
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    schedules::remove(ctx, &mut tx, publishing::KIND, site_id.as_str()).await?;
    publishing::forget_site(ctx, &mut tx, site_id).await?;
    let event = Event::new(AuditAction::SiteRemoved, "site", site_id.as_str());
    audit::delete_recorded(ctx, &mut tx, "site", site_id.as_str(), event).await?;
    tx.commit().await?;
    Ok(())
}

/// How early a site's slots become jobs: posts WordPress schedules itself
/// are written a day ahead, so there is time to review them.
pub(super) fn lead_seconds(wp_status: &str) -> i64 {
    if wp_status == "future" {
        publishing::FUTURE_LEAD_SECONDS
    } else {
        0
    }
}
