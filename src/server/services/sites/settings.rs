//! A site's automation settings (what to write, when, how to publish) and
//! the switch that starts or stops its schedule.

use super::load;
use crate::app::types::{Permission, SiteSettings};
use crate::server::auth::TenantContext;
use crate::server::db::{now, Db, Flag};
use crate::server::domain::AutomationSettings;
use crate::server::error::{ServerError, ServerResult};

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
        let settings = AutomationSettings::parse(&row.settings)?;
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
