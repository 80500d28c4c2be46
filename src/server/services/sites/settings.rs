//! A site's automation settings (what to write, when, how to publish) and
//! the switch that starts or stops its schedule. The schedule itself is
//! kept by the schedule engine; this module attaches it to the site.

use super::edit::lead_seconds;
use super::load;
use crate::app::types::{Permission, SiteId, SiteSettings};
use crate::server::auth::TenantContext;
use crate::server::db::now;
use crate::server::domain::AutomationSettings;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::publishing;
use crate::server::services::schedules::{self, Attachment};
use crate::server::state::AppState;

/// Saves the automation settings; a running schedule moves to its new next slot.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn save_settings(
    ctx: &TenantContext,
    state: &AppState,
    site_id: &SiteId,
    input: &SiteSettings,
) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let s = AutomationSettings::parse(input)?;
    let mut tx = state.db.begin_write().await?;
    let updated = sqlx::query(
        "update site set niche = $1, topics = $2, tone = $3, language = $4, target_words = $5, categories = $6, \
         tags = $7, wp_status = $8, approval = $9, updated_at = $10 where id = $11 and tenant_id = $12",
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
    .bind(now())
    .bind(site_id)
    .bind(ctx.tenant_id())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    let attachment = Attachment {
        job_kind: publishing::KIND,
        subject_id: site_id.as_str(),
        schedule: &s.schedule,
        lead_seconds: lead_seconds(&s.wp_status),
    };
    schedules::save(ctx, &mut tx, &attachment).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts or stops the schedule. Starting needs settings that describe what
/// to write and a connection WordPress has not refused.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn set_automation(ctx: &TenantContext, state: &AppState, site_id: &SiteId, on: bool) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let row = load(ctx, state, site_id).await?;
    if on {
        if row.connection == "attention" {
            return Err(ServerError::Validation(
                "WordPress refused this site's credentials. Update them and test the connection first.".into(),
            ));
        }
        AutomationSettings::parse(&row.settings)?;
    }
    let mut tx = state.db.begin_write().await?;
    schedules::set_active(ctx, &mut tx, publishing::KIND, site_id.as_str(), on).await?;
    tx.commit().await?;
    Ok(())
}
