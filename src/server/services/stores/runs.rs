//! Pricing runs. A run reads a store's catalogue and its competitors'
//! latest prices once, decides every product with `domain::pricing`, and
//! writes each decision (its inputs, the rule applied, the price proposed
//! or why not) in batches, counting as it goes so the page can show
//! progress. In automatic mode the run then applies its proposals, up to
//! the store's cap per run; otherwise they wait for review.
//!
//! Runs go through the job runner (`store-pricing`, subject: the store):
//! "Run now" queues one; an hourly schedule per store queues one when the
//! store's cadence has come round (semi-automatic and automatic modes).

use super::decisions::{self, Actor};
use super::{load, StoreRow};
use crate::app::types::{Permission, PricingMode, RunSummary, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, now_ms};
use crate::server::domain::format_in_zone;
use crate::server::domain::pricing::{self, Inputs, Observed, Rules};
use crate::server::domain::Schedule;
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, ClaimedJob, Done, Failure, JobKind, Lease, NewJob, Start};
use crate::server::services::schedules::{self, Attachment};
use crate::server::state::AppState;
use sqlx::AnyConnection;
use std::collections::HashMap;

pub const KIND: &str = "store-pricing";
/// Every hour: a slot whose store's cadence has not come round passes.
const EVERY: &str = "7 * * * *";
/// Decisions written per transaction (and per progress step).
const BATCH: usize = 500;

/// Attaches the store's hourly pricing schedule, in the connecting transaction.
pub async fn attach(ctx: &TenantContext, conn: &mut AnyConnection, store_id: &str) -> ServerResult<()> {
    let schedule = Schedule::parse("cron", "", EVERY, "UTC")?;
    let attachment = Attachment {
        job_kind: KIND,
        subject_id: store_id,
        schedule: &schedule,
        lead_seconds: 0,
    };
    schedules::ensure_in(ctx, conn, &attachment).await
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: String,
    store_id: String,
    store: String,
    trigger: String,
    mode: String,
    state: String,
    analysed: i64,
    proposed: i64,
    applied: i64,
    skipped: i64,
    failed: i64,
    competitors: i64,
    margin_bp: Option<i64>,
    started_at: i64,
    finished_at: Option<i64>,
}

const RUN_COLUMNS: &str = "r.id, r.store_id, s.name as store, r.trigger, r.mode, r.state, r.analysed, r.proposed, \
     r.applied, r.skipped, r.failed, r.competitors, r.margin_bp, r.started_at, r.finished_at";

impl RunRow {
    fn into_summary(self) -> RunSummary {
        RunSummary {
            mode: PricingMode::parse(&self.mode).unwrap_or(PricingMode::Manual),
            duration_ms: self.finished_at.map(|f| (f - self.started_at).max(0)),
            started: format_in_zone(self.started_at / 1000, chrono_tz::UTC),
            id: self.id,
            store_id: self.store_id,
            store: self.store,
            trigger: self.trigger,
            state: self.state,
            analysed: self.analysed,
            proposed: self.proposed,
            applied: self.applied,
            skipped: self.skipped,
            failed: self.failed,
            competitors: self.competitors,
            margin_bp: self.margin_bp,
        }
    }
}

/// "Run now": queues a run of the store unless one is waiting or running.
/// Returns the run's id.
pub async fn run_now(ctx: &TenantContext, state: &AppState, store_id: &str) -> ServerResult<String> {
    ctx.require(Permission::ReviewContent)?;
    let store = load(&state.db.pool, ctx.tenant_id(), store_id).await?;
    if store.status != "connected" {
        return Err(ServerError::Conflict(format!(
            "{} is not connected: {}",
            store.name,
            if store.status_reason.is_empty() {
                "connect it again first."
            } else {
                &store.status_reason
            }
        )));
    }
    let open: Option<(String,)> = sqlx::query_as(
        "select id from price_run where tenant_id = $1 and store_id = $2 and state in ('queued', 'running')",
    )
    .bind(ctx.tenant_id())
    .bind(store_id)
    .fetch_optional(&state.db.pool)
    .await?;
    if let Some((id,)) = open {
        return Ok(id);
    }
    let queued = queue(
        state,
        ctx.tenant_id(),
        &store,
        ("manual", now_ms()),
        ctx.user_id().map(|u| u.as_str()),
    )
    .await?;
    state.wake.notify_one();
    queued.ok_or_else(|| ServerError::Conflict("A run of this store was just queued; try again in a moment.".into()))
}

/// Writes a queued run and its job, unique per store and slot (in ms), so
/// a slot handed over twice queues one run. None when it was queued before.
async fn queue(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    (trigger, slot): (&str, i64),
    by: Option<&str>,
) -> ServerResult<Option<String>> {
    let id = new_id();
    let at = now_ms();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into price_run (id, tenant_id, store_id, trigger, mode, state, started_at, started_by) \
         values ($1, $2, $3, $4, $5, 'queued', $6, $7)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(&store.id)
    .bind(trigger)
    .bind(store.mode().as_str())
    .bind(at)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    let job = NewJob {
        tenant_id,
        kind: KIND,
        subject_id: &store.id,
        slot,
        run_at_ms: at,
        max_attempts: state.config.worker.max_attempts,
    };
    if enqueue(&mut *tx, &job, Start::Queued).await?.is_none() {
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(id))
}

/// One run, as its progress and the dashboard show it.
pub async fn get(ctx: &TenantContext, state: &AppState, run_id: &str) -> ServerResult<RunSummary> {
    ctx.require(Permission::ViewWorkspace)?;
    let row: Option<RunRow> = sqlx::query_as(&format!(
        "select {RUN_COLUMNS} from price_run r join store s on s.id = r.store_id and s.tenant_id = r.tenant_id \
         where r.id = $1 and r.tenant_id = $2"
    ))
    .bind(run_id)
    .bind(ctx.tenant_id())
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(row.ok_or(ServerError::NotFound)?.into_summary())
}

/// The latest runs, of one store or of all.
pub async fn recent(
    ctx: &TenantContext,
    state: &AppState,
    store_id: Option<&str>,
    limit: i64,
) -> ServerResult<Vec<RunSummary>> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<RunRow> = sqlx::query_as(&format!(
        "select {RUN_COLUMNS} from price_run r join store s on s.id = r.store_id and s.tenant_id = r.tenant_id \
         where r.tenant_id = $1 and ($2 = '' or r.store_id = $2) order by r.started_at desc, r.id desc limit $3"
    ))
    .bind(ctx.tenant_id())
    .bind(store_id.unwrap_or(""))
    .bind(limit.clamp(1, 100))
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows.into_iter().map(RunRow::into_summary).collect())
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: String,
    price: i64,
    cost: Option<i64>,
    floor_price: Option<i64>,
    ceiling_price: Option<i64>,
    stock: Option<i64>,
    rules: Option<String>,
}

/// One product's decision, ready to be written.
pub(super) struct Decided {
    pub id: String,
    pub product_id: String,
    pub inputs: Inputs,
    pub decision: pricing::Decision,
}

/// Runs the store's oldest queued run: decides every product and writes
/// the decisions, then applies them in automatic mode.
pub async fn execute(state: &AppState, tenant_id: &TenantId, store_id: &str) -> ServerResult<Option<String>> {
    let store = load(&state.db.pool, tenant_id, store_id).await?;
    let next: Option<(String, String)> = sqlx::query_as(
        "select id, mode from price_run where tenant_id = $1 and store_id = $2 and state in ('queued', 'running') \
         order by started_at, id limit 1",
    )
    .bind(tenant_id)
    .bind(store_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((run_id, mode)) = next else { return Ok(None) };
    let started = now_ms();
    sqlx::query(
        "update price_run set state = 'running', started_at = $3, analysed = 0 where id = $1 and tenant_id = $2",
    )
    .bind(&run_id)
    .bind(tenant_id)
    .bind(started)
    .execute(&state.db.pool)
    .await?;
    // A retried run starts over: what an interrupted attempt wrote goes.
    sqlx::query("delete from price_decision where tenant_id = $1 and run_id = $2")
        .bind(tenant_id)
        .bind(&run_id)
        .execute(&state.db.pool)
        .await?;
    let decided = decide_all(state, tenant_id, &store).await?;
    let competitors = decided.iter().map(|d| d.inputs.competitors.len() as i64).sum::<i64>();
    for chunk in decided.chunks(BATCH) {
        decisions::write(state, tenant_id, &store.id, &run_id, chunk).await?;
        sqlx::query("update price_run set analysed = analysed + $3 where id = $1 and tenant_id = $2")
            .bind(&run_id)
            .bind(tenant_id)
            .bind(chunk.len() as i64)
            .execute(&state.db.pool)
            .await?;
    }
    let automatic = mode == PricingMode::Auto.as_str() && store.paused == 0;
    if automatic {
        apply_capped(state, tenant_id, &store, &run_id).await?;
    }
    finish(state, tenant_id, &run_id, competitors).await?;
    Ok(Some(run_id))
}

/// Every product of the store decided, from one read of the catalogue
/// and one of the competitors' latest prices.
async fn decide_all(state: &AppState, tenant_id: &TenantId, store: &StoreRow) -> ServerResult<Vec<Decided>> {
    let products: Vec<ProductRow> = sqlx::query_as(
        "select id, price, cost, floor_price, ceiling_price, stock, rules from store_product \
         where tenant_id = $1 and store_id = $2 and removed = 0 order by id",
    )
    .bind(tenant_id)
    .bind(&store.id)
    .fetch_all(&state.db.pool)
    .await?;
    let seen: Vec<(String, i64, i64)> = sqlx::query_as(
        "select product_id, price, observed_at from competitor where tenant_id = $1 and store_id = $2 \
         and price is not null and observed_at is not null",
    )
    .bind(tenant_id)
    .bind(&store.id)
    .fetch_all(&state.db.pool)
    .await?;
    let at = now();
    let mut by_product: HashMap<String, Vec<Observed>> = HashMap::new();
    for (product_id, price, observed_at) in seen {
        by_product.entry(product_id).or_default().push(Observed {
            price,
            age: (at - observed_at).max(0),
        });
    }
    let store_rules = store.rules();
    Ok(products
        .into_iter()
        .map(|p| {
            let rules: Rules = p
                .rules
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_else(|| store_rules.clone());
            let inputs = Inputs {
                price: p.price,
                cost: p.cost,
                floor: p.floor_price,
                ceiling: p.ceiling_price,
                stock: p.stock,
                competitors: by_product.remove(&p.id).unwrap_or_default(),
            };
            let decision = pricing::decide(&rules, &inputs);
            Decided {
                id: new_id(),
                product_id: p.id,
                inputs,
                decision,
            }
        })
        .collect())
}

/// Automatic mode: applies the run's proposals, the largest moves last,
/// up to the store's cap; the rest are skipped with the reason.
async fn apply_capped(state: &AppState, tenant_id: &TenantId, store: &StoreRow, run_id: &str) -> ServerResult<()> {
    let proposals: Vec<(String,)> = sqlx::query_as(
        "select id from price_decision where tenant_id = $1 and run_id = $2 and outcome = 'proposed' \
         order by abs(proposed_price - price_before), id",
    )
    .bind(tenant_id)
    .bind(run_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut changed = 0;
    for (id,) in proposals {
        // The pause switch is read before every change, so it stops a run
        // that is under way.
        let paused: (i16,) = sqlx::query_as("select paused from store where id = $1 and tenant_id = $2")
            .bind(&store.id)
            .bind(tenant_id)
            .fetch_one(&state.db.pool)
            .await?;
        if paused.0 == 1 || changed >= store.max_changes_per_run {
            let why = if paused.0 == 1 {
                "automation was paused".to_string()
            } else {
                format!("over this run's cap of {} changes", store.max_changes_per_run)
            };
            decisions::skip(state, tenant_id, &id, &why).await?;
            continue;
        }
        if decisions::apply(state, tenant_id, store, &id, None, Actor::Automation)
            .await?
            .is_ok()
        {
            changed += 1;
        }
    }
    Ok(())
}

/// Counts the run's outcomes and closes it.
async fn finish(state: &AppState, tenant_id: &TenantId, run_id: &str, competitors: i64) -> ServerResult<()> {
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "select outcome, count(*) from price_decision where tenant_id = $1 and run_id = $2 group by outcome",
    )
    .bind(tenant_id)
    .bind(run_id)
    .fetch_all(&state.db.pool)
    .await?;
    let count = |o: &str| counts.iter().find(|c| c.0 == o).map_or(0, |c| c.1);
    let margin: (Option<i64>,) = sqlx::query_as(
        "select cast(avg((coalesce(d.applied_price, d.proposed_price) - p.cost) * 10000 / p.cost) as bigint) \
         from price_decision d join store_product p on p.id = d.product_id and p.tenant_id = d.tenant_id \
         where d.tenant_id = $1 and d.run_id = $2 and d.proposed_price is not null and p.cost > 0",
    )
    .bind(tenant_id)
    .bind(run_id)
    .fetch_one(&state.db.pool)
    .await?;
    sqlx::query(
        "update price_run set state = 'done', proposed = $3, applied = $4, skipped = $5, failed = $6, \
         competitors = $7, margin_bp = $8, finished_at = $9 where id = $1 and tenant_id = $2",
    )
    .bind(run_id)
    .bind(tenant_id)
    .bind(count("proposed"))
    .bind(count("applied"))
    .bind(count("skipped"))
    .bind(count("failed"))
    .bind(competitors)
    .bind(margin.0)
    .bind(now_ms())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// The job that runs a store's pricing.
pub struct PricingJob;

#[async_trait::async_trait]
impl JobKind for PricingJob {
    fn name(&self) -> &'static str {
        KIND
    }

    /// An hourly slot queues a run when the store is connected, automatic
    /// or semi-automatic, not paused, and its cadence has come round.
    async fn on_slot(&self, ctx: &TenantContext, state: &AppState, store_id: &str, slot: i64) -> ServerResult<bool> {
        let store = match load(&state.db.pool, ctx.tenant_id(), store_id).await {
            Ok(store) => store,
            Err(ServerError::NotFound) => return Ok(false),
            Err(e) => return Err(e),
        };
        if store.status != "connected" || store.mode() == PricingMode::Manual || store.paused == 1 {
            return Ok(false);
        }
        let (last,): (Option<i64>,) = sqlx::query_as(
            "select max(started_at) from price_run where tenant_id = $1 and store_id = $2 and trigger = 'schedule'",
        )
        .bind(ctx.tenant_id())
        .bind(store_id)
        .fetch_one(&state.db.pool)
        .await?;
        // A few minutes' slack, so an hourly slot is not missed by seconds.
        let due_after = last.map_or(0, |ms| ms / 1000 + store.rules().cadence_hours * 3_600 - 300);
        if slot < due_after {
            return Ok(false);
        }
        Ok(queue(state, ctx.tenant_id(), &store, ("schedule", slot * 1000), None)
            .await?
            .is_some())
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        match execute(state, ctx.tenant_id(), &job.subject_id).await {
            Ok(_) => Ok(Done::Complete(Step::Done)),
            Err(ServerError::NotFound) => Err(Failure::Stop("The store was removed.".into())),
            Err(e) => Err(e.into()),
        }
    }

    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        let closed = sqlx::query(
            "update price_run set state = 'failed', finished_at = $3 where tenant_id = $1 and store_id = $2 \
             and state in ('queued', 'running')",
        )
        .bind(&job.tenant_id)
        .bind(&job.subject_id)
        .bind(now_ms())
        .execute(&state.db.pool)
        .await;
        if let Err(e) = closed {
            tracing::warn!(error = %e, store_id = %job.subject_id, "could not close a failed pricing run");
        }
        crate::server::queue::job_dead(state, KIND, job, reason).await;
    }
}
