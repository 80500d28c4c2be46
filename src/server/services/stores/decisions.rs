//! The audit trail of pricing decisions: each run's decisions written in
//! batches, listed and exported. A decision's inputs, rule and proposed
//! price are written once; each thing that happens to it afterwards is
//! appended to its events, and `outcome` only names the latest (see
//! `review` for the people's side: approve, edit, reject, revert).

use super::runs::Decided;
use crate::app::types::{
    DecisionFilter, DecisionOutcome, DecisionPage, DecisionSummary, Permission, SeenPrice, TenantId,
};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, Tx, Where};
use crate::server::domain::pricing::{amount, Inputs};
use crate::server::domain::{csv, format_in_zone};
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

    pub(super) fn id(&self) -> Option<&str> {
        match self {
            Actor::Member(id) => *id,
            Actor::Automation => None,
        }
    }
}

/// Writes a batch of a run's decisions and their first events, in one
/// transaction. A product's proposal still waiting from an earlier run
/// gives way to the new decision (its events say so).
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
        retire(&mut tx, tenant_id, Retire::OthersOf(run_id, &ids), at).await?;
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "({})",
                    (1..=14)
                        .map(|k| format!("${}", i * 14 + k))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        let sql = format!(
            "insert into price_decision (id, tenant_id, store_id, run_id, product_id, inputs, rule, floor_price, \
             price_before, proposed_price, outcome, reason, created_at, updated_at) values {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        let mut firsts = Vec::with_capacity(chunk.len());
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
            firsts.push((d.id.clone(), outcome, proposed, reason));
        }
        query.execute(&mut *tx).await?;
        events(&mut tx, tenant_id, &firsts, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Appends one event per (decision, action, price, note), by the automation.
async fn events(
    tx: &mut Tx,
    tenant_id: &TenantId,
    rows: &[(String, &str, Option<i64>, String)],
    at: i64,
) -> ServerResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, $1, ${}, ${}, ${}, ${}, null, $2)",
                    i * 5 + 3,
                    i * 5 + 4,
                    i * 5 + 5,
                    i * 5 + 6,
                    i * 5 + 7
                )
            })
            .collect();
        let sql = format!(
            "insert into price_decision_event (id, tenant_id, decision_id, action, price, note, actor, at) values {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant_id).bind(at);
        for (decision, action, price, note) in chunk {
            query = query
                .bind(new_id())
                .bind(decision)
                .bind(*action)
                .bind(*price)
                .bind(note);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Which waiting proposals to retire at once.
pub(super) enum Retire<'a> {
    /// Earlier runs' proposals of these products: a newer run decided again.
    OthersOf(&'a str, &'a [&'a str]),
    /// The rest of a run's proposals, with the reason (automatic mode's cap,
    /// the pause switch).
    RestOf(&'a str, &'a str),
}

/// Marks waiting proposals skipped in one statement (only those still
/// waiting: one a member is applying meanwhile is left to them), and
/// appends the event of each.
pub(super) async fn retire(tx: &mut Tx, tenant_id: &TenantId, which: Retire<'_>, at: i64) -> ServerResult<usize> {
    let (sql, run_id, why, action, products) = match which {
        Retire::OthersOf(run_id, products) => {
            let list: Vec<String> = (0..products.len()).map(|i| format!("${}", i + 5)).collect();
            let sql = format!(
                "update price_decision set outcome = 'skipped', reason = $3, updated_at = $4 where tenant_id = $1 \
                 and run_id <> $2 and outcome = 'proposed' and product_id in ({}) returning id",
                list.join(", ")
            );
            (
                sql,
                run_id,
                "replaced by a newer run's decision",
                "superseded",
                products,
            )
        }
        Retire::RestOf(run_id, why) => (
            "update price_decision set outcome = 'skipped', reason = $3, updated_at = $4 where tenant_id = $1 \
             and run_id = $2 and outcome = 'proposed' returning id"
                .to_string(),
            run_id,
            why,
            "skipped",
            &[][..],
        ),
    };
    if sql.contains("in ()") {
        return Ok(0);
    }
    let mut query = sqlx::query_as::<_, (String,)>(&sql)
        .bind(tenant_id)
        .bind(run_id)
        .bind(why)
        .bind(at);
    for id in products {
        query = query.bind(*id);
    }
    let retired: Vec<(String,)> = query.fetch_all(&mut **tx).await?;
    let rows: Vec<(String, &str, Option<i64>, String)> = retired
        .into_iter()
        .map(|(id,)| (id, action, None, why.to_string()))
        .collect();
    events(tx, tenant_id, &rows, at).await?;
    Ok(rows.len())
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
        let line: Vec<String> = fields.iter().map(|f| csv::cell(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok(out)
}
