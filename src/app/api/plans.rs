use crate::app::error::AppError;
use crate::app::types::PlanSummary;
use leptos::prelude::*;

/// The plans with the limits this deployment enforces.
#[server(prefix = "/api", endpoint = "plans")]
pub async fn list_plans() -> Result<Vec<PlanSummary>, AppError> {
    use crate::app::types::Plan;
    let state = crate::server::api::state()?;
    Ok(Plan::ALL
        .into_iter()
        .map(|plan| PlanSummary {
            plan,
            name: plan.name().into(),
            monthly_price_cents: plan.monthly_price_cents(),
            limits: state.config.plan_limits(plan),
        })
        .collect())
}
