//! The versioned REST API under `/api/v1`: JSON in and out, one error
//! shape with a stable machine code (`error::ApiError`), and the scope of
//! every call from its credential (`Caller`, `Admin`). Handlers are thin
//! adapters over the same services the pages call.
//!
//! Each route is registered together with its OpenAPI entry (utoipa-axum's
//! `routes!`), so the router and `/api/v1/openapi.json` cannot disagree:
//! a handler without its `#[utoipa::path]` does not compile into either.

mod admin;
mod auth;
mod automation;
mod billing;
mod docs;
mod error;
mod extract;
mod limits;
pub(crate) mod media;
mod sites;
mod social;
mod webhooks;

pub use error::{ApiError, ErrorBody};
pub use extract::{Admin, Body, Caller, Params};

use crate::server::state::AppState;
use axum::Json;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The header of answers that hold a secret or a token: never cached
/// (RFC 6749 5.1).
pub(super) type NoStore = [(axum::http::HeaderName, &'static str); 1];
pub(super) const NO_STORE: NoStore = [(axum::http::header::CACHE_CONTROL, "no-store")];

/// Where the API lives; the document's paths are relative to it.
pub const BASE: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Autopilot API",
        version = "1",
        description = "Sites, automation, review, billing, webhooks and administration of an Autopilot workspace. \
                       Authenticate with an API key (`ap_live_…`) or an access token from `POST /auth/login`, \
                       sent as `Authorization: Bearer …`. Errors are `{\"error\": {\"code\", \"message\"}}`; \
                       lists are `{\"data\", \"next_cursor\"}`. Every answer carries RateLimit-Limit, \
                       RateLimit-Remaining and RateLimit-Reset; a 429 also Retry-After."
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Tokens for a password"),
        (name = "sites", description = "WordPress sites"),
        (name = "automation", description = "Runs, jobs and posts, with review"),
        (name = "billing", description = "Usage and the plan"),
        (name = "webhooks", description = "Endpoints that receive the workspace's events (`post.published`, `post.failed`, \
            `job.dead`, `site.needs_attention`, `plan.changed`), and their deliveries. Each delivery is a POST of \
            `{\"id\", \"type\", \"created_at\", \"workspace_id\", \"data\"}` with the headers `webhook-id` (the event's id, \
            the same on every retry), `webhook-timestamp` (unix seconds) and `webhook-signature`: `v1,` and the base64 \
            HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of the secret \
            after `whsec_` (the Standard Webhooks scheme). After a secret is rolled the header holds a signature by each \
            secret, separated by a space, for 24 hours. Answer 2xx within 10 seconds; anything else is retried with \
            growing pauses, ten attempts in all."),
        (name = "social", description = "Social channels: media for posts, the posts and how they performed"),
        (name = "admin", description = "For platform admins"),
        (name = "meta", description = "This API itself"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key (ap_live_…) or an access token from POST /auth/login"))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Every route of the API with its OpenAPI entry.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(docs::page))
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::revoke))
        .routes(routes!(sites::list, sites::create))
        .routes(routes!(sites::detail, sites::update, sites::delete))
        .routes(routes!(sites::start))
        .routes(routes!(sites::stop))
        .routes(routes!(sites::test))
        .routes(routes!(automation::run_now))
        .routes(routes!(automation::jobs))
        .routes(routes!(automation::posts))
        .routes(routes!(automation::approve))
        .routes(routes!(automation::reject))
        .routes(routes!(billing::usage))
        .routes(routes!(billing::change_plan))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::roll_secret))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::resend))
        .routes(routes!(media::upload))
        .routes(routes!(social::list_posts))
        .routes(routes!(social::post))
        .routes(routes!(social::metrics))
        .routes(routes!(admin::users))
        .routes(routes!(admin::suspend_user))
        .routes(routes!(admin::set_limit))
        .routes(routes!(admin::health))
}

/// The OpenAPI document, built once per process.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| api().split_for_parts().1)
}

pub fn routes(state: AppState) -> axum::Router<AppState> {
    let (v1, _) = api().split_for_parts();
    let v1 = v1
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(state, limits::limit));
    axum::Router::new().nest(BASE, v1)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Alive {
    /// Always `ok`.
    status: String,
}

/// Answers while the process runs; no credential.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "meta",
    responses((status = 200, description = "Alive", body = Alive)))]
async fn healthz() -> Json<Alive> {
    Json(Alive { status: "ok".into() })
}

/// This document, OpenAPI 3.1.
#[utoipa::path(get, path = "/openapi.json", operation_id = "get_openapi", tag = "meta",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}

async fn unknown_route() -> ApiError {
    ApiError::not_found_route()
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This route does not take that method.",
    )
}

/// The page a numbered-page cursor (`p2`, `p3`, …) names; the first page
/// without one. Lists whose order shifts as they run (jobs) or that are
/// counted anyway (admin users) page by number behind an opaque cursor.
pub(super) fn numbered_page(cursor: Option<&str>) -> Result<i64, ApiError> {
    match cursor {
        None => Ok(1),
        Some(c) => c
            .strip_prefix('p')
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| ApiError::invalid("That cursor is not one this API gave.")),
    }
}

/// The cursor of the page after `page`, when there is one.
pub(super) fn next_numbered(page: i64, more: bool) -> Option<String> {
    more.then(|| format!("p{}", page + 1))
}

/// One page of a list: its items and, when there are more, the cursor
/// that fetches the next page (`?cursor=`). Cursors are opaque.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T: utoipa::ToSchema> {
    pub data: Vec<T>,
    /// Pass as `?cursor=` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

impl<T: utoipa::ToSchema> Page<T> {
    /// Cuts `items` (fetched one past `limit`) to a page with its cursor.
    fn cut(mut items: Vec<T>, limit: usize, cursor_of: impl Fn(&T) -> String) -> Page<T> {
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = if more { items.last().map(cursor_of) } else { None };
        Page {
            data: items,
            next_cursor,
        }
    }
}
