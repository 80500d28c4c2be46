//! The webhooks page's two forms that hand out a signing secret: adding an
//! endpoint and rolling its secret. Like a new API key, the secret comes
//! back once on a page of its own (`new_key::secret_page`); a refusal goes
//! back to the webhooks page with the error in the address and the fields
//! in the session (`drafts`).

use super::new_key::{back_with, secret_page};
use crate::app::types::Permission;
use crate::server::auth::TenantContext;
use crate::server::drafts;
use crate::server::services::webhooks::{self, NewEndpoint, ROLL_GRACE_SECONDS};
use crate::server::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

pub const NEW: &str = "/app/webhooks/new";
pub const ROLL: &str = "/app/webhooks/roll";
const BACK: &str = "/app/webhooks";

/// Browsers send each ticked event as its own `events` field.
pub(super) struct NewEndpointForm {
    url: String,
    description: String,
    events: Vec<String>,
}

pub(super) async fn create(
    ctx: TenantContext,
    session: Session,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Response {
    let form: NewEndpointForm = match parse_form(&body) {
        Some(form) => form,
        None => {
            return back_with(
                NEW,
                BACK,
                crate::app::error::AppError::BadRequest("That form was not complete.".into()),
            )
        }
    };
    // Someone who may not add endpoints hears that before any detail.
    if let Err(e) = ctx.require(Permission::ManageWorkspace) {
        return back_with(NEW, BACK, e.to_app_error());
    }
    let made = match NewEndpoint::parse(
        &form.url,
        &form.description,
        &form.events,
        state.config.outbound_allow_private,
    ) {
        Ok(input) => webhooks::create(&ctx, &state, input).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(created) => secret_page(
            "Your endpoint's signing secret",
            "Copy this secret into the program that receives the webhooks. It is not shown again; roll it for a new one.",
            ("The signing secret", created.secret.as_str()),
            "Check each delivery's <code>webhook-signature</code> with it, as the webhooks page explains.",
            BACK,
        ),
        Err(e) => {
            let mut fields = vec![("url".into(), form.url), ("description".into(), form.description)];
            fields.extend(form.events.into_iter().map(|e| ("events".to_owned(), e)));
            drafts::keep(&session, &ctx, NEW, fields).await;
            back_with(NEW, BACK, e.to_app_error())
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RollForm {
    endpoint_id: String,
}

pub(super) async fn roll(ctx: TenantContext, State(state): State<AppState>, Form(form): Form<RollForm>) -> Response {
    match webhooks::roll_secret(&ctx, &state, &form.endpoint_id).await {
        Ok(secret) => secret_page(
            "The endpoint's new signing secret",
            &format!(
                "Deliveries are signed with this secret and the old one for the next {} hours, so the receiver can switch without missing any.",
                ROLL_GRACE_SECONDS / 3600
            ),
            ("The signing secret", secret.as_str()),
            "After the grace period only this secret signs.",
            BACK,
        ),
        Err(e) => back_with(ROLL, BACK, e.to_app_error()),
    }
}

/// `application/x-www-form-urlencoded` with repeated keys (`events=a&events=b`),
/// which `axum::Form` (serde_urlencoded) cannot put in a Vec.
fn parse_form(body: &[u8]) -> Option<NewEndpointForm> {
    let mut url = None;
    let mut description = String::new();
    let mut events = Vec::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "url" => url = Some(value.into_owned()),
            "description" => description = value.into_owned(),
            "events" => events.push(value.into_owned()),
            _ => {}
        }
    }
    Some(NewEndpointForm {
        url: url?,
        description,
        events,
    })
}
