//! A stand-in for TikTok Login Kit v2 and the Open API. One person, Sam
//! Stand-in, with one TikTok account.
//!
//! - `GET /v2/auth/authorize/`: the sign-in page; `decision=allow` sends the
//!   person back with `code` and `scopes`, `decision=deny` with
//!   `error=access_denied`.
//! - `POST /v2/oauth/token/` (form-encoded): `authorization_code` (once,
//!   ten minutes, same `redirect_uri`) or `refresh_token`. Refresh tokens
//!   rotate: a refresh hands out a new one and the one sent stops working.
//! - `GET /v2/user/info/` with a bearer token.
//! - `POST /v2/oauth/revoke/`.
//!
//! - The Content Posting API's Direct Post: `POST /v2/post/publish/
//!   creator_info/query/`, `…/video/init/` (PULL_FROM_URL: the video is
//!   fetched from its address; six inits a minute per token, then 429
//!   `rate_limit_exceeded`), `…/status/fetch/` (PROCESSING_DOWNLOAD, then
//!   PUBLISH_COMPLETE with the post's id, or FAILED with `video_pull_failed`),
//!   and `POST /v2/video/list/` (needs `video.list`), whose share addresses
//!   lead to the stand-in's own page for the video.
//!
//! OAuth errors are `{"error","error_description","log_id"}`; the others
//! wrap `{"data","error":{"code","message","log_id"}}`.

use super::{back_to, bad_page, consent_page, token, unix_now, Gate, APP_ID, APP_SECRET};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub const OPEN_ID: &str = "standin-open-id-sam";

struct Code {
    redirect_uri: String,
    issued_at: i64,
    used: bool,
}

struct World {
    codes: HashMap<String, Code>,
    /// Access tokens and when they run out.
    access: HashMap<String, i64>,
    /// The one refresh token that works now, and when it runs out.
    refresh: Option<(String, i64)>,
    access_seconds: i64,
    refresh_seconds: i64,
    /// What the person allowed (people may untick permissions).
    granted: String,
    revoked: bool,
    /// Revocations the app asked for (`/v2/oauth/revoke/`).
    revocations: usize,
    refreshes: usize,
    videos: Vec<Video>,
    publishes: HashMap<String, Publish>,
    /// When recent inits were made (unix seconds), for the rate limit.
    inits: Vec<i64>,
    processing_ms: i64,
    lose_init_answer: bool,
    refuse_init: bool,
    /// Counts set by a test, by video id (others are drawn from the id):
    /// (views, likes, comments, shares).
    counts: HashMap<String, (i64, i64, i64, i64)>,
}

#[derive(Clone)]
pub struct TikTokStandIn {
    world: Arc<Mutex<World>>,
    /// Where refresh requests can be held.
    refresh_gate: Gate,
}

impl Default for TikTokStandIn {
    fn default() -> Self {
        Self::new()
    }
}

impl TikTokStandIn {
    pub fn new() -> TikTokStandIn {
        TikTokStandIn {
            world: Arc::new(Mutex::new(World {
                codes: HashMap::new(),
                access: HashMap::new(),
                refresh: None,
                // Today's documented lifetimes: two hours and 180 days.
                access_seconds: 7_200,
                refresh_seconds: 15_552_000,
                granted: "user.info.basic,user.info.profile,video.publish,video.upload,video.list".into(),
                revoked: false,
                revocations: 0,
                refreshes: 0,
                videos: Vec::new(),
                publishes: HashMap::new(),
                inits: Vec::new(),
                processing_ms: 0,
                lose_init_answer: false,
                refuse_init: false,
                counts: HashMap::new(),
            })),
            refresh_gate: Gate::default(),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long access tokens issued from now on last.
    pub fn set_access_seconds(&self, seconds: i64) {
        self.world().access_seconds = seconds;
    }

    /// The permissions Sam allows from now on (comma-separated).
    pub fn grant_only(&self, scopes: &str) {
        self.world().granted = scopes.into();
    }

    /// Sam withdraws the app's permission: every token is refused.
    pub fn revoke(&self) {
        self.world().revoked = true;
    }

    /// Revocations the app asked for.
    pub fn revocations(&self) -> usize {
        self.world().revocations
    }

    /// Refreshes answered so far (successful or not).
    pub fn refreshes(&self) -> usize {
        self.world().refreshes
    }

    /// Holds refresh requests until `release`.
    pub fn hold_refreshes(&self) {
        self.refresh_gate.hold();
    }

    /// Waits until a refresh request is being held.
    pub async fn refresh_arrived(&self) {
        self.refresh_gate.arrived().await;
    }

    pub fn release_refreshes(&self) {
        self.refresh_gate.release();
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/",
                get(|| async { "A local stand-in for TikTok, for tests and trials." }),
            )
            .route("/v2/auth/authorize/", get(authorize))
            .route("/v2/oauth/token/", post(token_endpoint))
            .route("/v2/oauth/revoke/", post(revoke))
            .route("/v2/user/info/", get(user_info))
            .route("/v2/post/publish/creator_info/query/", post(creator_info))
            .route("/v2/post/publish/video/init/", post(video_init))
            .route("/v2/post/publish/status/fetch/", post(publish_status))
            .route("/v2/video/list/", post(video_list))
            .route("/v2/video/query/", post(video_query))
            .route("/@sam.standin/video/{id}", get(shown))
            .with_state(self.clone())
    }
}

fn oauth_error(error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description, "log_id": token("") });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn authorize(State(tiktok): State<TikTokStandIn>, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_key") != APP_ID {
        return bad_page("client_key: this app is not known.");
    }
    let (redirect, state) = (get("redirect_uri"), get("state"));
    if redirect.is_empty() || get("response_type") != "code" {
        return bad_page("redirect_uri and response_type=code are required.");
    }
    match q.get("decision").map(String::as_str) {
        Some("allow") => {
            let code = token("code-");
            tiktok.world().codes.insert(
                code.clone(),
                Code {
                    redirect_uri: redirect.clone(),
                    issued_at: unix_now(),
                    used: false,
                },
            );
            back_to(
                &redirect,
                &[("code", &code), ("scopes", &get("scope")), ("state", &state)],
            )
        }
        Some(_) => back_to(
            &redirect,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied the authorization request."),
                ("state", &state),
            ],
        ),
        None => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(q.iter())
                .finish();
            consent_page(
                "TikTok",
                &get("client_key"),
                &format!("/v2/auth/authorize/?{query}&decision=allow"),
                &format!("/v2/auth/authorize/?{query}&decision=deny"),
                &get("scope"),
            )
        }
    }
}

async fn token_endpoint(State(tiktok): State<TikTokStandIn>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return oauth_error("invalid_request", "The request parameters are malformed.");
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if get("client_key") != APP_ID || get("client_secret") != APP_SECRET {
        return oauth_error("invalid_client", "Client key or secret is invalid.");
    }
    match get("grant_type").as_str() {
        "authorization_code" => by_code(&tiktok, &get("code"), &get("redirect_uri")),
        "refresh_token" => by_refresh(&tiktok, &get("refresh_token")).await,
        _ => oauth_error("unsupported_grant_type", "The grant type is not supported."),
    }
}

fn by_code(tiktok: &TikTokStandIn, code: &str, redirect_uri: &str) -> Response {
    let mut world = tiktok.world();
    let Some(found) = world.codes.get_mut(code) else {
        return oauth_error("invalid_grant", "Authorization code is invalid.");
    };
    if found.used || found.issued_at + 600 < unix_now() {
        return oauth_error("invalid_grant", "Authorization code is expired or was used.");
    }
    if found.redirect_uri != redirect_uri {
        return oauth_error(
            "invalid_grant",
            "Redirect URI does not match the authorization request.",
        );
    }
    found.used = true;
    world.revoked = false;
    grant(&mut world)
}

async fn by_refresh(tiktok: &TikTokStandIn, sent: &str) -> Response {
    tiktok.refresh_gate.pass().await;
    let mut world = tiktok.world();
    world.refreshes += 1;
    let works = matches!(&world.refresh, Some((current, until)) if current == sent && *until > unix_now());
    if world.revoked || !works {
        return oauth_error("invalid_grant", "Refresh token is invalid or expired.");
    }
    grant(&mut world)
}

/// A new access token and a new refresh token; the old refresh token is
/// gone from this moment.
fn grant(world: &mut World) -> Response {
    let (access, refresh) = (token("act."), token("rft."));
    let now = unix_now();
    world.access.insert(access.clone(), now + world.access_seconds);
    world.refresh = Some((refresh.clone(), now + world.refresh_seconds));
    Json(json!({
        "access_token": access,
        "expires_in": world.access_seconds,
        "open_id": OPEN_ID,
        "refresh_expires_in": world.refresh_seconds,
        "refresh_token": refresh,
        "scope": world.granted.clone(),
        "token_type": "Bearer",
    }))
    .into_response()
}

async fn revoke(State(tiktok): State<TikTokStandIn>, body: axum::body::Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if get("client_key") != APP_ID || get("client_secret") != APP_SECRET {
        return oauth_error("invalid_client", "Client key or secret is invalid.");
    }
    if !tiktok.world().access.contains_key(&get("token")) {
        return oauth_error("invalid_request", "The token is invalid.");
    }
    tiktok.revoke();
    tiktok.world().revocations += 1;
    Json(json!({})).into_response()
}

/// Whether the bearer token works now.
fn authorised(tiktok: &TikTokStandIn, headers: &HeaderMap) -> bool {
    let world = tiktok.world();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    !world.revoked
        && bearer
            .and_then(|t| world.access.get(t))
            .is_some_and(|until| *until > unix_now())
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "data": {}, "error": { "code": code, "message": message, "log_id": token("") } });
    (status, Json(body)).into_response()
}

async fn user_info(State(tiktok): State<TikTokStandIn>, headers: HeaderMap) -> Response {
    if !authorised(&tiktok, &headers) {
        return api_error(
            StatusCode::UNAUTHORIZED,
            "access_token_invalid",
            "The access token is invalid or not found in the request.",
        );
    }
    Json(json!({
        "data": { "user": { "open_id": OPEN_ID, "display_name": "Sam Stand-in", "username": "sam.standin" } },
        "error": { "code": "ok", "message": "", "log_id": token("") },
    }))
    .into_response()
}

// ---- The Content Posting API (Direct Post, PULL_FROM_URL) ----

/// A video on Sam's account.
struct Video {
    id: String,
    title: String,
    created_at: i64,
}

/// A publish TikTok is working on.
struct Publish {
    title: String,
    /// PROCESSING_DOWNLOAD, PUBLISH_COMPLETE or FAILED.
    status: &'static str,
    fail_reason: Option<&'static str>,
    /// When TikTok is done with it (unix ms), whoever looks.
    ready_at_ms: i64,
    post_id: Option<String>,
}

fn now_ms() -> i64 {
    crate::server::db::now_ms()
}

/// Publishes whose processing time has passed become public videos, as
/// TikTok's own processing goes on whether anyone asks or not.
fn advance(world: &mut World) {
    let now = now_ms();
    let mut done = Vec::new();
    for publish in world.publishes.values_mut() {
        if publish.status == "PROCESSING_DOWNLOAD" && publish.ready_at_ms <= now {
            let id = (rand::random::<u64>() % 9_000_000_000_000_000_000 + 1_000_000_000_000_000_000).to_string();
            publish.status = "PUBLISH_COMPLETE";
            publish.post_id = Some(id.clone());
            done.push(Video {
                id,
                title: publish.title.clone(),
                created_at: unix_now(),
            });
        }
    }
    world.videos.extend(done);
}

/// Inits each token may make per minute (TikTok's documented limit).
const INITS_PER_MINUTE: usize = 6;

impl TikTokStandIn {
    /// How long TikTok takes over a video (none by default).
    pub fn set_processing_ms(&self, ms: i64) {
        self.world().processing_ms = ms;
    }

    /// The next init starts the publish, then answers 500 as if the
    /// connection broke before the answer arrived.
    pub fn lose_next_init_answer(&self) {
        self.world().lose_init_answer = true;
    }

    /// The next init is refused as malformed (400 `invalid_params`).
    pub fn refuse_next_init(&self) {
        self.world().refuse_init = true;
    }

    /// What viewers did with one video: (views, likes, comments, shares).
    pub fn set_counts(&self, video_id: &str, counts: (i64, i64, i64, i64)) {
        self.world().counts.insert(video_id.to_owned(), counts);
    }

    /// Sam's videos, newest first: (id, title).
    pub fn videos(&self) -> Vec<(String, String)> {
        self.world()
            .videos
            .iter()
            .rev()
            .map(|v| (v.id.clone(), v.title.clone()))
            .collect()
    }
}

fn ok(data: Value) -> Response {
    Json(json!({ "data": data, "error": { "code": "ok", "message": "", "log_id": token("") } })).into_response()
}

fn refused_bearer() -> Response {
    api_error(
        StatusCode::UNAUTHORIZED,
        "access_token_invalid",
        "The access token is invalid or not found in the request.",
    )
}

fn granted(tiktok: &TikTokStandIn, scope: &str) -> bool {
    tiktok.world().granted.split(',').any(|s| s.trim() == scope)
}

async fn creator_info(State(tiktok): State<TikTokStandIn>, headers: HeaderMap) -> Response {
    if !authorised(&tiktok, &headers) {
        return refused_bearer();
    }
    if !granted(&tiktok, "video.publish") {
        return api_error(
            StatusCode::FORBIDDEN,
            "scope_not_authorized",
            "The user did not authorize the scope required for completing this request.",
        );
    }
    ok(json!({
        "creator_avatar_url": "",
        "creator_username": "sam.standin",
        "creator_nickname": "Sam Stand-in",
        "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
        "comment_disabled": false,
        "duet_disabled": false,
        "stitch_disabled": false,
        "max_video_post_duration_sec": 600,
    }))
}

async fn video_init(State(tiktok): State<TikTokStandIn>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&tiktok, &headers) {
        return refused_bearer();
    }
    if !granted(&tiktok, "video.publish") {
        return api_error(
            StatusCode::FORBIDDEN,
            "scope_not_authorized",
            "The user did not authorize the scope required for completing this request.",
        );
    }
    {
        let mut world = tiktok.world();
        let now = unix_now();
        world.inits.retain(|at| *at > now - 60);
        if world.inits.len() >= INITS_PER_MINUTE {
            return api_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "API rate limit exceeded, please retry later.",
            );
        }
        world.inits.push(now);
        if std::mem::take(&mut world.refuse_init) {
            return api_error(
                StatusCode::BAD_REQUEST,
                "invalid_params",
                "The video_url is not a valid address.",
            );
        }
    }
    let privacy = body["post_info"]["privacy_level"].as_str().unwrap_or_default();
    if !["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"].contains(&privacy) {
        return api_error(
            StatusCode::BAD_REQUEST,
            "privacy_level_option_mismatch",
            "privacy_level is not one of the creator's options.",
        );
    }
    if body["source_info"]["source"] != "PULL_FROM_URL" {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "This stand-in takes PULL_FROM_URL only.",
        );
    }
    let url = body["source_info"]["video_url"].as_str().unwrap_or_default().to_owned();
    // TikTok pulls the video after answering; one it cannot pull fails.
    let pulled = super::fetches(&url).await;
    let mut world = tiktok.world();
    let publish_id = format!("v_pub_url~v2-1.{}", rand::random::<u64>());
    let ready_at_ms = now_ms() + world.processing_ms;
    world.publishes.insert(
        publish_id.clone(),
        Publish {
            title: body["post_info"]["title"].as_str().unwrap_or_default().to_owned(),
            status: if pulled { "PROCESSING_DOWNLOAD" } else { "FAILED" },
            fail_reason: (!pulled).then_some("video_pull_failed"),
            ready_at_ms,
            post_id: None,
        },
    );
    if std::mem::take(&mut world.lose_init_answer) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the answer was lost").into_response();
    }
    ok(json!({ "publish_id": publish_id }))
}

async fn publish_status(State(tiktok): State<TikTokStandIn>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&tiktok, &headers) {
        return refused_bearer();
    }
    let id = body["publish_id"].as_str().unwrap_or_default().to_owned();
    let mut world = tiktok.world();
    advance(&mut world);
    let Some(p) = world.publishes.get(&id) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_publish_id",
            "publish_id does not exist.",
        );
    };
    let mut data = json!({ "status": p.status, "uploaded_bytes": 0 });
    if let Some(reason) = p.fail_reason {
        data["fail_reason"] = json!(reason);
    }
    if let Some(post_id) = &p.post_id {
        data["publicaly_available_post_id"] = json!([post_id]);
    }
    ok(data)
}

async fn video_list(State(tiktok): State<TikTokStandIn>, headers: HeaderMap) -> Response {
    if !authorised(&tiktok, &headers) {
        return refused_bearer();
    }
    if !granted(&tiktok, "video.list") {
        return api_error(
            StatusCode::FORBIDDEN,
            "scope_not_authorized",
            "The user did not authorize the scope required for completing this request.",
        );
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let mut world = tiktok.world();
    advance(&mut world);
    let videos: Vec<Value> = world
        .videos
        .iter()
        .rev()
        .take(20)
        .map(|v| {
            json!({ "id": v.id, "title": v.title, "video_description": v.title, "create_time": v.created_at,
                    "share_url": format!("http://{host}/@sam.standin/video/{}", v.id) })
        })
        .collect();
    ok(json!({ "videos": videos, "cursor": 0, "has_more": false }))
}

/// `POST /v2/video/query/`: the counts of Sam's own videos, by id (at most
/// 20); ids that are not Sam's videos are left out of the answer.
async fn video_query(State(tiktok): State<TikTokStandIn>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&tiktok, &headers) {
        return refused_bearer();
    }
    if !granted(&tiktok, "video.list") {
        return api_error(
            StatusCode::FORBIDDEN,
            "scope_not_authorized",
            "The user did not authorize the scope required for completing this request.",
        );
    }
    let Some(ids) = body["filters"]["video_ids"].as_array() else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "filters.video_ids is required.",
        );
    };
    if ids.is_empty() || ids.len() > 20 {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "video_ids takes 1 to 20 ids.",
        );
    }
    let mut world = tiktok.world();
    advance(&mut world);
    let videos: Vec<Value> = ids
        .iter()
        .filter_map(|id| id.as_str())
        .filter(|id| world.videos.iter().any(|v| v.id == *id))
        .map(|id| {
            let (views, likes, comments, shares) = world.counts.get(id).copied().unwrap_or_else(|| {
                let n = id.bytes().fold(0i64, |h, b| (h * 31 + b as i64) % 1_000);
                (300 + n, 20 + n / 20, 2 + n / 200, 1 + n / 300)
            });
            json!({ "id": id, "view_count": views, "like_count": likes, "comment_count": comments, "share_count": shares })
        })
        .collect();
    ok(json!({ "videos": videos, "cursor": 0, "has_more": false }))
}

/// A video as the stand-in shows it at its share address.
async fn shown(State(tiktok): State<TikTokStandIn>, axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    let world = tiktok.world();
    let Some(video) = world.videos.iter().find(|v| v.id == id) else {
        return bad_page("No such video on the stand-in.");
    };
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stand-in video</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <p style=\"background:#fef3c7;padding:.5rem\">A video on the local stand-in for TikTok. This is not TikTok.</p>\
         <p style=\"white-space:pre-line\">{}</p></body></html>",
        crate::server::domain::escape_html(&video.title)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}
