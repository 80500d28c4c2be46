//! `/api/v1/webhooks`: the webhooks page's endpoints, secrets and delivery
//! log for programs. Tools that subscribe to events (Zapier's REST hooks,
//! an agency's relay) register an endpoint here and remove it when done.

use super::{next_numbered, numbered_page, ApiError, Body, Caller, ErrorBody, NoStore, Page, Params, NO_STORE};
use crate::app::types::{Permission, WebhookDeliverySummary, WebhookEndpointSummary};
use crate::server::services::webhooks::{self, NewEndpoint};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

/// The workspace's endpoints, oldest first. A workspace has at most ten,
/// so one page holds them all (`next_cursor` is always null).
#[utoipa::path(get, path = "/webhooks", operation_id = "list_webhooks", tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoints", body = Page<WebhookEndpointSummary>),
        (status = 403, description = "The credential may not see webhooks", body = ErrorBody),
    ))]
pub async fn list(
    Caller(ctx): Caller,
    State(state): State<AppState>,
) -> Result<Json<Page<WebhookEndpointSummary>>, ApiError> {
    Ok(Json(Page {
        data: webhooks::endpoints(&ctx, &state).await?,
        next_cursor: None,
    }))
}

/// An endpoint to register.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An https address on the public internet.
    url: String,
    /// Up to 200 characters.
    #[serde(default)]
    description: Option<String>,
    /// Some of post.published, post.failed, job.dead, site.needs_attention
    /// and plan.changed.
    events: Vec<String>,
}

/// A registered endpoint and its signing secret, which is shown this once.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    pub endpoint: WebhookEndpointSummary,
    /// `whsec_…`: keys the HMAC of each delivery's `webhook-signature`.
    pub secret: String,
}

/// Registers an endpoint for some events (at most ten per workspace).
#[utoipa::path(post, path = "/webhooks", operation_id = "create_webhook", tag = "webhooks", request_body = NewWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The endpoint and its secret", body = CreatedWebhook),
        (status = 403, description = "The credential may not manage the workspace", body = ErrorBody),
        (status = 409, description = "The workspace has ten endpoints", body = ErrorBody),
        (status = 422, description = "Not an https address on the public internet, or an unknown event", body = ErrorBody),
    ))]
pub async fn create(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Body(hook): Body<NewWebhook>,
) -> Result<(StatusCode, NoStore, Json<CreatedWebhook>), ApiError> {
    // A credential that may not add endpoints hears that first.
    ctx.require(Permission::ManageWorkspace)?;
    let input = NewEndpoint::parse(
        &hook.url,
        hook.description.as_deref().unwrap_or(""),
        &hook.events,
        state.config.outbound_allow_private,
    )?;
    let created = webhooks::create(&ctx, &state, input).await?;
    let endpoint = webhooks::endpoints(&ctx, &state)
        .await?
        .into_iter()
        .find(|e| e.id == created.id)
        .ok_or_else(|| ApiError::from(crate::server::error::ServerError::NotFound))?;
    Ok((
        StatusCode::CREATED,
        NO_STORE,
        Json(CreatedWebhook {
            endpoint,
            secret: created.secret,
        }),
    ))
}

/// Removes an endpoint with its delivery log; nothing more is sent there.
#[utoipa::path(delete, path = "/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such endpoint in this workspace", body = ErrorBody),
    ))]
pub async fn delete(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::remove(&ctx, &state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A rolled secret.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RolledSecret {
    /// The new `whsec_…`; the previous secret also signs for 24 hours.
    pub secret: String,
}

/// Gives the endpoint a new secret; for 24 hours deliveries carry a
/// signature by each, so the receiver can switch without missing any.
#[utoipa::path(post, path = "/webhooks/{id}/roll-secret", operation_id = "roll_webhook_secret", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new secret", body = RolledSecret),
        (status = 404, description = "No such endpoint in this workspace", body = ErrorBody),
        (status = 409, description = "Rolled in the last 24 hours already", body = ErrorBody),
    ))]
pub async fn roll_secret(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(NoStore, Json<RolledSecret>), ApiError> {
    let secret = webhooks::roll_secret(&ctx, &state, &id).await?;
    Ok((NO_STORE, Json(RolledSecret { secret })))
}

/// Paging of an endpoint's delivery log.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

/// An endpoint's deliveries, newest first, 25 a page, with the answers.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", operation_id = "list_webhook_deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), DeliveriesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<WebhookDeliverySummary>),
        (status = 404, description = "No such endpoint in this workspace", body = ErrorBody),
    ))]
pub async fn deliveries(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<DeliveriesQuery>,
) -> Result<Json<Page<WebhookDeliverySummary>>, ApiError> {
    let page = numbered_page(q.cursor.as_deref())?;
    let found = webhooks::page(&ctx, &state, Some(&id), page).await?;
    // The service shows the last page for a number past it; a cursor past
    // the end is an empty page instead.
    let data = if page > found.pages {
        Vec::new()
    } else {
        found.deliveries
    };
    Ok(Json(Page {
        data,
        next_cursor: next_numbered(page, page < found.pages),
    }))
}

/// A delivery queued again.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Resent {
    /// The new delivery's id in the log.
    pub delivery_id: String,
}

/// Sends a delivery again, as a new delivery of the same event (same
/// `webhook-id`).
#[utoipa::path(post, path = "/webhooks/deliveries/{id}/resend", operation_id = "resend_webhook_delivery", tag = "webhooks",
    params(("id" = String, Path, description = "The delivery's id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = Resent),
        (status = 404, description = "No such delivery in this workspace", body = ErrorBody),
    ))]
pub async fn resend(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Resent>), ApiError> {
    let delivery_id = webhooks::resend(&ctx, &state, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(Resent { delivery_id })))
}
