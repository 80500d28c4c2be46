//! The job inspector: jobs of every workspace, filtered by state, kind,
//! workspace, site (the job's subject) and age; an admin can put a dead job
//! back in the queue or cancel one that has not finished.

use super::PER_PAGE;
use crate::app::types::{AdminJob, AdminJobFilter, AuditAction, JobId, Paged, TenantId};
use crate::server::auth::PlatformAdmin;
use crate::server::db::{now, now_ms, Where};
use crate::server::domain::format_in_zone;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::audit::{self, Event};
use crate::server::services::publishing;
use crate::server::state::AppState;

pub const STATES: [&str; 5] = ["queued", "running", "waiting", "done", "dead"];
pub const CANCELLED: &str = "Cancelled by an administrator.";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: JobId,
    tenant_id: TenantId,
    name: Option<String>,
    kind: String,
    subject_id: String,
    state: String,
    step: String,
    attempt: i64,
    max_attempts: i64,
    last_error: Option<String>,
    run_at_ms: i64,
    updated_at: i64,
}

pub async fn list(
    _admin: &PlatformAdmin,
    state: &AppState,
    filter: &AdminJobFilter,
    page: i64,
) -> ServerResult<Paged<AdminJob>> {
    let hours = filter.older_than_hours.clamp(0, 876_000);
    let older = if hours > 0 { now() - hours * 3600 } else { i64::MAX };
    let mut clause = Where::new("j.created_at <= ", older);
    for (column, value) in [
        ("j.state = ", &filter.state),
        ("j.kind = ", &filter.kind),
        ("j.tenant_id = ", &filter.workspace),
        ("j.subject_id = ", &filter.site),
    ] {
        if !value.trim().is_empty() {
            clause.text(column, value.trim());
        }
    }
    let query = (
        "j.id, j.tenant_id, t.name, j.kind, j.subject_id, j.state, j.step, j.attempt, j.max_attempts, \
         j.last_error, j.run_at_ms, j.updated_at",
        "from job j left join tenant t on t.id = j.tenant_id",
        "j.updated_at desc, j.id desc",
    );
    let found = clause
        .fetch_page::<JobRow>(&state.db.pool, query, PER_PAGE, page)
        .await?;
    Ok(found.map(|r| AdminJob {
        id: r.id,
        workspace_id: r.tenant_id,
        workspace_name: r.name.unwrap_or_default(),
        kind: r.kind,
        subject_id: r.subject_id,
        state: r.state,
        step: r.step,
        attempt: r.attempt,
        max_attempts: r.max_attempts,
        last_error: r.last_error,
        due: format_in_zone(r.run_at_ms / 1000, chrono_tz::UTC),
        updated: format_in_zone(r.updated_at, chrono_tz::UTC),
    }))
}

async fn owner_of(state: &AppState, job_id: &JobId) -> ServerResult<(TenantId, String, String)> {
    sqlx::query_as("select tenant_id, kind, state from job where id = $1")
        .bind(job_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ServerError::NotFound)
}

/// Puts a dead job back in the queue with fresh attempts. A post job goes
/// through publishing's own retry, which resumes at the right step.
pub async fn retry(admin: &PlatformAdmin, state: &AppState, job_id: &JobId) -> ServerResult<()> {
    let (tenant_id, kind, job_state) = owner_of(state, job_id).await?;
    if job_state != "dead" {
        return Err(ServerError::Conflict("Only failed (dead) jobs can be retried.".into()));
    }
    if kind == publishing::KIND {
        let ctx = crate::server::auth::TenantContext::for_system_job(tenant_id.clone());
        publishing::retry(&ctx, state, job_id).await?;
    } else {
        sqlx::query(
            "update job set state = 'queued', step = 'queued', attempt = 0, run_at_ms = $1, updated_at = $2, \
             finished_at = null where id = $3 and state = 'dead'",
        )
        .bind(now_ms())
        .bind(now())
        .bind(job_id)
        .execute(&state.db.pool)
        .await?;
        state.wake.notify_one();
    }
    let event = Event::new(AuditAction::JobRetried, "job", job_id.as_str()).detail(kind);
    audit::by_admin(admin, &state.db.pool, Some(&tenant_id), event).await
}

/// Ends a job that has not finished. A running job's lease is taken away
/// with its token, so the worker holding it stops at its next check and
/// writes nothing.
pub async fn cancel(admin: &PlatformAdmin, state: &AppState, job_id: &JobId) -> ServerResult<()> {
    let (tenant_id, kind, _) = owner_of(state, job_id).await?;
    let mut tx = state.db.pool.begin().await?;
    let done = sqlx::query(
        "update job set state = 'dead', step = 'failed', last_error = $1, worker_id = null, lease_token = null, \
         locked_until_ms = null, updated_at = $2, finished_at = $2 \
         where id = $3 and state in ('queued', 'running', 'waiting')",
    )
    .bind(CANCELLED)
    .bind(now())
    .bind(job_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::Conflict("This job has already finished.".into()));
    }
    let event = Event::new(AuditAction::JobCancelled, "job", job_id.as_str()).detail(kind);
    audit::by_admin(admin, &mut *tx, Some(&tenant_id), event).await?;
    tx.commit().await?;
    Ok(())
}
