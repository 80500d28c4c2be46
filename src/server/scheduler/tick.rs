//! Due schedules become work. The schedule engine says which slots are due
//! (and which were missed while no scheduler ran); the kind a schedule was
//! attached with turns each slot into jobs; the engine then moves the
//! schedule to its next slot by compare-and-set, so any number of
//! schedulers can tick at once without a slot firing twice or being lost.

use crate::server::auth::TenantContext;
use crate::server::db::now;
use crate::server::error::ServerResult;
use crate::server::queue::Kinds;
use crate::server::services::schedules;
use crate::server::state::AppState;

/// Turns every due slot into work. Returns how many jobs were added.
pub async fn enqueue_due(state: &AppState, kinds: &Kinds) -> ServerResult<usize> {
    let mut added = 0;
    for slot in schedules::due(state, now(), &kinds.names()).await? {
        let ctx = TenantContext::for_system_job(slot.tenant_id.clone());
        let outcome = match kinds.get(&slot.job_kind) {
            _ if slot.missed => {
                tracing::info!(subject = %slot.subject_id, at = slot.at, "skipping a slot missed while no scheduler ran");
                Ok(false)
            }
            Some(kind) => kind.on_slot(&ctx, state, &slot.subject_id, slot.at).await,
            // `due` names only the kinds this worker runs.
            None => continue,
        };
        match outcome {
            Ok(true) => added += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(subject = %slot.subject_id, error = %e, "could not turn a due slot into a job");
                if let Err(e) = schedules::postpone(&ctx, state, &slot).await {
                    tracing::warn!(subject = %slot.subject_id, error = %e, "could not postpone a slot");
                }
                continue;
            }
        }
        if let Err(e) = schedules::advance(&ctx, state, &slot).await {
            tracing::warn!(subject = %slot.subject_id, error = %e, "could not move a schedule on");
        }
    }
    Ok(added)
}
