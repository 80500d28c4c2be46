use crate::app::error::AppError;
use crate::app::types::PlanSummary;
use leptos::prelude::*;

/// The plans with the limits this deployment enforces.
#[server(prefix = "/api", endpoint = "plans")]
pub async fn list_plans() -> Result<Vec<PlanSummary>, AppError> {
    let state = crate::server::request::state()?;
    Ok(crate::server::services::billing::plans(&state.config))
}
