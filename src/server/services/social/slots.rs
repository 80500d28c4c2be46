//! Posting times: recurring slots per account ("3 posts a week at 18:00 on
//! Instagram" is the cron `0 18 * * 1,3,5`), kept by the schedule engine as
//! a schedule of kind `social-publish` whose subject is the account. A post
//! saved for "the next posting time" waits in the queue (`queued`, no
//! time); each slot of one of its accounts takes the oldest approved post
//! waiting for that account, gives it the slot's time and queues its
//! publish jobs, so the post goes out on every account it was written for
//! at that slot. A slot with nothing waiting, or whose account is not
//! connected, passes and the queue keeps its posts.
//!
//! Why the post and not each account's copy takes a slot: a post is one
//! message, reviewed once, and people expect it to appear on its accounts
//! together; a workspace wanting different times per platform writes one
//! post per platform, as Buffer's and Later's queues ask too.

use super::{posts::local_value, publish};
use crate::app::types::{Permission, PostingTimes, PostingTimesInput, PostingTimesPage};
use crate::server::auth::TenantContext;
use crate::server::db::now;
use crate::server::domain::{format_in_zone, Schedule};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, NewJob, Start};
use crate::server::services::schedules::{self, Attachment};
use crate::server::state::AppState;

/// The record that a posting time was served (a finished job, never run).
pub const SLOT_KIND: &str = "social-slot";

/// Slots shown ahead on the posting times page.
const SHOWN_AHEAD: usize = 5;

#[derive(sqlx::FromRow)]
struct TimesRow {
    subject_id: String,
    rule_kind: String,
    times: String,
    cron: String,
    time_zone: String,
    active: i64,
    next_run_at: Option<i64>,
}

/// Every account in use with its posting times and how many posts wait in
/// its queue.
pub async fn page(ctx: &TenantContext, state: &AppState) -> ServerResult<PostingTimesPage> {
    ctx.require(Permission::ViewWorkspace)?;
    let (tz, _) = super::posts::voice(state, ctx.tenant_id()).await?;
    let accounts = super::posts::accounts(state, ctx.tenant_id(), true).await?;
    let rows: Vec<TimesRow> = sqlx::query_as(
        "select subject_id, rule_kind, times, cron, time_zone, cast(active as bigint) as active, next_run_at \
         from schedule where tenant_id = $1 and job_kind = $2",
    )
    .bind(ctx.tenant_id())
    .bind(publish::KIND)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(accounts.len());
    for account in accounts {
        let row = rows.iter().find(|r| r.subject_id == account.id);
        let waiting = waiting(state, ctx, &account.id).await?;
        let times = match row {
            None => PostingTimes {
                account,
                kind: "cron".into(),
                times: String::new(),
                cron: String::new(),
                time_zone: tz.name().into(),
                active: false,
                next: Vec::new(),
                waiting,
            },
            Some(row) => {
                let next = match (
                    row.active == 1,
                    Schedule::parse(&row.rule_kind, &row.times, &row.cron, &row.time_zone),
                ) {
                    (true, Ok(rule)) => {
                        let first = row.next_run_at.unwrap_or_else(now);
                        std::iter::once(first)
                            .chain(rule.next_runs(first, SHOWN_AHEAD - 1))
                            .map(|t| format_in_zone(t, rule.time_zone()))
                            .collect()
                    }
                    _ => Vec::new(),
                };
                PostingTimes {
                    account,
                    kind: row.rule_kind.clone(),
                    times: row.times.clone(),
                    cron: row.cron.clone(),
                    time_zone: row.time_zone.clone(),
                    active: row.active == 1,
                    next,
                    waiting,
                }
            }
        };
        out.push(times);
    }
    Ok(PostingTimesPage {
        accounts: out,
        can_edit: ctx.can(Permission::ManageSites),
        time_zone: tz.name().into(),
        now: local_value(now(), tz),
    })
}

/// Approved posts waiting in an account's queue.
async fn waiting(state: &AppState, ctx: &TenantContext, account_id: &str) -> ServerResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "select count(*) from social_post p join social_post_target t on t.post_id = p.id and t.tenant_id = p.tenant_id \
         where p.tenant_id = $1 and t.account_id = $2 and p.queued = 1 and p.review = 'approved' and p.publish_at is null",
    )
    .bind(ctx.tenant_id())
    .bind(account_id)
    .fetch_one(&state.db.pool)
    .await?;
    Ok(n)
}

/// Saves an account's posting times and starts or stops them. The rule is
/// read in the zone given (the workspace's by default).
pub async fn save(ctx: &TenantContext, state: &AppState, input: &PostingTimesInput) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let schedule = Schedule::parse(&input.kind, &input.times, &input.cron, &input.time_zone)?;
    let mut tx = state.db.begin_write().await?;
    let found: Option<(String,)> = sqlx::query_as(
        "select status from social_account where id = $1 and tenant_id = $2 and status <> 'disconnected'",
    )
    .bind(&input.account_id)
    .bind(ctx.tenant_id())
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Err(ServerError::NotFound);
    }
    let attachment = Attachment {
        job_kind: publish::KIND,
        subject_id: &input.account_id,
        schedule: &schedule,
        lead_seconds: 0,
    };
    schedules::save(ctx, &mut tx, &attachment).await?;
    schedules::set_active(ctx, &mut tx, publish::KIND, &input.account_id, input.active).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether any of these accounts has posting times running: a post cannot
/// wait for "the next posting time" of accounts that have none.
pub async fn any_running(ctx: &TenantContext, state: &AppState, account_ids: &[&str]) -> ServerResult<bool> {
    for id in account_ids {
        let found: Option<(i64,)> = sqlx::query_as(
            "select 1 from schedule where tenant_id = $1 and job_kind = $2 and subject_id = $3 and active = 1",
        )
        .bind(ctx.tenant_id())
        .bind(publish::KIND)
        .bind(*id)
        .fetch_optional(&state.db.pool)
        .await?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// One of an account's posting times has come: the oldest approved post
/// waiting for it gets the slot's time and its publish jobs. Returns
/// whether a post was taken.
///
/// A slot is served once: the scheduler moves a schedule on only after
/// this returns, so a second scheduler (or a tick after a failed move) can
/// hand the same slot over again. The slot is recorded as a finished job
/// of its own (kind `social-slot`, unique per account and slot) in the
/// transaction that takes the post; whoever records it first takes a post.
pub async fn take(ctx: &TenantContext, state: &AppState, account_id: &str, slot: i64) -> ServerResult<bool> {
    let mut tx = state.db.begin_write().await?;
    let connected: Option<(String,)> =
        sqlx::query_as("select status from social_account where id = $1 and tenant_id = $2 and status = 'connected'")
            .bind(account_id)
            .bind(ctx.tenant_id())
            .fetch_optional(&mut *tx)
            .await?;
    if connected.is_none() {
        tracing::info!(account_id, "a posting time passed: the account is not connected");
        return Ok(false);
    }
    let served = NewJob {
        tenant_id: ctx.tenant_id(),
        kind: SLOT_KIND,
        subject_id: account_id,
        slot,
        run_at_ms: slot * 1000,
        max_attempts: 1,
    };
    if enqueue(&mut *tx, &served, Start::Recorded).await?.is_none() {
        return Ok(false);
    }
    // The oldest few: another account's slot may take one meanwhile
    // (PostgreSQL), and then the next one is this slot's.
    let waiting: Vec<(String,)> = sqlx::query_as(
        "select p.id from social_post p join social_post_target t on t.post_id = p.id and t.tenant_id = p.tenant_id \
         where p.tenant_id = $1 and t.account_id = $2 and p.queued = 1 and p.review = 'approved' \
         and p.publish_at is null order by p.created_at, p.id limit 5",
    )
    .bind(ctx.tenant_id())
    .bind(account_id)
    .fetch_all(&mut *tx)
    .await?;
    for (post_id,) in waiting {
        let taken = sqlx::query(
            "update social_post set publish_at = $3, updated_at = $4 \
             where id = $1 and tenant_id = $2 and publish_at is null and review = 'approved'",
        )
        .bind(&post_id)
        .bind(ctx.tenant_id())
        .bind(slot)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 1 {
            publish::queue(&mut tx, state, ctx.tenant_id(), &post_id, slot).await?;
            tx.commit().await?;
            state.wake.notify_one();
            return Ok(true);
        }
    }
    // Nothing waited: the record of the slot goes too, which is harmless
    // if another scheduler looks again.
    Ok(false)
}
