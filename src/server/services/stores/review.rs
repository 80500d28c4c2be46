//! What people (and automatic mode) do with decisions: approve as proposed
//! or edited, reject, apply, revert. Each first claims the decision (its
//! outcome moves from `proposed` to `applying`, or `applied` to
//! `reverting`, in one statement), so a double click, a reject racing an
//! approve or a newer run cannot both act on it.
//!
//! Applying reads the product's bounds as they are now (the merchant may
//! have changed its cost, floor or ceiling since the run) and the store's
//! live price: if someone changed the price since the decision was made,
//! it fails with that reason and their price stays. Reverting checks the
//! live price against the one the decision applied.

use super::decisions::Actor;
use super::{load, StoreRow};
use crate::app::types::{Permission, TenantId};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now};
use crate::server::domain::pricing::{amount, lowest_allowed, Inputs, Rules};
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;

/// The most decisions one request approves or rejects.
const MAX_AT_ONCE: usize = 500;

#[derive(sqlx::FromRow)]
struct Pending {
    store_id: String,
    product_id: String,
    outcome: String,
    price_before: i64,
    proposed_price: Option<i64>,
    applied_price: Option<i64>,
}

async fn pending(state: &AppState, tenant_id: &TenantId, id: &str) -> ServerResult<Pending> {
    sqlx::query_as(
        "select store_id, product_id, outcome, price_before, proposed_price, applied_price \
         from price_decision where id = $1 and tenant_id = $2",
    )
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(ServerError::NotFound)
}

/// Moves a decision from one outcome to another; false when it was no
/// longer in `from` (someone else acted first).
async fn settle(
    state: &AppState,
    tenant_id: &TenantId,
    id: &str,
    (from, to): (&str, &str),
    (reason, applied): (&str, Option<i64>),
) -> ServerResult<bool> {
    let done = sqlx::query(
        "update price_decision set outcome = $4, reason = $5, applied_price = coalesce($6, applied_price), \
         updated_at = $7 where id = $1 and tenant_id = $2 and outcome = $3",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(from)
    .bind(to)
    .bind(reason)
    .bind(applied)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Appends one event to a decision's history.
async fn event(
    state: &AppState,
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
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct BoundsRow {
    cost: Option<i64>,
    floor_price: Option<i64>,
    ceiling_price: Option<i64>,
    rules: Option<String>,
}

/// The lowest and highest price the product's rules allow now.
async fn bounds(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    product_id: &str,
) -> ServerResult<(i64, i64)> {
    let row: Option<BoundsRow> = sqlx::query_as(
        "select cost, floor_price, ceiling_price, rules from store_product where id = $1 and tenant_id = $2",
    )
    .bind(product_id)
    .bind(tenant_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let row = row.ok_or(ServerError::NotFound)?;
    let rules: Rules = row
        .rules
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| store.rules());
    let inputs = Inputs {
        price: 0,
        cost: row.cost,
        floor: row.floor_price,
        ceiling: row.ceiling_price,
        stock: None,
        competitors: Vec::new(),
    };
    Ok((lowest_allowed(&rules, &inputs), row.ceiling_price.unwrap_or(i64::MAX)))
}

/// Approves proposals and applies them; `price` edits a single proposal
/// first (within the product's floor and ceiling as they are now).
/// Returns, per decision, the price applied or why not.
pub async fn approve(
    ctx: &TenantContext,
    state: &AppState,
    ids: &[String],
    price: Option<&str>,
) -> ServerResult<Vec<(String, Result<i64, String>)>> {
    ctx.require(Permission::ReviewContent)?;
    if ids.is_empty() || ids.len() > MAX_AT_ONCE {
        return Err(ServerError::Validation(format!("Choose 1 to {MAX_AT_ONCE} proposals.")));
    }
    let edited = price.map(super::parse_money).transpose()?.flatten();
    if edited.is_some() && ids.len() > 1 {
        return Err(ServerError::Validation("Edit one proposal at a time.".into()));
    }
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let decision = pending(state, ctx.tenant_id(), id).await?;
        let store = load(&state.db.pool, ctx.tenant_id(), &decision.store_id).await?;
        if let Some(p) = edited {
            let (floor, ceiling) = bounds(state, ctx.tenant_id(), &store, &decision.product_id).await?;
            if p < floor {
                return Err(ServerError::Validation(format!(
                    "{} is below this product's floor of {}.",
                    amount(p),
                    amount(floor)
                )));
            }
            if p > ceiling {
                return Err(ServerError::Validation(format!(
                    "{} is above this product's ceiling of {}.",
                    amount(p),
                    amount(ceiling)
                )));
            }
        }
        let action = if edited.is_some() { "edited" } else { "approved" };
        let outcome = match apply(state, ctx.tenant_id(), &store, id, edited, Actor::of(ctx), action).await? {
            Some(result) => result,
            None => Err(format!("this decision is {}, not waiting for review", decision.outcome)),
        };
        results.push((id.clone(), outcome));
    }
    Ok(results)
}

/// Rejects proposals still waiting: the prices stay as they are. Returns
/// how many it rejected.
pub async fn reject(ctx: &TenantContext, state: &AppState, ids: &[String]) -> ServerResult<i64> {
    ctx.require(Permission::ReviewContent)?;
    if ids.is_empty() || ids.len() > MAX_AT_ONCE {
        return Err(ServerError::Validation(format!("Choose 1 to {MAX_AT_ONCE} proposals.")));
    }
    let mut rejected = 0;
    for id in ids {
        pending(state, ctx.tenant_id(), id).await?;
        if settle(
            state,
            ctx.tenant_id(),
            id,
            ("proposed", "rejected"),
            ("rejected by a member", None),
        )
        .await?
        {
            event(state, ctx.tenant_id(), id, ("rejected", None, ""), Actor::of(ctx)).await?;
            rejected += 1;
        }
    }
    Ok(rejected)
}

/// Applies a proposal (at `price` when edited) if it is still waiting:
/// None when someone else acted on it first, else Ok(new price) or
/// Err(why not), recorded on the decision either way. `action` names the
/// approval in the trail ("approved", "edited"; the automation's is
/// implied by the run).
pub(super) async fn apply(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    id: &str,
    price: Option<i64>,
    actor: Actor<'_>,
    action: &str,
) -> ServerResult<Option<Result<i64, String>>> {
    if !settle(state, tenant_id, id, ("proposed", "applying"), ("", None)).await? {
        return Ok(None);
    }
    let decision = pending(state, tenant_id, id).await?;
    let target = price.or(decision.proposed_price).unwrap_or(decision.price_before);
    if !action.is_empty() {
        event(state, tenant_id, id, (action, Some(target), ""), actor).await?;
    }
    let (floor, ceiling) = bounds(state, tenant_id, store, &decision.product_id).await?;
    let changed = if target < floor {
        Err(format!(
            "{} is now below the product's floor of {} (its cost or floor changed)",
            amount(target),
            amount(floor)
        ))
    } else if target > ceiling {
        Err(format!(
            "{} is now above the product's ceiling of {}",
            amount(target),
            amount(ceiling)
        ))
    } else {
        super::live::change_price(
            state,
            tenant_id,
            store,
            &decision.product_id,
            decision.price_before,
            target,
        )
        .await?
    };
    match &changed {
        Ok(()) => {
            settle(state, tenant_id, id, ("applying", "applied"), ("", Some(target))).await?;
            event(state, tenant_id, id, ("applied", Some(target), ""), actor).await?;
        }
        Err(why) => {
            settle(state, tenant_id, id, ("applying", "failed"), (why, None)).await?;
            event(state, tenant_id, id, ("failed", Some(target), why), actor).await?;
        }
    }
    Ok(Some(changed.map(|()| target)))
}

/// Puts an applied decision's old price back, if the live price is still
/// the one it applied.
pub async fn revert(ctx: &TenantContext, state: &AppState, id: &str) -> ServerResult<i64> {
    ctx.require(Permission::ReviewContent)?;
    let decision = pending(state, ctx.tenant_id(), id).await?;
    let Some(applied) = decision.applied_price.filter(|_| decision.outcome == "applied") else {
        return Err(ServerError::Conflict(
            "Only an applied decision can be reverted.".into(),
        ));
    };
    if !settle(state, ctx.tenant_id(), id, ("applied", "reverting"), ("", None)).await? {
        return Err(ServerError::Conflict(
            "Only an applied decision can be reverted.".into(),
        ));
    }
    let store = load(&state.db.pool, ctx.tenant_id(), &decision.store_id).await?;
    let changed = super::live::change_price(
        state,
        ctx.tenant_id(),
        &store,
        &decision.product_id,
        applied,
        decision.price_before,
    )
    .await;
    let refused = match changed {
        Ok(Ok(())) => None,
        Ok(Err(why)) => Some(ServerError::Conflict(format!("Not reverted: {why}."))),
        Err(e) => Some(e),
    };
    if let Some(refused) = refused {
        settle(state, ctx.tenant_id(), id, ("reverting", "applied"), ("", None)).await?;
        return Err(refused);
    }
    settle(
        state,
        ctx.tenant_id(),
        id,
        ("reverting", "reverted"),
        ("reverted by a member", None),
    )
    .await?;
    event(
        state,
        ctx.tenant_id(),
        id,
        ("reverted", Some(decision.price_before), ""),
        Actor::of(ctx),
    )
    .await?;
    Ok(decision.price_before)
}
