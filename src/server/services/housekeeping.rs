//! The platform's own periodic work, run by the job runner like any other
//! kind: every ten minutes a `sweep` job, in the platform's workspace,
//! removes expired sessions and old throttle hits, and blanks kept mails
//! whose links have expired. Being a job, it gets
//! the runner's retries, dead-job record and per-workspace cap, and with
//! several workers only one of them sweeps each slot.

use crate::app::types::{Step, TenantId};
use crate::server::auth::{rate_limit, session_store, throttle, TenantContext};
use crate::server::domain::Schedule;
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::services::schedules::{self, Attachment};
use crate::server::services::{mail, tokens};
use crate::server::state::AppState;

/// The workspace the platform's own work runs in (created by migration;
/// it has no members).
pub const PLATFORM_TENANT: &str = "00000000-0000-0000-0000-000000000000";

pub const KIND: &str = "sweep";

/// Every ten minutes, UTC.
const EVERY: &str = "*/10 * * * *";

/// Attaches the sweep's schedule unless it exists (every process calls this
/// when its worker starts).
pub async fn ensure_scheduled(state: &AppState) -> ServerResult<()> {
    let schedule = Schedule::parse("cron", "", EVERY, "UTC")?;
    let attachment = Attachment {
        job_kind: KIND,
        subject_id: "",
        schedule: &schedule,
        lead_seconds: 0,
    };
    let platform = TenantContext::for_system_job(TenantId::new(PLATFORM_TENANT));
    schedules::ensure(&platform, state, &attachment).await
}

pub struct Sweep;

#[async_trait::async_trait]
impl JobKind for Sweep {
    fn name(&self) -> &'static str {
        KIND
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        _job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        if ctx.tenant_id().as_str() != PLATFORM_TENANT {
            return Err(Failure::Stop("Housekeeping runs for the platform only.".into()));
        }
        let sessions = session_store::delete_expired(&state.db, state.config.session_max_days)
            .await
            .map_err(ServerError::from)?;
        let hits = throttle::sweep(&state.db).await?;
        let mails = mail::forget_expired_links(state).await?;
        let refresh_tokens = tokens::sweep(state).await?;
        let rate_windows = rate_limit::sweep(&state.db, crate::server::db::now_ms()).await?;
        tracing::info!(
            sessions,
            hits,
            mails,
            refresh_tokens,
            rate_windows,
            "housekeeping swept"
        );
        Ok(Done::Complete(Step::Done))
    }
}
