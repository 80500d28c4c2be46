//! The audit trail of pricing decisions, and what people (or the
//! automation) do with them: approve (as proposed or edited), reject,
//! apply, revert. A decision's inputs, rule and proposed price are written
//! once; each thing that happens to it is appended to its events.
//!
//! Applying reads the store's live price first: if the merchant changed
//! it since the decision was made, the decision fails with that reason and
//! the merchant's price stays. Reverting does the same check against the
//! price the decision applied.

use super::runs::Decided;
use super::{load, StoreRow};
use crate::app::types::{
    DecisionFilter, DecisionOutcome, DecisionPage, DecisionSummary, Permission, SeenPrice, TenantId,
};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, Where};
use crate::server::domain::format_in_zone;
use crate::server::domain::pricing::{amount, Inputs};
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;

const PER_PAGE: i64 = 50;
/// Rows per insert statement: 14 values each stays far under both
/// engines' limits on bound values.
const ROWS_PER_INSERT: usize = 100;

/// Who acted on a decision.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A member (or an admin's support view) through a page or the API.
    Member(Option<&'a str>),
    Automation,
}

impl<'a> Actor<'a> {
    pub fn of(ctx: &'a TenantContext) -> Actor<'a> {
        Actor::Member(ctx.user_id().map(|u| u.as_str()))
    }

    fn id(&self) -> Option<&str> {
        match self {
            Actor::Member(id) => *id,
            Actor::Automation => None,
        }
    }
}

/// Writes a batch of a run's decisions and their first events, in one
/// transaction. A product's proposal still waiting from an earlier run is
/// replaced by the new decision (its events say so).
pub(super) async fn write(
    state: &AppState,
    tenant_id: &TenantId,
    store_id: &str,
    run_id: &str,
    decided: &[Decided],
) -> ServerResult<()> {
    let at = now();
    let mut tx = state.db.begin_write().await?;
    for chunk in decided.chunks(ROWS_PER_INSERT) {
        let ids: Vec<&str> = chunk.iter().map(|d| d.product_id.as_str()).collect();
        supersede(&mut tx, tenant_id, run_id, &ids, at).await?;
        let mut sql = String::from(
            "insert into price_decision (id, tenant_id, store_id, run_id, product_id, inputs, rule, floor_price, \
             price_before, proposed_price, outcome, reason, created_at, updated_at) values ",
        );
        let mut events = String::from(
            "insert into price_decision_event (id, tenant_id, decision_id, action, price, note, actor, at) values ",
        );
        for i in 0..chunk.len() {
            let b = i * 14;
            let row: Vec<String> = (1..=14).map(|k| format!("${}", b + k)).collect();
            sql.push_str(&format!("{}({})", if i == 0 { "" } else { ", " }, row.join(", ")));
            let e = i * 7;
            let ev: Vec<String> = (1..=7).map(|k| format!("${}", e + k)).collect();
            events.push_str(&format!(
                "{}({}, null, ${})",
                if i == 0 { "" } else { ", " },
                ev[..6].join(", "),
                e + 7
            ));
        }
        let mut query = sqlx::query(&sql);
        let mut event_query = sqlx::query(&events);
        for d in chunk {
            let (outcome, reason, proposed) = match d.decision.outcome {
                Ok(price) => ("proposed", String::new(), Some(price)),
                Err(skip) => ("skipped", skip.words().to_string(), None),
            };
            query = query
                .bind(&d.id)
                .bind(tenant_id)
                .bind(store_id)
                .bind(run_id)
                .bind(&d.product_id)
                .bind(serde_json::to_string(&d.inputs).map_err(ServerError::internal)?)
                .bind(&d.decision.rule)
                .bind(d.decision.floor)
                .bind(d.inputs.price)
                .bind(proposed)
                .bind(outcome)
                .bind(reason.clone())
                .bind(at)
                .bind(at);
            event_query = event_query
                .bind(new_id())
                .bind(tenant_id)
                .bind(&d.id)
                .bind(outcome)
                .bind(proposed)
                .bind(reason)
                .bind(at);
        }
        query.execute(&mut *tx).await?;
        event_query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Proposals of these products from earlier runs give way to this run's.
async fn supersede(
    tx: &mut crate::server::db::Tx,
    tenant_id: &TenantId,
    run_id: &str,
    product_ids: &[&str],
    at: i64,
) -> ServerResult<()> {
    let list: Vec<String> = (0..product_ids.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "select id from price_decision where tenant_id = $1 and run_id <> $2 and outcome = 'proposed' \
         and updated_at <= $3 and product_id in ({})",
        list.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String,)>(&sql)
        .bind(tenant_id)
        .bind(run_id)
        .bind(at);
    for id in product_ids {
        query = query.bind(*id);
    }
    for (id,) in query.fetch_all(&mut **tx).await? {
        settle(
            &mut **tx,
            tenant_id,
            &id,
            DecisionOutcome::Rejected,
            "replaced by a newer run's proposal",
            None,
        )
        .await?;
        event(
            &mut **tx,
            tenant_id,
            &id,
            ("superseded", None, "a newer run decided again"),
            Actor::Automation,
        )
        .await?;
    }
    Ok(())
}

/// Sets a decision's latest outcome (its inputs never change).
async fn settle<'c>(
    exec: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant_id: &TenantId,
    id: &str,
    outcome: DecisionOutcome,
    reason: &str,
    applied: Option<i64>,
) -> ServerResult<()> {
    sqlx::query(
        "update price_decision set outcome = $3, reason = $4, applied_price = coalesce($5, applied_price), \
         updated_at = $6 where id = $1 and tenant_id = $2",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(outcome.as_str())
    .bind(reason)
    .bind(applied)
    .bind(now())
    .execute(exec)
    .await?;
    Ok(())
}

/// Appends one event to a decision's history.
async fn event<'c>(
    exec: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant_id: &TenantId,
    id: &str,
    (action, price, note): (&str, Option<i64>, &str),
    actor: Actor<'_>,
) -> ServerResult<()> {
    sqlx::query(
        "insert into price_decision_event (id, tenant_id, decision_id, action, price, note, actor, at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(tenant_id)
    .bind(id)
    .bind(action)
    .bind(price)
    .bind(note)
    .bind(actor.id())
    .bind(now())
    .execute(exec)
    .await?;
    Ok(())
}

/// A proposal left as it is, with the reason (automatic mode's cap, a pause).
pub(super) async fn skip(state: &AppState, tenant_id: &TenantId, id: &str, why: &str) -> ServerResult<()> {
    let mut tx = state.db.begin_write().await?;
    settle(&mut *tx, tenant_id, id, DecisionOutcome::Skipped, why, None).await?;
    event(&mut *tx, tenant_id, id, ("skipped", None, why), Actor::Automation).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: String,
    run_id: String,
    store_id: String,
    product_id: String,
    product: String,
    sku: String,
    currency: String,
    inputs: String,
    rule: String,
    floor_price: i64,
    price_before: i64,
    proposed_price: Option<i64>,
    applied_price: Option<i64>,
    outcome: String,
    reason: String,
    created_at: i64,
}

const DECISION_COLUMNS: &str = "d.id, d.run_id, d.store_id, d.product_id, p.name as product, p.sku, s.currency, \
     d.inputs, d.rule, d.floor_price, d.price_before, d.proposed_price, d.applied_price, d.outcome, d.reason, \
     d.created_at";
const DECISION_FROM: &str =
    "from price_decision d join store_product p on p.id = d.product_id and p.tenant_id = d.tenant_id \
     join store s on s.id = d.store_id and s.tenant_id = d.tenant_id";

impl DecisionRow {
    fn into_summary(self) -> DecisionSummary {
        let inputs: Option<Inputs> = serde_json::from_str(&self.inputs).ok();
        DecisionSummary {
            cost: inputs.as_ref().and_then(|i| i.cost),
            competitors: inputs
                .map(|i| {
                    i.competitors
                        .into_iter()
                        .map(|c| SeenPrice {
                            price: c.price,
                            age: c.age,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            outcome: DecisionOutcome::parse(&self.outcome).unwrap_or(DecisionOutcome::Skipped),
            at: format_in_zone(self.created_at, chrono_tz::UTC),
            id: self.id,
            run_id: self.run_id,
            store_id: self.store_id,
            product_id: self.product_id,
            product: self.product,
            sku: self.sku,
            currency: self.currency,
            price_before: self.price_before,
            rule: self.rule,
            floor_price: self.floor_price,
            proposed_price: self.proposed_price,
            applied_price: self.applied_price,
            reason: self.reason,
            created_at: self.created_at,
        }
    }
}

fn conditions(ctx: &TenantContext, filter: &DecisionFilter) -> ServerResult<Where> {
    let mut w = Where::new_text("d.tenant_id = ", ctx.tenant_id().as_str());
    if !filter.store_id.is_empty() {
        w.text("d.store_id = ", filter.store_id.clone());
    }
    if !filter.run_id.is_empty() {
        w.text("d.run_id = ", filter.run_id.clone());
    }
    if !filter.product_id.is_empty() {
        w.text("d.product_id = ", filter.product_id.clone());
    }
    if !filter.outcome.is_empty() {
        let outcome = DecisionOutcome::parse(&filter.outcome)
            .ok_or_else(|| ServerError::Validation("Unknown outcome.".into()))?;
        w.text("d.outcome = ", outcome.as_str());
    }
    Ok(w)
}

/// One page of the audit trail, newest first.
pub async fn list(ctx: &TenantContext, state: &AppState, filter: &DecisionFilter) -> ServerResult<DecisionPage> {
    ctx.require(Permission::ViewWorkspace)?;
    let w = conditions(ctx, filter)?;
    let paged = w
        .fetch_page::<DecisionRow>(
            &state.db.pool,
            (DECISION_COLUMNS, DECISION_FROM, "d.created_at desc, d.id desc"),
            PER_PAGE,
            filter.page.unwrap_or(1),
        )
        .await?;
    Ok(DecisionPage {
        decisions: paged.rows.into_iter().map(DecisionRow::into_summary).collect(),
        total: paged.total,
        page: paged.page,
        pages: paged.pages,
        can_review: ctx.can(Permission::ReviewContent),
    })
}

/// The audit trail as CSV (every matching decision, newest first).
pub async fn csv(ctx: &TenantContext, state: &AppState, filter: &DecisionFilter) -> ServerResult<String> {
    ctx.require(Permission::ViewWorkspace)?;
    let w = conditions(ctx, filter)?;
    let sql = format!(
        "select {DECISION_COLUMNS} {DECISION_FROM} where {} order by d.created_at desc, d.id desc limit 100000",
        w.sql()
    );
    let rows: Vec<DecisionRow> = w.bind(sqlx::query_as(&sql)).fetch_all(&state.db.pool).await?;
    let mut out = String::from(
        "decided_at,product,sku,currency,cost,price_before,competitor_prices,rule,floor_price,proposed_price,\
         applied_price,outcome,reason,decision_id,run_id\n",
    );
    let money = |v: Option<i64>| v.map(amount).unwrap_or_default();
    for d in rows.into_iter().map(DecisionRow::into_summary) {
        let seen: Vec<String> = d.competitors.iter().map(|c| amount(c.price)).collect();
        let fields = [
            d.at.clone(),
            d.product.clone(),
            d.sku.clone(),
            d.currency.clone(),
            money(d.cost),
            amount(d.price_before),
            seen.join(" "),
            d.rule.clone(),
            amount(d.floor_price),
            money(d.proposed_price),
            money(d.applied_price),
            d.outcome.as_str().to_string(),
            d.reason.clone(),
            d.id.clone(),
            d.run_id.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// A CSV field, quoted when it must be; a leading =, +, - or @ is
/// defused so a spreadsheet does not run it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '@']) || (value.starts_with('-') && value.parse::<f64>().is_err()) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[derive(sqlx::FromRow)]
struct Pending {
    store_id: String,
    product_id: String,
    outcome: String,
    floor_price: i64,
    price_before: i64,
    proposed_price: Option<i64>,
    applied_price: Option<i64>,
}

async fn pending(state: &AppState, tenant_id: &TenantId, id: &str) -> ServerResult<Pending> {
    sqlx::query_as(
        "select store_id, product_id, outcome, floor_price, price_before, proposed_price, applied_price \
         from price_decision where id = $1 and tenant_id = $2",
    )
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(ServerError::NotFound)
}

/// Approves proposals and applies them; `price` edits a single proposal
/// first (never below the floor the decision recorded). Returns, per
/// decision, whether it was applied or why not.
pub async fn approve(
    ctx: &TenantContext,
    state: &AppState,
    ids: &[String],
    price: Option<&str>,
) -> ServerResult<Vec<(String, Result<i64, String>)>> {
    ctx.require(Permission::ReviewContent)?;
    if ids.is_empty() || ids.len() > 500 {
        return Err(ServerError::Validation("Choose 1 to 500 proposals.".into()));
    }
    let edited = match price.map(super::parse_money).transpose()?.flatten() {
        Some(p) if ids.len() > 1 => {
            return Err(ServerError::Validation(format!(
                "Edit one proposal at a time, not {} ({}).",
                ids.len(),
                amount(p)
            )))
        }
        other => other,
    };
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let decision = pending(state, ctx.tenant_id(), id).await?;
        if decision.outcome != "proposed" {
            results.push((
                id.clone(),
                Err(format!("this decision is {}, not waiting for review", decision.outcome)),
            ));
            continue;
        }
        if let Some(p) = edited {
            if p < decision.floor_price {
                return Err(ServerError::Validation(format!(
                    "{} is below this product's floor of {}.",
                    amount(p),
                    amount(decision.floor_price)
                )));
            }
        }
        let store = load(&state.db.pool, ctx.tenant_id(), &decision.store_id).await?;
        let actor = Actor::of(ctx);
        event(
            &state.db.pool,
            ctx.tenant_id(),
            id,
            (
                if edited.is_some() { "edited" } else { "approved" },
                edited.or(decision.proposed_price),
                "",
            ),
            actor,
        )
        .await?;
        results.push((
            id.clone(),
            apply(state, ctx.tenant_id(), &store, id, edited, actor).await?,
        ));
    }
    Ok(results)
}

/// Rejects proposals: the prices stay as they are.
pub async fn reject(ctx: &TenantContext, state: &AppState, ids: &[String]) -> ServerResult<i64> {
    ctx.require(Permission::ReviewContent)?;
    let mut rejected = 0;
    for id in ids {
        let decision = pending(state, ctx.tenant_id(), id).await?;
        if decision.outcome != "proposed" {
            continue;
        }
        let mut tx = state.db.begin_write().await?;
        settle(
            &mut *tx,
            ctx.tenant_id(),
            id,
            DecisionOutcome::Rejected,
            "rejected by a member",
            None,
        )
        .await?;
        event(&mut *tx, ctx.tenant_id(), id, ("rejected", None, ""), Actor::of(ctx)).await?;
        tx.commit().await?;
        rejected += 1;
    }
    Ok(rejected)
}

/// Applies a proposal (at `price` when edited): the live price must still
/// be the one the decision started from. Ok(new price) or Err(why not);
/// a failure is recorded on the decision either way.
pub(super) async fn apply(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    id: &str,
    price: Option<i64>,
    actor: Actor<'_>,
) -> ServerResult<Result<i64, String>> {
    let decision = pending(state, tenant_id, id).await?;
    let Some(target) = price.or(decision.proposed_price) else {
        return Ok(Err("nothing was proposed".into()));
    };
    let changed = change_price(
        state,
        tenant_id,
        store,
        &decision.product_id,
        decision.price_before,
        target,
    )
    .await?;
    let mut tx = state.db.begin_write().await?;
    match &changed {
        Ok(()) => {
            settle(&mut *tx, tenant_id, id, DecisionOutcome::Applied, "", Some(target)).await?;
            event(&mut *tx, tenant_id, id, ("applied", Some(target), ""), actor).await?;
        }
        Err(why) => {
            settle(&mut *tx, tenant_id, id, DecisionOutcome::Failed, why, None).await?;
            event(&mut *tx, tenant_id, id, ("failed", Some(target), why), actor).await?;
        }
    }
    tx.commit().await?;
    Ok(changed.map(|()| target))
}

/// Puts an applied decision's old price back, if the live price is still
/// the one it applied.
pub async fn revert(ctx: &TenantContext, state: &AppState, id: &str) -> ServerResult<i64> {
    ctx.require(Permission::ReviewContent)?;
    let decision = pending(state, ctx.tenant_id(), id).await?;
    let (DecisionOutcome::Applied, Some(applied)) = (
        DecisionOutcome::parse(&decision.outcome).unwrap_or(DecisionOutcome::Skipped),
        decision.applied_price,
    ) else {
        return Err(ServerError::Conflict(
            "Only an applied decision can be reverted.".into(),
        ));
    };
    let store = load(&state.db.pool, ctx.tenant_id(), &decision.store_id).await?;
    let actor = Actor::of(ctx);
    match change_price(
        state,
        ctx.tenant_id(),
        &store,
        &decision.product_id,
        applied,
        decision.price_before,
    )
    .await?
    {
        Ok(()) => {
            let mut tx = state.db.begin_write().await?;
            settle(
                &mut *tx,
                ctx.tenant_id(),
                id,
                DecisionOutcome::Reverted,
                "reverted by a member",
                None,
            )
            .await?;
            event(
                &mut *tx,
                ctx.tenant_id(),
                id,
                ("reverted", Some(decision.price_before), ""),
                actor,
            )
            .await?;
            tx.commit().await?;
            Ok(decision.price_before)
        }
        Err(why) => Err(ServerError::Conflict(format!("Not reverted: {why}."))),
    }
}

/// Changes a product's price in its store from `from` to `to`, after
/// reading the live price: a price someone else changed is left alone.
async fn change_price(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    product_id: &str,
    from: i64,
    to: i64,
) -> ServerResult<Result<(), String>> {
    if store.status != "connected" {
        return Ok(Err(format!("the store is {}", store.status)));
    }
    if !store.is_demo() {
        return Ok(Err("changing prices in Salla is not available yet".into()));
    }
    // The demo store is its own catalogue: the live price is the row's,
    // checked and changed in one statement.
    let at = now();
    let done = sqlx::query(
        "update store_product set price = $4, updated_at = $5 where id = $1 and tenant_id = $2 and price = $3",
    )
    .bind(product_id)
    .bind(tenant_id)
    .bind(from)
    .bind(to)
    .bind(at)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        let live: Option<(i64,)> = sqlx::query_as("select price from store_product where id = $1 and tenant_id = $2")
            .bind(product_id)
            .bind(tenant_id)
            .fetch_optional(&state.db.pool)
            .await?;
        return Ok(Err(match live {
            Some((live,)) => format!(
                "the price changed in the store meanwhile (was {}, now {}); it was left as it is",
                amount(from),
                amount(live)
            ),
            None => "the product is gone from the store".into(),
        }));
    }
    super::catalogue::record_price(&state.db.pool, tenant_id, product_id, to, at).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Rose cake"), "Rose cake");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-12.50"), "-12.50");
    }
}
