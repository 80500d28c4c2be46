use crate::app::error::AppError;
use crate::app::types::{BillingOverview, CheckoutResult, PlanChange, TenantId};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "billing")]
pub async fn get_billing(page: i64) -> Result<BillingOverview, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::billing};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(billing::overview(&ctx, &state, page).await?)
}

/// Changes the plan, or answers with the Stripe Checkout page to pay on.
#[server(prefix = "/api", endpoint = "billing/plan")]
pub async fn choose_plan(plan: String) -> Result<PlanChange, AppError> {
    use crate::app::types::Plan;
    use crate::server::{auth::TenantContext, error::ServerError, request as api, services::billing};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    let plan = Plan::parse(&plan).ok_or_else(|| ServerError::Validation("Choose free, pro or agency.".into()))?;
    Ok(billing::choose_plan(&ctx, &state, plan).await?)
}

/// The Stripe Billing Portal's address for this workspace.
#[server(prefix = "/api", endpoint = "billing/portal")]
pub async fn open_portal() -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::billing};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(billing::portal(&ctx, &state).await?)
}

#[server(prefix = "/api", endpoint = "billing/checkout")]
pub async fn checkout_outcome(session_id: String) -> Result<CheckoutResult, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::billing};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(billing::checkout_result(&ctx, &state, &session_id).await?)
}

/// A platform admin grants one workspace limits beyond its plan; a limit
/// left empty follows the plan again.
#[server(prefix = "/api", endpoint = "admin/workspace-limits")]
pub async fn set_workspace_limits(
    workspace_id: TenantId,
    posts: Option<i64>,
    sites: Option<i64>,
    members: Option<i64>,
    social_accounts: Option<i64>,
    stores: Option<i64>,
) -> Result<(), AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::billing};
    let state = api::state()?;
    let admin = api::extract::<PlatformAdmin>().await?;
    let overrides = billing::Overrides {
        posts,
        sites,
        members,
        social_accounts,
        stores,
    };
    billing::set_overrides(&admin, &state, &workspace_id, &overrides).await?;
    Ok(())
}
