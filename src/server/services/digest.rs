//! Mail to owners when automation keeps failing: once an hour a `digest`
//! job, in the platform's workspace, finds workspaces whose post jobs
//! failed for good in the last day and mails each one's owners a single
//! digest: every failed job, and what to do about it. A workspace gets at
//! most one digest a day (UTC), listing only failures after the last one
//! (jobs an admin cancelled are not failures); the digest is claimed in the
//! database before the mail goes, so two workers cannot both send it.

use crate::app::types::{Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::db::now;
use crate::server::domain::{format_in_zone, Schedule};
use crate::server::error::ServerResult;
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::services::admin::jobs::CANCELLED;
use crate::server::services::housekeeping::PLATFORM_TENANT;
use crate::server::services::mail::{self, Mail};
use crate::server::services::publishing;
use crate::server::services::schedules::{self, Attachment};
use crate::server::state::AppState;

pub const KIND: &str = "digest";
/// At five past every hour, UTC.
const EVERY: &str = "5 * * * *";
/// The most failures one digest lists; it says how many more there were.
const LISTED: usize = 20;

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

pub struct FailureDigest;

#[async_trait::async_trait]
impl JobKind for FailureDigest {
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
            return Err(Failure::Stop("Digests run for the platform only.".into()));
        }
        let sent = send_due(state).await?;
        tracing::info!(sent, "failure digests sent");
        Ok(Done::Complete(Step::Done))
    }
}

/// Sends a digest to every workspace with failures since its last one,
/// unless it had one today (UTC). Returns how many workspaces were mailed.
pub async fn send_due(state: &AppState) -> ServerResult<usize> {
    let at = now();
    let today = at - at.rem_euclid(86_400);
    let tenants: Vec<(TenantId, String, i64)> = sqlx::query_as(
        "select distinct t.id, t.name, t.digest_sent_at from job j join tenant t on t.id = j.tenant_id \
         where j.kind = $1 and j.state = 'dead' and j.finished_at >= $2 and j.finished_at > t.digest_sent_at \
         and t.digest_sent_at < $3 and t.suspended_at is null and coalesce(j.last_error, '') <> $4",
    )
    .bind(publishing::KIND)
    .bind(at - 86_400)
    .bind(today)
    .bind(CANCELLED)
    .fetch_all(&state.db.pool)
    .await?;
    let mut sent = 0;
    for (tenant_id, name, previous) in tenants {
        // Claim the digest first (compare and set): whoever moves the
        // timestamp sends it, so two workers never both do.
        let claimed = sqlx::query("update tenant set digest_sent_at = $1 where id = $2 and digest_sent_at = $3")
            .bind(at)
            .bind(&tenant_id)
            .bind(previous)
            .execute(&state.db.pool)
            .await?;
        if claimed.rows_affected() == 1 {
            send_one(state, &tenant_id, &name, previous.max(at - 86_400)).await?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// Mails the owners the failures after `since`.
async fn send_one(state: &AppState, tenant_id: &TenantId, workspace: &str, since: i64) -> ServerResult<()> {
    let failures: Vec<(Option<String>, Option<String>, i64)> = sqlx::query_as(
        "select s.name, j.last_error, j.finished_at from job j left join site s on s.id = j.subject_id \
         and s.tenant_id = j.tenant_id where j.tenant_id = $1 and j.kind = $2 and j.state = 'dead' \
         and j.finished_at > $3 and coalesce(j.last_error, '') <> $4 order by j.finished_at desc, j.id",
    )
    .bind(tenant_id)
    .bind(publishing::KIND)
    .bind(since)
    .bind(CANCELLED)
    .fetch_all(&state.db.pool)
    .await?;
    let owners: Vec<(String,)> = sqlx::query_as(
        "select u.email from membership m join app_user u on u.id = m.user_id \
         where m.tenant_id = $1 and m.role = 'owner' and u.suspended_at is null",
    )
    .bind(tenant_id)
    .fetch_all(&state.db.pool)
    .await?;
    let body = body(state, workspace, &failures);
    let subject = format!(
        "{} post{} failed in {workspace}",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    for (email,) in owners {
        let mail = Mail {
            to: &email,
            subject: &subject,
            body: &body,
            link_expires_at: None,
        };
        if let Err(e) = mail::send(state, &mail).await {
            tracing::warn!(%tenant_id, error = %e, "could not send a failure digest");
        }
    }
    Ok(())
}

fn body(state: &AppState, workspace: &str, failures: &[(Option<String>, Option<String>, i64)]) -> String {
    let mut text = format!("Automation in {workspace} failed in the last day. What happened and what to do:\n\n");
    for (site, error, at) in failures.iter().take(LISTED) {
        let site = site.as_deref().unwrap_or("a removed site");
        let error = error.as_deref().unwrap_or("no reason was recorded");
        text.push_str(&format!(
            "- {} · {site}: {error}\n  Fix: {}\n",
            format_in_zone(*at, chrono_tz::UTC),
            fix_for(error, site)
        ));
    }
    if failures.len() > LISTED {
        text.push_str(&format!("\n…and {} more.\n", failures.len() - LISTED));
    }
    text.push_str(&format!(
        "\nSee every failed post and retry it: {}/app/content?list=failed\n\
         You get at most one of these a day, and only when something failed.\n",
        state.config.app_url.as_str().trim_end_matches('/')
    ));
    text
}

/// What the owner can do about a failure, in words.
pub fn fix_for(error: &str, site: &str) -> String {
    let e = error.to_lowercase();
    if e.contains("did not accept the username or application password") {
        format!("WordPress refused the password for {site}: enter a new application password on the site's page.")
    } else if e.contains("may not do this") {
        format!("The WordPress user of {site} lacks a role that can publish: use an Editor or Administrator.")
    } else if e.contains("authorization header") {
        format!("The host of {site} strips the Authorization header: ask it to pass the header through.")
    } else if e.contains("could not be reached") || e.contains("did not answer in time") {
        format!("{site} could not be reached: check that it is online, then retry the post.")
    } else if e.contains("rest api is blocked") {
        format!("A plugin or firewall blocks the REST API of {site}: allow /wp-json/ for this user.")
    } else if e.contains("quota") {
        "The month's posts are used up: upgrade the plan or wait for next month.".into()
    } else if e.contains("writing model") {
        "The writing model failed: retry later, or ask the operator to check its settings.".into()
    } else if e.contains("site was deleted") {
        "The site was removed: nothing to do.".into()
    } else {
        "Open Content → Failed, read the error, and retry the post.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_gets_a_fix_in_words() {
        let refused = "WordPress: WordPress did not accept the username or application password (401).";
        assert_eq!(
            fix_for(refused, "Garden blog"),
            "WordPress refused the password for Garden blog: enter a new application password on the site's page."
        );
        assert!(fix_for("WordPress: the site could not be reached.", "G").contains("check that it is online"));
        assert!(fix_for("something new", "G").contains("retry"));
    }
}
