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
//! - Publishing with a Page token: `POST /{v}/{page}/feed` and `/photos`
//!   (the photo is fetched from its `url`), `GET /{v}/{page}/feed`;
//!   Instagram containers (`POST /{v}/{ig-user}/media`; the media is
//!   fetched, a failed fetch ends in ERROR), their `status_code` at
//!   `GET /{v}/{container}` (IN_PROGRESS for a few polls, then FINISHED;
//!   EXPIRED after 24 hours; PUBLISHED), `POST /{v}/{ig-user}/media_publish`
//!   within `content_publishing_limit`, `GET /{v}/{ig-user}/media`, and a
//!   post's permalink, which leads to the stand-in's own page for it.
//!
//! Errors are Graph's: `{"error":{"message","type","code","error_subcode",
//! "fbtrace_id"}}`, 190 for a refused token, 4 when throttled.

use super::{back_to, bad_page, consent_page, token, unix_now, APP_ID, APP_SECRET};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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

/// A token the stand-in issued: what it is, until when, and for a Page
/// token, which Page it acts for.
struct Grant {
    kind: Kind,
    expires: Option<i64>,
    page: Option<String>,
}

#[derive(Default)]
struct World {
    pages: Vec<Page>,
    codes: HashMap<String, Code>,
    tokens: HashMap<String, Grant>,
    /// Page posts by Page id, oldest first.
    feeds: HashMap<String, Vec<Post>>,
    /// Instagram media by account id, oldest first.
    media: HashMap<String, Vec<Post>>,
    containers: HashMap<String, Container>,
    processing_polls: u32,
    lose_publish_answer: bool,
    /// Instagram's publishing limit per 24 hours.
    quota_total: i64,
    /// Sam withdrew the app: every token is refused from now on.
    revoked: bool,
    /// The next this many Graph calls are refused as rate limited.
    throttled: u32,
    /// Graph calls answered, by path.
    calls: Vec<String>,
    /// Figures set by a test, by post id (others are drawn from the id).
    stats: HashMap<String, Stats>,
}

/// What the stand-in's invented audience did with one post.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub views: i64,
    pub reach: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub saves: i64,
}

impl Stats {
    /// A post nobody set figures for: drawn from its id, so the same post
    /// always shows the same figures.
    fn drawn(id: &str) -> Stats {
        let n = id.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 400;
        let reach = 100 + n as i64;
        Stats {
            views: reach * 3 / 2,
            reach,
            likes: reach / 10,
            comments: reach / 40,
            shares: reach / 50,
            saves: reach / 30,
        }
    }
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
            processing_polls: 1,
            quota_total: 100,
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
            .route("/{version}/{id}/feed", get(page_feed_list).post(page_feed_post))
            .route("/{version}/{id}/photos", post(page_photo_post))
            .route("/{version}/{id}/media", get(media_list).post(container_create))
            .route("/{version}/{id}/media_publish", post(media_publish))
            .route("/{version}/{id}/content_publishing_limit", get(publishing_limit))
            .route("/{version}/{id}/insights", get(insights))
            .route("/{version}/{id}", get(object))
            .route("/p/{id}", get(shown))
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
        if world.revoked || world.tokens.get(&short).map(|t| t.kind) != Some(Kind::ShortUser) {
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
    world.tokens.insert(
        access.clone(),
        Grant {
            kind,
            expires: Some(unix_now() + seconds),
            page: None,
        },
    );
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
    let valid = world.tokens.get(&user).is_some_and(|grant| {
        matches!(grant.kind, Kind::ShortUser | Kind::LongUser) && grant.expires.is_none_or(|at| at > unix_now())
    });
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
            world.tokens.insert(
                page_token.clone(),
                Grant {
                    kind: Kind::Page,
                    expires: None,
                    page: Some(page.id.clone()),
                },
            );
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

// ---- Publishing: Page posts, Instagram containers and media ----

/// A Page post or Instagram media the stand-in holds.
#[derive(Clone)]
struct Post {
    id: String,
    text: String,
    created_at: i64,
}

/// An Instagram media container.
struct Container {
    user: String,
    caption: String,
    /// IN_PROGRESS, FINISHED, ERROR, EXPIRED or PUBLISHED.
    status: &'static str,
    /// Status polls left before IN_PROGRESS turns FINISHED.
    polls_left: u32,
    created_at: i64,
}

/// The Page a token acts for, when it is a working Page token.
fn page_of(world: &World, token: &str) -> Option<String> {
    match world.tokens.get(token) {
        Some(grant) if grant.kind == Kind::Page && !world.revoked => grant.page.clone(),
        _ => None,
    }
}

/// The Instagram account linked to the token's Page.
fn instagram_of(world: &World, token: &str) -> Option<String> {
    let page = page_of(world, token)?;
    world
        .pages
        .iter()
        .find(|p| p.id == page)
        .and_then(|p| p.instagram.as_ref().map(|(id, _)| id.clone()))
}

/// Graph's answer to a token that does not act for the Page: refused (190)
/// when it is no working Page token, a permissions error otherwise.
fn refuse_for_page(world: &World, token: &str, page_id: &str) -> Option<Response> {
    match page_of(world, token) {
        None => Some(refused_token()),
        Some(page) if page != page_id => Some(no_permission()),
        Some(_) => None,
    }
}

/// The same for an Instagram account: the token's Page must be linked to it.
fn refuse_for_instagram(world: &World, token: &str, user: &str) -> Option<Response> {
    match instagram_of(world, token) {
        Some(linked) if linked == user => None,
        None if page_of(world, token).is_none() => Some(refused_token()),
        _ => Some(no_permission()),
    }
}

fn refused_token() -> Response {
    graph_error(190, Some(460), "Error validating access token: the session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.")
}

fn no_permission() -> Response {
    graph_error(200, None, "(#200) The user has not authorized the application to perform this action, or the token does not act for this object.")
}

/// Graph reads parameters from the query string and the form body alike.
fn params(q: HashMap<String, String>, body: &str) -> HashMap<String, String> {
    let mut all = q;
    all.extend(url::form_urlencoded::parse(body.as_bytes()).into_owned());
    all
}

/// A publish's answer, or a 500 in its place when the test asked for the
/// next one to be lost (the post is made either way).
fn answer_unless_lost(world: &mut World, answer: Value) -> Response {
    if std::mem::take(&mut world.lose_publish_answer) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the answer was lost").into_response();
    }
    Json(answer).into_response()
}

/// Counts a Graph call and answers a throttled one.
fn counted(world: &mut World, path: &str) -> Option<Response> {
    world.calls.push(path.into());
    if world.throttled > 0 {
        world.throttled -= 1;
        return Some(graph_error(4, None, "(#4) Application request limit reached"));
    }
    None
}

fn numeric_id() -> String {
    (rand::random::<u64>() % 9_000_000_000_000_000 + 1_000_000_000_000_000).to_string()
}

/// Where the stand-in shows a post (Graph's permalinks lead to facebook.com
/// and instagram.com; the stand-in's lead to itself).
fn permalink(headers: &HeaderMap, id: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/p/{id}")
}

/// An instant as Graph writes it: `2026-12-03T18:00:00+0000`.
fn graph_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S+0000").to_string())
        .unwrap_or_default()
}

impl MetaStandIn {
    /// A Page token for one of Sam's Pages, as `/me/accounts` hands one to
    /// a signed-in person: for benchmarks that connect a thousand accounts
    /// without a thousand sign-ins.
    pub fn page_token(&self, page_id: &str) -> String {
        let page_token = token("EAAP");
        let grant = Grant {
            kind: Kind::Page,
            expires: None,
            page: Some(page_id.to_owned()),
        };
        self.world().tokens.insert(page_token.clone(), grant);
        page_token
    }

    /// Sets what the audience did with one post (its insights and counts).
    pub fn set_stats(&self, post_id: &str, stats: Stats) {
        self.world().stats.insert(post_id.to_owned(), stats);
    }

    /// Containers stay IN_PROGRESS for this many status polls.
    pub fn set_processing_polls(&self, polls: u32) {
        self.world().processing_polls = polls;
    }

    /// The next publish (an Instagram `media_publish`, or a Page's feed or
    /// photo post) is made, then answered 500 as if the connection broke
    /// before the answer arrived.
    pub fn lose_next_publish_answer(&self) {
        self.world().lose_publish_answer = true;
    }

    /// Instagram's 24-hour publishing limit per account.
    pub fn set_publishing_limit(&self, total: i64) {
        self.world().quota_total = total;
    }

    /// Every container made from now on has expired when polled.
    pub fn expire_containers(&self) {
        for container in self.world().containers.values_mut() {
            if container.status != "PUBLISHED" {
                container.status = "EXPIRED";
            }
        }
    }

    /// The Page's posts, newest first: (id, text).
    pub fn page_posts(&self, page_id: &str) -> Vec<(String, String)> {
        let world = self.world();
        world
            .feeds
            .get(page_id)
            .map(|posts| posts.iter().rev().map(|p| (p.id.clone(), p.text.clone())).collect())
            .unwrap_or_default()
    }

    /// The Instagram account's media, newest first: (id, caption).
    pub fn instagram_media(&self, user_id: &str) -> Vec<(String, String)> {
        let world = self.world();
        world
            .media
            .get(user_id)
            .map(|posts| posts.iter().rev().map(|p| (p.id.clone(), p.text.clone())).collect())
            .unwrap_or_default()
    }
}

async fn page_feed_post(
    State(meta): State<MetaStandIn>,
    Path((_, page_id)): Path<(String, String)>,
    Query(q): Params,
    body: String,
) -> Response {
    let q = params(q, &body);
    let mut world = meta.world();
    if let Some(throttled) = counted(&mut world, "/feed") {
        return throttled;
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    if let Some(refused) = refuse_for_page(&world, &token, &page_id) {
        return refused;
    }
    let message = q.get("message").cloned().unwrap_or_default();
    if message.trim().is_empty() && q.get("link").is_none_or(|l| l.is_empty()) {
        return graph_error(100, None, "(#100) The post is empty. Please enter a message to share.");
    }
    let id = format!("{page_id}_{}", numeric_id());
    world.feeds.entry(page_id).or_default().push(Post {
        id: id.clone(),
        text: message,
        created_at: unix_now(),
    });
    answer_unless_lost(&mut world, json!({ "id": id }))
}

async fn page_photo_post(
    State(meta): State<MetaStandIn>,
    Path((_, page_id)): Path<(String, String)>,
    Query(q): Params,
    body: String,
) -> Response {
    let q = params(q, &body);
    {
        let mut world = meta.world();
        if let Some(throttled) = counted(&mut world, "/photos") {
            return throttled;
        }
        let token = q.get("access_token").cloned().unwrap_or_default();
        if let Some(refused) = refuse_for_page(&world, &token, &page_id) {
            return refused;
        }
    }
    let url = q.get("url").cloned().unwrap_or_default();
    if !super::fetches(&url).await {
        return graph_error(
            324,
            Some(2069019),
            "(#324) Requires upload file: the photo could not be fetched from the url.",
        );
    }
    let photo = numeric_id();
    let post_id = format!("{page_id}_{photo}");
    let mut world = meta.world();
    world.feeds.entry(page_id).or_default().push(Post {
        id: post_id.clone(),
        text: q.get("message").cloned().unwrap_or_default(),
        created_at: unix_now(),
    });
    answer_unless_lost(&mut world, json!({ "id": photo, "post_id": post_id }))
}

async fn page_feed_list(
    State(meta): State<MetaStandIn>,
    Path((_, page_id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let mut world = meta.world();
    if let Some(throttled) = counted(&mut world, "/feed list") {
        return throttled;
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    if let Some(refused) = refuse_for_page(&world, &token, &page_id) {
        return refused;
    }
    let since: i64 = q.get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let data: Vec<Value> = world
        .feeds
        .get(&page_id)
        .map(|posts| {
            posts
                .iter()
                .rev()
                .filter(|p| p.created_at >= since)
                .map(|p| {
                    json!({ "id": p.id, "message": p.text, "created_time": graph_time(p.created_at),
                            "permalink_url": permalink(&headers, &p.id) })
                })
                .collect()
        })
        .unwrap_or_default();
    Json(json!({ "data": data })).into_response()
}

async fn container_create(
    State(meta): State<MetaStandIn>,
    Path((_, user)): Path<(String, String)>,
    Query(q): Params,
    body: String,
) -> Response {
    let q = params(q, &body);
    {
        let mut world = meta.world();
        if let Some(throttled) = counted(&mut world, "/media") {
            return throttled;
        }
        let token = q.get("access_token").cloned().unwrap_or_default();
        if let Some(refused) = refuse_for_instagram(&world, &token, &user) {
            return refused;
        }
    }
    let video = q.get("media_type").map(String::as_str) == Some("REELS");
    let url = q
        .get(if video { "video_url" } else { "image_url" })
        .cloned()
        .unwrap_or_default();
    if url.is_empty() {
        return graph_error(100, None, "(#100) The parameter image_url or video_url is required.");
    }
    // Meta fetches the media while the container is processed; one that
    // cannot be fetched ends in ERROR.
    let reachable = super::fetches(&url).await;
    let mut world = meta.world();
    let id = numeric_id();
    let polls_left = world.processing_polls;
    world.containers.insert(
        id.clone(),
        Container {
            user,
            caption: q.get("caption").cloned().unwrap_or_default(),
            status: if reachable { "IN_PROGRESS" } else { "ERROR" },
            polls_left,
            created_at: unix_now(),
        },
    );
    Json(json!({ "id": id })).into_response()
}

async fn media_list(
    State(meta): State<MetaStandIn>,
    Path((_, user)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let mut world = meta.world();
    if let Some(throttled) = counted(&mut world, "/media list") {
        return throttled;
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    if let Some(refused) = refuse_for_instagram(&world, &token, &user) {
        return refused;
    }
    let data: Vec<Value> = world
        .media
        .get(&user)
        .map(|posts| {
            posts
                .iter()
                .rev()
                .take(25)
                .map(|p| {
                    json!({ "id": p.id, "caption": p.text, "timestamp": graph_time(p.created_at),
                            "permalink": permalink(&headers, &p.id) })
                })
                .collect()
        })
        .unwrap_or_default();
    Json(json!({ "data": data })).into_response()
}

/// Media published in the last 24 hours.
fn used(world: &World, user: &str) -> i64 {
    let since = unix_now() - 86_400;
    world
        .media
        .get(user)
        .map(|posts| posts.iter().filter(|p| p.created_at > since).count() as i64)
        .unwrap_or(0)
}

async fn media_publish(
    State(meta): State<MetaStandIn>,
    Path((_, user)): Path<(String, String)>,
    Query(q): Params,
    body: String,
) -> Response {
    let q = params(q, &body);
    let mut world = meta.world();
    if let Some(throttled) = counted(&mut world, "/media_publish") {
        return throttled;
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    if let Some(refused) = refuse_for_instagram(&world, &token, &user) {
        return refused;
    }
    if used(&world, &user) >= world.quota_total {
        return graph_error(
            9,
            Some(2207042),
            "(#9) Application request limit reached: the account has reached its publishing limit.",
        );
    }
    let creation = q.get("creation_id").cloned().unwrap_or_default();
    let Some(container) = world.containers.get_mut(&creation).filter(|c| c.user == user) else {
        return graph_error(100, Some(33), "Unsupported post request: the container does not exist.");
    };
    match container.status {
        "FINISHED" => {}
        "PUBLISHED" => return graph_error(100, Some(2207008), "(#100) The media has already been published."),
        "EXPIRED" => return graph_error(100, Some(2207006), "(#100) The media container has expired."),
        _ => {
            return graph_error(
                9007,
                Some(2207027),
                "(#9007) The media is not ready for publishing, please wait for a moment.",
            )
        }
    }
    container.status = "PUBLISHED";
    let caption = container.caption.clone();
    let id = numeric_id();
    world.media.entry(user).or_default().push(Post {
        id: id.clone(),
        text: caption,
        created_at: unix_now(),
    });
    answer_unless_lost(&mut world, json!({ "id": id }))
}

async fn publishing_limit(
    State(meta): State<MetaStandIn>,
    Path((_, user)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    let mut world = meta.world();
    if let Some(throttled) = counted(&mut world, "/content_publishing_limit") {
        return throttled;
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    if let Some(refused) = refuse_for_instagram(&world, &token, &user) {
        return refused;
    }
    let usage = used(&world, &user);
    Json(json!({ "data": [{ "quota_usage": usage, "config": { "quota_total": world.quota_total, "quota_duration": 86_400 } }] }))
        .into_response()
}

/// One object by id: a container's status, or a post's or media's link.
async fn object(
    State(meta): State<MetaStandIn>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let mut world = meta.world();
    if let Some(throttled) = counted(&mut world, "/object") {
        return throttled;
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    if page_of(&world, &token).is_none() {
        return refused_token();
    }
    if let Some(container) = world.containers.get_mut(&id) {
        if container.status == "IN_PROGRESS" {
            if container.polls_left == 0 {
                container.status = "FINISHED";
            } else {
                container.polls_left -= 1;
            }
        }
        if container.status != "PUBLISHED" && container.created_at + 86_400 < unix_now() {
            container.status = "EXPIRED";
        }
        let status = match container.status {
            "ERROR" => "Error: Media download has failed. The media URI doesn't meet our requirements.",
            other => other,
        };
        return Json(json!({ "id": id, "status_code": container.status, "status": status })).into_response();
    }
    let known = world
        .feeds
        .values()
        .chain(world.media.values())
        .flatten()
        .any(|p| p.id == id);
    if !known {
        return graph_error(100, Some(33), "Unsupported get request. Object does not exist.");
    }
    // Graph refuses a field the object does not have: `permalink_url` is a
    // Page post's, `permalink` Instagram media's.
    let instagram = world.media.values().flatten().any(|p| p.id == id);
    let fields = q.get("fields").cloned().unwrap_or_default();
    let (wanted, other) = if instagram {
        ("permalink", "permalink_url")
    } else {
        ("permalink_url", "permalink")
    };
    if fields.split(',').any(|f| f == other) {
        return graph_error(
            100,
            None,
            &format!("(#100) Tried accessing nonexisting field ({other}) on this node type"),
        );
    }
    let link = permalink(&headers, &id);
    let mut body = json!({ "id": id, wanted: link });
    // A Page post's counts are fields: `shares` (left out while nobody
    // shared it, as Graph does) and `comments` with `summary(true)`.
    if !instagram {
        let stats = world.stats.get(&id).copied().unwrap_or_else(|| Stats::drawn(&id));
        for field in fields.split(',') {
            match field.split('.').next().unwrap_or_default() {
                "shares" if stats.shares > 0 => body["shares"] = json!({ "count": stats.shares }),
                "comments" => {
                    body["comments"] = json!({
                        "data": [],
                        "summary": { "order": "ranked", "total_count": stats.comments, "can_comment": true }
                    })
                }
                _ => {}
            }
        }
    }
    Json(body).into_response()
}

/// The metrics each kind of object has (lifetime insights). Meta retired
/// the Page post impressions metrics in November 2025; asking for one is
/// refused like any unknown metric.
const PAGE_POST_METRICS: [&str; 3] = [
    "post_media_view",
    "post_total_media_view_unique",
    "post_reactions_by_type_total",
];
const MEDIA_METRICS: [&str; 7] = [
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
];

/// `GET /{object-id}/insights?metric=…`: a Page post's or Instagram media's
/// lifetime figures, for a token acting for its Page (or the Page linked
/// to its Instagram account).
async fn insights(
    State(meta): State<MetaStandIn>,
    Path((_, id)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    let mut world = meta.world();
    if let Some(throttled) = counted(&mut world, "/insights") {
        return throttled;
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    let owner = |posts: &HashMap<String, Vec<Post>>| {
        posts
            .iter()
            .find(|(_, list)| list.iter().any(|p| p.id == id))
            .map(|(owner, _)| owner.clone())
    };
    let (instagram, refusal) = match (owner(&world.feeds), owner(&world.media)) {
        (Some(page), _) => (false, refuse_for_page(&world, &token, &page)),
        (None, Some(user)) => (true, refuse_for_instagram(&world, &token, &user)),
        (None, None) => {
            return graph_error(100, Some(33), "Unsupported get request. Object does not exist.");
        }
    };
    if let Some(refused) = refusal {
        return refused;
    }
    let known: &[&str] = if instagram { &MEDIA_METRICS } else { &PAGE_POST_METRICS };
    let asked = q.get("metric").cloned().unwrap_or_default();
    if asked.trim().is_empty() {
        return graph_error(100, None, "(#100) The value must be a valid insights metric");
    }
    let stats = world.stats.get(&id).copied().unwrap_or_else(|| Stats::drawn(&id));
    let mut data = Vec::new();
    for (i, name) in asked.split(',').map(str::trim).enumerate() {
        if !known.contains(&name) {
            return graph_error(
                100,
                None,
                &format!(
                    "(#100) metric[{i}] must be one of the following values: {}",
                    known.join(", ")
                ),
            );
        }
        let value = match name {
            "post_media_view" | "views" => json!(stats.views),
            "post_total_media_view_unique" | "reach" => json!(stats.reach),
            "post_reactions_by_type_total" => json!({ "like": stats.likes - stats.likes / 4, "love": stats.likes / 4 }),
            "likes" => json!(stats.likes),
            "comments" => json!(stats.comments),
            "saved" => json!(stats.saves),
            "shares" => json!(stats.shares),
            _ => json!(stats.likes + stats.comments + stats.saves + stats.shares),
        };
        data.push(json!({
            "name": name,
            "period": "lifetime",
            "values": [{ "value": value }],
            "title": name,
            "description": "Figures of the stand-in's invented audience.",
            "id": format!("{id}/insights/{name}/lifetime"),
        }));
    }
    Json(json!({ "data": data })).into_response()
}

/// A post as the stand-in shows it at its permalink.
async fn shown(State(meta): State<MetaStandIn>, Path(id): Path<String>) -> Response {
    let world = meta.world();
    let Some(post) = world
        .feeds
        .values()
        .chain(world.media.values())
        .flatten()
        .find(|p| p.id == id)
    else {
        return bad_page("No such post on the stand-in.");
    };
    let escape = crate::server::domain::escape_html;
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stand-in post</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <p style=\"background:#fef3c7;padding:.5rem\">A post on the local stand-in for Meta. This is not Facebook \
         or Instagram.</p><p style=\"white-space:pre-line\">{}</p></body></html>",
        escape(&post.text)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}
