//! Business figures for admins: recurring revenue, workspaces per plan,
//! sign-ups and plan movements (upgrades, downgrades, cancellations, churn)
//! over 30 and 90 days, and workspaces in dunning.

use crate::app::types::{BusinessFigures, Plan, PlanMovement};
use crate::server::auth::PlatformAdmin;
use crate::server::db::now;
use crate::server::error::ServerResult;
use crate::server::services::housekeeping::PLATFORM_TENANT;
use crate::server::state::AppState;

/// Subscription statuses that bring in revenue (a trial does not yet; an
/// overdue one still counts until Stripe gives up).
const PAYING: &str = "('active', 'past_due', 'unpaid')";
const DAY: i64 = 86_400;

pub async fn business(_admin: &PlatformAdmin, state: &AppState) -> ServerResult<BusinessFigures> {
    let pool = &state.db.pool;
    let per_plan: Vec<(String, i64)> = sqlx::query_as("select plan, count(*) from tenant where id <> $1 group by plan")
        .bind(PLATFORM_TENANT)
        .fetch_all(pool)
        .await?;
    let paying: Vec<(String, i64)> = sqlx::query_as(&format!(
        "select t.plan, count(*) from tenant t join billing b on b.tenant_id = t.id \
         where b.status in {PAYING} and t.plan <> 'free' group by t.plan"
    ))
    .fetch_all(pool)
    .await?;
    let (in_dunning,): (i64,) = sqlx::query_as("select count(*) from billing where payment_failed_at is not null")
        .fetch_one(pool)
        .await?;
    let today = now() / DAY;
    let days: Vec<(i64, i64)> = sqlx::query_as(
        "select created_at / 86400, count(*) from tenant where created_at >= $1 and id <> $2 \
         group by created_at / 86400",
    )
    .bind((today - 89) * DAY)
    .bind(PLATFORM_TENANT)
    .fetch_all(pool)
    .await?;
    // The same base as the revenue: paid plans with a paying subscription.
    let paying_now: i64 = paying.iter().map(|(_, n)| n).sum();
    let mut movements = Vec::new();
    for window in [30, 90] {
        movements.push(movement(state, window, paying_now, &days).await?);
    }
    Ok(BusinessFigures {
        mrr_cents: paying
            .iter()
            .filter_map(|(p, n)| Plan::parse(p).map(|p| p.monthly_price_cents() * n))
            .sum(),
        workspaces_per_plan: Plan::ALL
            .into_iter()
            .map(|plan| {
                let n = per_plan.iter().find(|(p, _)| p == plan.as_str()).map(|(_, n)| *n);
                (plan, n.unwrap_or(0))
            })
            .collect(),
        movements,
        in_dunning,
        sign_ups_by_day: (today - 89..=today)
            .map(|day| {
                let n = days.iter().find(|(d, _)| *d == day).map(|(_, n)| *n).unwrap_or(0);
                (day_label(day), n)
            })
            .collect(),
    })
}

fn day_label(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * DAY, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn rank(plan: &str) -> i64 {
    Plan::parse(plan).map(|p| p.monthly_price_cents()).unwrap_or(0)
}

async fn movement(state: &AppState, days: i64, paying_now: i64, sign_ups: &[(i64, i64)]) -> ServerResult<PlanMovement> {
    let since = now() - days * DAY;
    let changes: Vec<(String, String)> = sqlx::query_as("select from_plan, to_plan from plan_change where at >= $1")
        .bind(since)
        .fetch_all(&state.db.pool)
        .await?;
    let (mut upgrades, mut downgrades, mut cancellations, mut new_paying) = (0, 0, 0, 0);
    for (from, to) in &changes {
        let (from_free, to_free) = (from == Plan::Free.as_str(), to == Plan::Free.as_str());
        match (rank(from).cmp(&rank(to)), to_free) {
            (std::cmp::Ordering::Less, _) => upgrades += 1,
            (std::cmp::Ordering::Greater, true) => cancellations += 1,
            (std::cmp::Ordering::Greater, false) => downgrades += 1,
            _ => {}
        }
        if from_free && !to_free {
            new_paying += 1;
        }
    }
    // Paying at the window's start: those paying now, less the ones who
    // started paying since, plus the ones who cancelled since.
    let paying_then = paying_now - new_paying + cancellations;
    let churn_percent = if paying_then > 0 {
        (cancellations as f64 * 1000.0 / paying_then as f64).round() / 10.0
    } else {
        0.0
    };
    let first_day = now() / DAY - (days - 1);
    Ok(PlanMovement {
        days,
        sign_ups: sign_ups.iter().filter(|(d, _)| *d >= first_day).map(|(_, n)| n).sum(),
        upgrades,
        downgrades,
        cancellations,
        churn_percent,
    })
}
