//! A stand-in for Facebook Login for Business and the Graph API, under a
//! version prefix (`/v25.0/…`). One person, Sam Stand-in, manages Pages;
//! some have an Instagram professional account linked.
//!
//! - `GET /{v}/dialog/oauth`: the sign-in page; `decision=allow` sends the
//!   person back with a code, `decision=deny` with `error=access_denied`.
//! - `GET /{v}/oauth/access_token`: a code (once, within ten minutes, with
//!   the same `redirect_uri`) for a short-lived user token, or with
//!   `grant_type=fb_exchange_token` a short-lived for a long-lived one.
//! - `GET /{v}/me/accounts`: the Pages with Page tokens, paged by `limit`
//!   and `after`, with `instagram_business_account` when asked for.
//!
//! Errors are Graph's: `{"error":{"message","type","code","error_subcode",
//! "fbtrace_id"}}`, 190 for a refused token, 4 when throttled.

use super::{back_to, bad_page, consent_page, token, unix_now, APP_ID, APP_SECRET};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

const SHORT_SECONDS: i64 = 5_400;
const LONG_SECONDS: i64 = 5_183_944;

#[derive(Clone)]
pub struct Page {
    pub id: String,
    pub name: String,
    /// (id, username) of the linked Instagram professional account.
    pub instagram: Option<(String, String)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    ShortUser,
    LongUser,
    Page,
}

struct Code {
    redirect_uri: String,
    issued_at: i64,
    used: bool,
}

#[derive(Default)]
struct World {
    pages: Vec<Page>,
    codes: HashMap<String, Code>,
    tokens: HashMap<String, (Kind, Option<i64>)>,
    /// Sam withdrew the app: every token is refused from now on.
    revoked: bool,
    /// The next this many Graph calls are refused as rate limited.
    throttled: u32,
    /// Graph calls answered, by path.
    calls: Vec<String>,
}

/// The stand-in's handle: its state, shared with its router.
#[derive(Clone)]
pub struct MetaStandIn {
    world: Arc<Mutex<World>>,
}

impl Default for MetaStandIn {
    fn default() -> Self {
        Self::new()
    }
}

impl MetaStandIn {
    /// Sam manages two Pages; the first has an Instagram account linked.
    pub fn new() -> MetaStandIn {
        let world = World {
            pages: vec![
                Page {
                    id: "1010".into(),
                    name: "Stand-in Bakery".into(),
                    instagram: Some(("17841400000001".into(), "standin.bakery".into())),
                },
                Page {
                    id: "1020".into(),
                    name: "Stand-in Books".into(),
                    instagram: None,
                },
            ],
            ..World::default()
        };
        MetaStandIn {
            world: Arc::new(Mutex::new(world)),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the Pages Sam manages.
    pub fn set_pages(&self, pages: Vec<Page>) {
        self.world().pages = pages;
    }

    /// Sam removes the app: every token stops working (code 190).
    pub fn revoke(&self) {
        self.world().revoked = true;
    }

    /// Every code issued so far is older than its ten minutes.
    pub fn expire_codes(&self) {
        for code in self.world().codes.values_mut() {
            code.issued_at -= 601;
        }
    }

    /// The next `n` Graph calls are refused with code 4.
    pub fn throttle(&self, n: u32) {
        self.world().throttled = n;
    }

    /// How many calls reached `path` (e.g. "/me/accounts").
    pub fn calls(&self, path: &str) -> usize {
        self.world().calls.iter().filter(|c| c.as_str() == path).count()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/",
                get(|| async { "A local stand-in for Meta, for tests and trials." }),
            )
            .route("/{version}/dialog/oauth", get(dialog))
            .route("/{version}/oauth/access_token", get(access_token))
            .route("/{version}/me/accounts", get(accounts))
            .with_state(self.clone())
    }
}

/// A Graph error as Meta sends it.
fn graph_error(code: i64, subcode: Option<i64>, message: &str) -> Response {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": token("A"),
    });
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
}

type Params = Query<HashMap<String, String>>;

async fn dialog(State(meta): State<MetaStandIn>, Path(version): Path<String>, Query(q): Params) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != APP_ID {
        return bad_page("Invalid App ID: the client_id is not a known app.");
    }
    let redirect = get("redirect_uri");
    if redirect.is_empty() {
        return bad_page("redirect_uri is missing.");
    }
    let state = get("state");
    match q.get("decision").map(String::as_str) {
        Some("allow") => {
            let code = token("AQ");
            meta.world().codes.insert(
                code.clone(),
                Code {
                    redirect_uri: redirect.clone(),
                    issued_at: unix_now(),
                    used: false,
                },
            );
            back_to(&redirect, &[("code", &code), ("state", &state)])
        }
        Some(_) => back_to(
            &redirect,
            &[
                ("error", "access_denied"),
                ("error_code", "200"),
                ("error_description", "Permissions error"),
                ("error_reason", "user_denied"),
                ("state", &state),
            ],
        ),
        None => {
            let here = format!("/{version}/dialog/oauth?");
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(q.iter())
                .finish();
            consent_page(
                "Facebook",
                &get("client_id"),
                &format!("{here}{query}&decision=allow"),
                &format!("{here}{query}&decision=deny"),
                "your Pages, posting to them and their Instagram accounts, and their insights",
            )
        }
    }
}

/// Checks the app's credentials as Graph does.
fn app_refused(q: &HashMap<String, String>) -> Option<Response> {
    if q.get("client_id").map(String::as_str) != Some(APP_ID) {
        return Some(graph_error(
            101,
            None,
            "Error validating application. Invalid application ID.",
        ));
    }
    if q.get("client_secret").map(String::as_str) != Some(APP_SECRET) {
        return Some(graph_error(1, None, "Error validating client secret."));
    }
    None
}

async fn access_token(State(meta): State<MetaStandIn>, Query(q): Params) -> Response {
    if let Some(refused) = app_refused(&q) {
        return refused;
    }
    let mut world = meta.world();
    world.calls.push("/oauth/access_token".into());
    if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
        let short = q.get("fb_exchange_token").cloned().unwrap_or_default();
        if world.revoked || world.tokens.get(&short).map(|t| t.0) != Some(Kind::ShortUser) {
            return graph_error(190, Some(463), "Error validating access token: the session is invalid.");
        }
        return issue(&mut world, Kind::LongUser, LONG_SECONDS);
    }
    let code = q.get("code").cloned().unwrap_or_default();
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let Some(found) = world.codes.get_mut(&code) else {
        return graph_error(100, None, "Invalid verification code format.");
    };
    if found.used {
        return graph_error(100, Some(36009), "This authorization code has been used.");
    }
    if found.issued_at + 600 < unix_now() {
        return graph_error(100, Some(36007), "This authorization code has expired.");
    }
    if found.redirect_uri != redirect {
        return graph_error(
            100,
            Some(36008),
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        );
    }
    found.used = true;
    // Signing in again gives the app working tokens again.
    world.revoked = false;
    issue(&mut world, Kind::ShortUser, SHORT_SECONDS)
}

fn issue(world: &mut World, kind: Kind, seconds: i64) -> Response {
    let access = token("EAA");
    world.tokens.insert(access.clone(), (kind, Some(unix_now() + seconds)));
    Json(json!({ "access_token": access, "token_type": "bearer", "expires_in": seconds })).into_response()
}

async fn accounts(
    State(meta): State<MetaStandIn>,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let mut world = meta.world();
    world.calls.push("/me/accounts".into());
    if world.throttled > 0 {
        world.throttled -= 1;
        return graph_error(4, None, "(#4) Application request limit reached");
    }
    let user = q.get("access_token").cloned().unwrap_or_default();
    let valid = match world.tokens.get(&user) {
        Some((Kind::ShortUser | Kind::LongUser, expires)) => expires.is_none_or(|at| at > unix_now()),
        _ => false,
    };
    if world.revoked || !valid {
        return graph_error(190, Some(460), "Error validating access token: the user has changed their password or Facebook has changed the session for security reasons.");
    }
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(25).clamp(1, 100);
    let after: usize = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let with_ig = q
        .get("fields")
        .is_some_and(|f| f.contains("instagram_business_account"));
    let pages: Vec<Page> = world.pages.iter().skip(after).take(limit).cloned().collect();
    let more = after + pages.len() < world.pages.len();
    let data: Vec<Value> = pages
        .into_iter()
        .map(|page| {
            let page_token = token("EAAP");
            world.tokens.insert(page_token.clone(), (Kind::Page, None));
            let mut entry = json!({ "id": page.id, "name": page.name, "access_token": page_token });
            if let (true, Some((id, username))) = (with_ig, page.instagram) {
                entry["instagram_business_account"] = json!({ "id": id, "username": username, "name": page.name });
            }
            entry
        })
        .collect();
    let next_after = (after + data.len()).to_string();
    let mut body = json!({
        "data": data,
        "paging": { "cursors": { "before": after.to_string(), "after": next_after.clone() } },
    });
    if more {
        let mut next = q.clone();
        next.insert("after".into(), next_after);
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(next.iter())
            .finish();
        // Graph's `next` is an absolute address on the same host.
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        body["paging"]["next"] = json!(format!("http://{host}/{version}/me/accounts?{query}"));
    }
    Json(body).into_response()
}
