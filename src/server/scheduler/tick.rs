//! Due schedules become jobs. A site's `next_run_at` is its next slot; the
//! job for a slot is unique per (site, slot), and the slot advances with a
//! compare-and-set, so any number of schedulers can tick at once without a
//! slot firing twice or being skipped.

use crate::server::config::Config;
use crate::server::db::{now, Db};
use crate::server::error::ServerResult;
use crate::server::services::content::{enqueue_post, Enqueued};
use crate::server::services::sites::{SiteRow, SITE_COLUMNS};

/// Posts sent to WordPress as scheduled (status `future`) are written a day
/// ahead of their slot, so there is time to review them before they go live.
pub const FUTURE_LEAD_SECONDS: i64 = 86_400;

/// A slot missed by more than this (the server was down) is skipped rather
/// than run late; the next slot is taken instead.
const MISSED_SLOT_GRACE: i64 = 3_600;

/// Enqueues every due slot. Returns how many jobs were added.
pub async fn enqueue_due(db: &Db, config: &Config) -> ServerResult<usize> {
    let at = now();
    let due: Vec<SiteRow> = sqlx::query_as(&format!(
        "select {SITE_COLUMNS} from site \
         where automation_on = 1 and connection <> 'attention' and next_run_at is not null \
         and next_run_at <= $1 + case when wp_status = 'future' then $2 else 0 end \
         order by next_run_at limit 200"
    ))
    .bind(at)
    .bind(FUTURE_LEAD_SECONDS)
    .fetch_all(&db.pool)
    .await?;
    let mut added = 0;
    for site in due {
        match enqueue_slot(db, config, &site, at).await {
            Ok(n) => added += n,
            Err(e) => tracing::warn!(site_id = %site.id, error = %e, "could not enqueue a due slot"),
        }
    }
    Ok(added)
}

async fn enqueue_slot(db: &Db, config: &Config, site: &SiteRow, at: i64) -> ServerResult<usize> {
    let Some(slot) = site.next_run_at else { return Ok(0) };
    let schedule = match site.schedule() {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(site_id = %site.id, error = %e, "site has an invalid schedule; stopping it");
            sqlx::query("update site set automation_on = 0, next_run_at = null where id = $1")
                .bind(&site.id)
                .execute(&db.pool)
                .await?;
            return Ok(0);
        }
    };
    let missed = slot < at - MISSED_SLOT_GRACE;
    let added = if missed {
        tracing::info!(site_id = %site.id, slot, "skipping a slot missed while the scheduler was down");
        0
    } else {
        match enqueue_post(db, config, &site.tenant_id, &site.id, slot).await? {
            Enqueued::Queued(_) | Enqueued::QuotaReached => 1,
            Enqueued::AlreadyThere | Enqueued::SitePaused { .. } => 0,
        }
    };
    let following = schedule.next_after(if missed { at } else { slot });
    sqlx::query("update site set next_run_at = $1 where id = $2 and next_run_at = $3")
        .bind(following)
        .bind(&site.id)
        .bind(slot)
        .execute(&db.pool)
        .await?;
    Ok(added)
}
