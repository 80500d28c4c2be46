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

use super::decisions::{self, Actor, Retire};
use super::review;
use super::{load, StoreRow};
use crate::app::types::{Permission, PricingMode, RunSummary, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, now_ms};
use crate::server::domain::format_in_zone;
use crate::server::domain::pricing::{self, Inputs, Observed, Rules};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, ClaimedJob, Done, Failure, JobKind, Lease, NewJob, Start};
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
    super::attach_cron(ctx, conn, KIND, EVERY, store_id).await
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
    error: String,
}

const RUN_COLUMNS: &str = "r.id, r.store_id, s.name as store, r.trigger, r.mode, r.state, r.analysed, r.proposed, \
     r.applied, r.skipped, r.failed, r.competitors, r.margin_bp, r.started_at, r.finished_at, r.error";

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
            error: self.error,
        }
    }
}

/// "Run now": queues a run of the store, or finds the one already waiting
/// or running (one at a time per store). Returns the run's id.
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
    let by = ctx.user_id().map(|u| u.as_str());
    let queued = queue(state, ctx.tenant_id(), &store, ("manual", None), by).await?;
    state.wake.notify_one();
    match queued {
        Some(id) => Ok(id),
        None => open_run(state, ctx.tenant_id(), store_id)
            .await?
            .ok_or_else(|| ServerError::Conflict("A run of this store just ended; press Run now again.".into())),
    }
}

/// The store's run waiting or under way, if any.
async fn open_run(state: &AppState, tenant_id: &TenantId, store_id: &str) -> ServerResult<Option<String>> {
    let open: Option<(String,)> = sqlx::query_as(
        "select id from price_run where tenant_id = $1 and store_id = $2 and state in ('queued', 'running')",
    )
    .bind(tenant_id)
    .bind(store_id)
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(open.map(|(id,)| id))
}

/// Writes a queued run and its job (whose subject is the run). None when
/// the store has a run open already: the unique index on open runs says
/// so, whoever asked at the same moment.
async fn queue(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    (trigger, slot): (&str, Option<i64>),
    by: Option<&str>,
) -> ServerResult<Option<String>> {
    let id = new_id();
    let at = now_ms();
    let mut tx = state.db.begin_write().await?;
    let inserted = sqlx::query(
        "insert into price_run (id, tenant_id, store_id, trigger, mode, state, slot, started_at, started_by) \
         values ($1, $2, $3, $4, $5, 'queued', $6, $7, $8)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(&store.id)
    .bind(trigger)
    .bind(store.mode().as_str())
    .bind(slot)
    .bind(at)
    .bind(by)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if crate::server::db::is_unique_violation(&e) => return Ok(None),
        other => {
            other?;
        }
    }
    let job = NewJob {
        tenant_id,
        kind: KIND,
        subject_id: &id,
        slot: 0,
        run_at_ms: at,
        max_attempts: state.config.worker.max_attempts,
    };
    enqueue(&mut *tx, &job, Start::Queued).await?;
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

/// Runs one run: decides every product of its store not yet decided in
/// it (a retry keeps what an interrupted attempt wrote), writes the
/// decisions in batches, then applies them in automatic mode. The store
/// is read as it is now: its mode, pause switch and connection.
pub async fn execute(state: &AppState, tenant_id: &TenantId, run_id: &str) -> ServerResult<()> {
    let run: Option<(String, String)> =
        sqlx::query_as("select store_id, state from price_run where id = $1 and tenant_id = $2")
            .bind(run_id)
            .bind(tenant_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let Some((store_id, run_state)) = run else {
        return Err(ServerError::NotFound);
    };
    if !matches!(run_state.as_str(), "queued" | "running") {
        return Ok(());
    }
    let store = load(&state.db.pool, tenant_id, &store_id).await?;
    if store.status != "connected" {
        return close(state, tenant_id, run_id, &format!("the store is {}", store.status)).await;
    }
    sqlx::query(
        "update price_run set state = 'running', mode = $3, \
         started_at = case when state = 'queued' then $4 else started_at end where id = $1 and tenant_id = $2",
    )
    .bind(run_id)
    .bind(tenant_id)
    .bind(store.mode().as_str())
    .bind(now_ms())
    .execute(&state.db.pool)
    .await?;
    let decided = decide_all(state, tenant_id, &store, run_id).await?;
    for chunk in decided.chunks(BATCH) {
        decisions::write(state, tenant_id, &store.id, run_id, chunk).await?;
        sqlx::query(
            "update price_run set analysed = (select count(*) from price_decision d where d.tenant_id = $2 \
             and d.run_id = $1) where id = $1 and tenant_id = $2",
        )
        .bind(run_id)
        .bind(tenant_id)
        .execute(&state.db.pool)
        .await?;
    }
    if store.mode() == PricingMode::Auto {
        apply_capped(state, tenant_id, &store, run_id).await?;
    }
    finish(state, tenant_id, &store.id, run_id).await
}

/// Every product of the store decided, from one read of the catalogue
/// and one of the competitors' latest prices.
async fn decide_all(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    run_id: &str,
) -> ServerResult<Vec<Decided>> {
    let products: Vec<ProductRow> = sqlx::query_as(
        "select p.id, p.price, p.cost, p.floor_price, p.ceiling_price, p.stock, p.rules from store_product p \
         where p.tenant_id = $1 and p.store_id = $2 and p.removed = 0 and not exists (select 1 from price_decision d \
         where d.tenant_id = p.tenant_id and d.run_id = $3 and d.product_id = p.id) order by p.id",
    )
    .bind(tenant_id)
    .bind(&store.id)
    .bind(run_id)
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

/// Automatic mode: applies the run's proposals, the smallest moves first,
/// up to the store's cap (what an interrupted attempt applied counts);
/// the rest are skipped with the reason in one statement. The pause
/// switch is read every few changes, so it stops a run under way.
async fn apply_capped(state: &AppState, tenant_id: &TenantId, store: &StoreRow, run_id: &str) -> ServerResult<()> {
    let (applied,): (i64,) = sqlx::query_as(
        "select count(*) from price_decision where tenant_id = $1 and run_id = $2 and outcome = 'applied'",
    )
    .bind(tenant_id)
    .bind(run_id)
    .fetch_one(&state.db.pool)
    .await?;
    let proposals: Vec<(String,)> = sqlx::query_as(
        "select id from price_decision where tenant_id = $1 and run_id = $2 and outcome = 'proposed' \
         order by abs(proposed_price - price_before), id limit $3",
    )
    .bind(tenant_id)
    .bind(run_id)
    .bind((store.max_changes_per_run - applied).max(0))
    .fetch_all(&state.db.pool)
    .await?;
    let mut paused = store.paused == 1;
    for (i, (id,)) in proposals.iter().enumerate() {
        if i > 0 && i % 10 == 0 {
            let (flag,): (i16,) = sqlx::query_as("select paused from store where id = $1 and tenant_id = $2")
                .bind(&store.id)
                .bind(tenant_id)
                .fetch_one(&state.db.pool)
                .await?;
            paused = flag == 1;
        }
        if paused {
            break;
        }
        review::apply(state, tenant_id, store, id, None, Actor::Automation, "").await?;
    }
    let why = if paused {
        "automation is paused".to_string()
    } else {
        format!("over this run's cap of {} changes", store.max_changes_per_run)
    };
    let mut tx = state.db.begin_write().await?;
    decisions::retire(&mut tx, tenant_id, Retire::RestOf(run_id, &why), now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Counts the run's outcomes and closes it; `competitors` counts the
/// store's competitor offers with a price.
async fn finish(state: &AppState, tenant_id: &TenantId, store_id: &str, run_id: &str) -> ServerResult<()> {
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "select outcome, count(*) from price_decision where tenant_id = $1 and run_id = $2 group by outcome",
    )
    .bind(tenant_id)
    .bind(run_id)
    .fetch_all(&state.db.pool)
    .await?;
    let count = |o: &str| counts.iter().find(|c| c.0 == o).map_or(0, |c| c.1);
    // Rounded the same way on both engines (SQLite's avg is a float).
    let (margin,): (Option<i64>,) = sqlx::query_as(
        "select cast(round(avg((coalesce(d.applied_price, d.proposed_price) - p.cost) * 10000.0 / p.cost)) as bigint) \
         from price_decision d join store_product p on p.id = d.product_id and p.tenant_id = d.tenant_id \
         where d.tenant_id = $1 and d.run_id = $2 and d.proposed_price is not null and p.cost > 0",
    )
    .bind(tenant_id)
    .bind(run_id)
    .fetch_one(&state.db.pool)
    .await?;
    let (competitors,): (i64,) =
        sqlx::query_as("select count(*) from competitor where tenant_id = $1 and store_id = $2 and price is not null")
            .bind(tenant_id)
            .bind(store_id)
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
    .bind(margin)
    .bind(now_ms())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Closes a run that cannot go on, with the reason.
async fn close(state: &AppState, tenant_id: &TenantId, run_id: &str, why: &str) -> ServerResult<()> {
    sqlx::query(
        "update price_run set state = 'failed', error = $3, finished_at = $4 where id = $1 and tenant_id = $2 \
         and state in ('queued', 'running')",
    )
    .bind(run_id)
    .bind(tenant_id)
    .bind(why)
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
    /// or semi-automatic, not paused, has no run open, and its cadence has
    /// come round since the slot the last scheduled run served.
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
            "select max(slot) from price_run where tenant_id = $1 and store_id = $2 and trigger = 'schedule'",
        )
        .bind(ctx.tenant_id())
        .bind(store_id)
        .fetch_one(&state.db.pool)
        .await?;
        if last.is_some_and(|last| slot < last + store.rules().cadence_hours * 3_600) {
            return Ok(false);
        }
        Ok(queue(state, ctx.tenant_id(), &store, ("schedule", Some(slot)), None)
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
            Ok(()) => Ok(Done::Complete(Step::Done)),
            Err(ServerError::NotFound) => Err(Failure::Stop("The store or the run was removed.".into())),
            Err(e) => Err(e.into()),
        }
    }

    /// The run's job gave up: the run is closed with the reason, so the
    /// store can run again.
    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        if let Err(e) = close(state, &job.tenant_id, &job.subject_id, reason).await {
            tracing::warn!(error = %e, run_id = %job.subject_id, "could not close a failed pricing run");
        }
        crate::server::queue::job_dead(state, KIND, job, reason).await;
    }
}
