//! `/api/v1/billing`: usage against the plan, and changing the plan.

use super::{ApiError, Caller, ErrorBody};
use crate::app::types::{Plan, PlanChange, Usage};
use crate::server::services::{billing, content};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

/// Posts and sites used against the plan's limits.
#[utoipa::path(get, path = "/billing/usage", operation_id = "get_usage", tag = "billing",
    security(("bearer" = [])),
    responses((status = 200, description = "Usage this month", body = Usage)))]
pub async fn usage(Caller(ctx): Caller, State(state): State<AppState>) -> Result<Json<Usage>, ApiError> {
    Ok(Json(content::usage(&ctx, &state).await?))
}

/// What choosing a plan did: `applied` (in force now), or `checkout`, where
/// a person must enter payment details at `checkout_url` first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlanChanged {
    /// `applied` or `checkout`
    #[schema(value_type = String)]
    pub status: &'static str,
    pub plan: Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkout_url: Option<String>,
}

/// Moves the workspace to another plan: at once in test mode, through
/// Stripe Checkout for a first subscription.
#[utoipa::path(post, path = "/billing/change-plan/{plan}", operation_id = "change_plan", tag = "billing",
    params(("plan" = String, Path, description = "free, pro or agency")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Applied, or a Checkout to finish", body = PlanChanged),
        (status = 403, description = "The credential may not manage billing", body = ErrorBody),
        (status = 409, description = "Billing is not available here", body = ErrorBody),
        (status = 422, description = "Not a plan", body = ErrorBody),
    ))]
pub async fn change_plan(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(plan): Path<String>,
) -> Result<Json<PlanChanged>, ApiError> {
    let plan = Plan::parse(&plan).ok_or_else(|| ApiError::invalid("The plan must be free, pro or agency."))?;
    let changed = match billing::choose_plan(&ctx, &state, plan).await? {
        PlanChange::Applied { message } => PlanChanged {
            status: "applied",
            plan,
            message: Some(message),
            checkout_url: None,
        },
        PlanChange::Checkout { url } => PlanChanged {
            status: "checkout",
            plan,
            message: None,
            checkout_url: Some(url),
        },
    };
    Ok(Json(changed))
}
