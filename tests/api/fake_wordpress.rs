//! A fake WordPress site that speaks real HTTP: an axum router on a local port
//! answering the WordPress 6 REST API (`/wp-json/wp/v2`) with WordPress's own
//! response and error shapes, application-password Basic auth, and switches to
//! misbehave like real hosts do (not WordPress at all, REST API blocked by a
//! firewall, Authorization header stripped, failing or hanging on create).
// Error answers are whole HTTP responses, as a handler returns them.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, Request, State as Shared};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde_json::{json, Map, Value};

/// The only WordPress user.
pub const USERNAME: &str = "editor";
/// That user's application password; accepted with or without the spaces.
pub const APP_PASSWORD: &str = "abcd EFGH ijkl MNOP qrst UVWX";

const JSON_TYPE: &str = "application/json; charset=UTF-8";
const HTML_TYPE: &str = "text/html; charset=UTF-8";
const POSTS_ROUTE: &str = "/wp-json/wp/v2/posts";
const FIRST_POST_ID: i64 = 101;
const FIRST_TERM_ID: i64 = 11;
const MAX_BODY: usize = 32 * 1024 * 1024;
const POST_STATUSES: [&str; 5] = ["publish", "future", "draft", "pending", "private"];

const HOME_PAGE: &str = "<!DOCTYPE html><html><head><title>Fake WordPress</title></head>\
    <body><h1>Fake WordPress</h1><p>Just another WordPress site</p></body></html>";
const PLAIN_SITE_PAGE: &str = "<!DOCTYPE html><html><head><title>Welcome</title></head>\
    <body><h1>Welcome</h1><p>A plain website.</p></body></html>";
const NOT_FOUND_PAGE: &str = "<html><body>Not found</body></html>";
const BLOCKED_PAGE: &str = "<html><body><h1>403 Forbidden</h1>Blocked by security rules</body></html>";
const UNAVAILABLE_PAGE: &str = "<html><head><title>503 Service Unavailable</title></head>\
    <body><h1>Service Unavailable</h1></body></html>";
const CRITICAL_ERROR: &str = "<p>There has been a critical error on this website.</p><p><a \
    href=\"https://wordpress.org/documentation/article/faq-troubleshooting/\">Learn more about troubleshooting \
    WordPress.</a></p>";

/// How the site behaves as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A working WordPress site.
    Normal,
    /// A web server that is not WordPress: `/` answers, everything else is an HTML 404.
    NotWordPress,
    /// A security plugin or firewall answers every `/wp-json` request with an HTML 403.
    RestBlocked,
    /// The host drops the Authorization header, so every request is anonymous.
    AuthHeaderStripped,
}

/// A post as the fake stores it.
#[derive(Debug, Clone)]
pub struct FakePost {
    pub id: i64,
    pub slug: String,
    pub status: String,
    pub title: String,
    pub content: String,
    pub excerpt: String,
    pub link: String,
    pub categories: Vec<i64>,
    pub tags: Vec<i64>,
    /// The requested date, or the creation time once published; `None` for undated drafts.
    pub date_gmt: Option<String>,
}

/// A running fake WordPress site; clones share the same site.
#[derive(Clone)]
pub struct FakeWordPress {
    /// Base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Editor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taxonomy {
    Category,
    Tag,
}

impl Taxonomy {
    fn name(self) -> &'static str {
        match self {
            Taxonomy::Category => "category",
            Taxonomy::Tag => "post_tag",
        }
    }

    /// WordPress words `term_exists` differently for hierarchical taxonomies.
    fn term_exists_message(self) -> &'static str {
        match self {
            Taxonomy::Category => "A term with the name provided already exists with this parent.",
            Taxonomy::Tag => "A term with the name provided already exists in this taxonomy.",
        }
    }

    fn link_base(self) -> &'static str {
        match self {
            Taxonomy::Category => "category",
            Taxonomy::Tag => "tag",
        }
    }
}

#[derive(Debug, Clone)]
struct Term {
    id: i64,
    name: String,
    slug: String,
}

struct State {
    mode: Mode,
    posts: Vec<FakePost>,
    categories: Vec<Term>,
    tags: Vec<Term>,
    uploads: Vec<String>,
    next_post_id: i64,
    next_term_id: i64,
    fail_next: VecDeque<u16>,
    hang_after_create: bool,
    create_calls: usize,
    /// The JSON bodies of POST /posts requests that got past authentication, in arrival order.
    create_requests: Vec<Value>,
    /// Lowercased term names that `?search=` does not find (the term still exists).
    hidden_from_search: Vec<String>,
    /// How many of the next `?slug=` lookups are answered late (see `hold_next_lookup`).
    lookups_to_hold: usize,
    /// Lookups answered late so far (counted on arrival).
    lookups_held: usize,
    /// Held lookups whose client hung up before the answer came.
    lookups_abandoned: usize,
    /// Opened by `release_lookups`; held answers wait for it.
    lookups_released: Arc<tokio::sync::watch::Sender<bool>>,
    /// Links of new posts start with this instead of the site's address
    /// (a misconfigured or hostile site: another host, `javascript:`).
    link_base: Option<String>,
}

impl State {
    fn new() -> Self {
        State {
            mode: Mode::Normal,
            posts: Vec::new(),
            categories: Vec::new(),
            tags: Vec::new(),
            uploads: Vec::new(),
            next_post_id: FIRST_POST_ID,
            next_term_id: FIRST_TERM_ID,
            fail_next: VecDeque::new(),
            hang_after_create: false,
            create_calls: 0,
            create_requests: Vec::new(),
            hidden_from_search: Vec::new(),
            lookups_to_hold: 0,
            lookups_held: 0,
            lookups_abandoned: 0,
            lookups_released: Arc::new(tokio::sync::watch::channel(false).0),
            link_base: None,
        }
    }

    fn terms(&self, taxonomy: Taxonomy) -> &Vec<Term> {
        match taxonomy {
            Taxonomy::Category => &self.categories,
            Taxonomy::Tag => &self.tags,
        }
    }

    fn terms_mut(&mut self, taxonomy: Taxonomy) -> &mut Vec<Term> {
        match taxonomy {
            Taxonomy::Category => &mut self.categories,
            Taxonomy::Tag => &mut self.tags,
        }
    }

    /// Creates the term, or returns the id of the one that already has this name.
    fn create_term(&mut self, taxonomy: Taxonomy, name: &str) -> Result<Term, i64> {
        let wanted = name.to_lowercase();
        if let Some(existing) = self.terms(taxonomy).iter().find(|t| t.name.to_lowercase() == wanted) {
            return Err(existing.id);
        }
        let id = self.next_term_id;
        self.next_term_id += 1;
        let base = sanitize_slug(name);
        let base = if base.is_empty() { id.to_string() } else { base };
        let terms = self.terms(taxonomy);
        let slug = unique_slug(base, |candidate| terms.iter().any(|t| t.slug == candidate));
        let term = Term {
            id,
            name: name.to_owned(),
            slug,
        };
        self.terms_mut(taxonomy).push(term.clone());
        Ok(term)
    }

    fn post_slug(&self, new: &NewPost, status: &str, id: i64) -> String {
        let requested = sanitize_slug(&new.slug);
        if !holds_slug(status) {
            return requested;
        }
        let base = if requested.is_empty() {
            sanitize_slug(&new.title)
        } else {
            requested
        };
        let base = if base.is_empty() { id.to_string() } else { base };
        unique_slug(base, |candidate| {
            self.posts.iter().any(|p| holds_slug(&p.status) && p.slug == candidate)
        })
    }

    fn add_upload(&mut self, requested: &str) -> (i64, String) {
        let id = self.next_post_id;
        self.next_post_id += 1;
        let base = requested.rsplit(['/', '\\']).next().unwrap_or_default();
        let base = base.split_whitespace().collect::<Vec<_>>().join("-");
        let base = if base.is_empty() { "upload".to_owned() } else { base };
        let (stem, ext) = base.rsplit_once('.').map_or((base.as_str(), ""), |(s, e)| (s, e));
        let mut name = base.clone();
        let mut n = 1;
        while self.uploads.contains(&name) {
            name = if ext.is_empty() {
                format!("{stem}-{n}")
            } else {
                format!("{stem}-{n}.{ext}")
            };
            n += 1;
        }
        self.uploads.push(name.clone());
        (id, name)
    }
}

/// The writable fields of `POST /posts`, validated.
struct NewPost {
    title: String,
    content: String,
    excerpt: String,
    status: String,
    slug: String,
    categories: Vec<i64>,
    tags: Vec<i64>,
    date_gmt: Option<String>,
}

impl NewPost {
    fn from_fields(fields: &Map<String, Value>) -> Result<NewPost, Response> {
        let status = match fields.get("status") {
            None | Some(Value::Null) => "draft".to_owned(),
            Some(Value::String(s)) if POST_STATUSES.contains(&s.as_str()) => s.clone(),
            Some(_) => {
                let problem = "status is not one of publish, future, draft, pending, private.";
                return Err(invalid_param("status", problem));
            }
        };
        let date_gmt = match fields.get("date_gmt") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if is_wp_date(s) => Some(format!("{}T{}", &s[..10], &s[11..19])),
            Some(_) => return Err(invalid_param("date_gmt", "Invalid date.")),
        };
        let post = NewPost {
            title: text_field(fields, "title"),
            content: text_field(fields, "content"),
            excerpt: text_field(fields, "excerpt"),
            status,
            slug: text_field(fields, "slug"),
            categories: id_list(fields, "categories"),
            tags: id_list(fields, "tags"),
            date_gmt,
        };
        if post.title.is_empty() && post.content.is_empty() && post.excerpt.is_empty() {
            return Err(wp_error(
                StatusCode::BAD_REQUEST,
                "empty_content",
                "Content, title, and excerpt are empty.",
            ));
        }
        Ok(post)
    }
}

impl FakeWordPress {
    /// Starts the site on a random local port.
    pub async fn start() -> FakeWordPress {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts the site on `addr`.
    pub async fn start_on(addr: SocketAddr) -> FakeWordPress {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("fake WordPress cannot bind {addr}: {e}"));
        let local = listener.local_addr().expect("fake WordPress has no local address");
        let wp = FakeWordPress {
            url: format!("http://{local}"),
            state: Arc::new(Mutex::new(State::new())),
        };
        let app = router(wp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake WordPress server failed") });
        wp
    }

    /// Every post, in creation order.
    pub fn posts(&self) -> Vec<FakePost> {
        self.state().posts.clone()
    }

    /// Switches how the whole site behaves.
    pub fn set_mode(&self, mode: Mode) {
        self.state().mode = mode;
    }

    /// The next POST /posts calls answer these statuses instead of creating (500 → internal_server_error JSON,
    /// 503 → html "Service Unavailable", 401 → rest_cannot_create, 403 → rest_forbidden).
    pub fn fail_next_creates(&self, statuses: &[u16]) {
        self.state().fail_next.extend(statuses.iter().copied());
    }

    /// While on, POST /posts creates the post and then never answers (sleeps an hour), like a host that dies
    /// mid-request.
    pub fn hang_after_create(&self, on: bool) {
        self.state().hang_after_create = on;
    }

    /// The next `GET /posts?slug=` is answered as the site stood when it arrived, but only once
    /// `release_lookups` is called: a reply delayed in transit, during which other clients may create the post.
    pub fn hold_next_lookup(&self) {
        self.state().lookups_to_hold += 1;
    }

    /// New posts get links starting with `base` (followed by the post id).
    pub fn link_posts_to(&self, base: &str) {
        self.state().link_base = Some(base.to_owned());
    }

    /// Lets every held lookup answer.
    pub fn release_lookups(&self) {
        self.state().lookups_released.send_replace(true);
    }

    /// Resolves once `n` lookups have arrived and are being held (poll every 20 ms).
    pub async fn wait_for_held_lookups(&self, n: usize) {
        while self.state().lookups_held < n {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Resolves once `n` held lookups were given up by their clients (poll every 20 ms).
    pub async fn wait_for_abandoned_lookups(&self, n: usize) {
        while self.state().lookups_abandoned < n {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// How many POST /posts requests arrived (including failed/hung ones).
    pub fn create_calls(&self) -> usize {
        self.state().create_calls
    }

    /// Resolves once `create_calls() >= n` (poll every 20 ms).
    pub async fn wait_for_create_calls(&self, n: usize) {
        while self.create_calls() < n {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The JSON bodies of authenticated POST /posts requests, in arrival order: what the client sent, field
    /// for field, before the fake interpreted it.
    pub fn create_requests(&self) -> Vec<Value> {
        self.state().create_requests.clone()
    }

    /// Makes `?search=` on categories and tags miss this term (as when another client creates it between a
    /// lookup and a create, or the stored name is HTML-escaped), so a client only learns of it from `term_exists`.
    pub fn hide_from_search(&self, name: &str) {
        self.state().hidden_from_search.push(name.to_lowercase());
    }

    /// Names of all categories, in creation order.
    pub fn category_names(&self) -> Vec<String> {
        self.state().categories.iter().map(|t| t.name.clone()).collect()
    }

    /// Names of all tags, in creation order.
    pub fn tag_names(&self) -> Vec<String> {
        self.state().tags.iter().map(|t| t.name.clone()).collect()
    }

    /// Adds an existing category/tag up front (to test lookup and term_exists); returns its id (the existing
    /// one's when the name is already taken).
    pub fn add_category(&self, name: &str) -> i64 {
        let created = self.state().create_term(Taxonomy::Category, name);
        created.map_or_else(|existing| existing, |term| term.id)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts create calls and returns the current mode.
    fn note_arrival(&self, request: &Request) -> Mode {
        let mut state = self.state();
        if *request.method() == Method::POST && request.uri().path().trim_end_matches('/') == POSTS_ROUTE {
            state.create_calls += 1;
        }
        state.mode
    }

    fn take_injected_failure(&self) -> Option<u16> {
        self.state().fail_next.pop_front()
    }

    /// Stores the post; also says whether the request should then hang.
    fn insert_post(&self, new: NewPost) -> (FakePost, bool) {
        let now = unix_now();
        let mut state = self.state();
        let status = effective_status(&new.status, new.date_gmt.as_deref(), now);
        let id = state.next_post_id;
        state.next_post_id += 1;
        let slug = state.post_slug(&new, &status, id);
        let date_gmt = new
            .date_gmt
            .clone()
            .or_else(|| holds_slug(&status).then(|| format_gmt(now)));
        let known = |terms: &[Term], ids: &[i64]| -> Vec<i64> {
            ids.iter()
                .copied()
                .filter(|wanted| terms.iter().any(|t| t.id == *wanted))
                .collect()
        };
        let post = FakePost {
            id,
            link: state.link_base.clone().map_or_else(
                || post_link(&self.url, id, &status, &slug),
                |base| format!("{base}{id}"),
            ),
            slug,
            status,
            title: new.title,
            content: new.content,
            excerpt: new.excerpt,
            categories: known(&state.categories, &new.categories),
            tags: known(&state.tags, &new.tags),
            date_gmt,
        };
        state.posts.push(post.clone());
        (post, state.hang_after_create)
    }
}

type Params = HashMap<String, String>;

fn router(wp: FakeWordPress) -> Router {
    let rest: [(&str, MethodRouter<FakeWordPress>); 8] = [
        ("/wp-json", get(index)),
        ("/wp-json/wp/v2/users/me", get(users_me)),
        (POSTS_ROUTE, get(list_posts).post(create_post)),
        ("/wp-json/wp/v2/posts/{id}", get(get_post)),
        ("/wp-json/wp/v2/categories", get(list_categories).post(create_category)),
        ("/wp-json/wp/v2/tags", get(list_tags).post(create_tag)),
        ("/wp-json/wp/v2/media", post(upload_media)),
        ("/wp-json/wp/v2", get(namespace_index)),
    ];
    let mut app = Router::new().route("/", get(home));
    for (path, method_router) in rest {
        app = app
            .route(&format!("{path}/"), method_router.clone())
            .route(path, method_router);
    }
    app.method_not_allowed_fallback(no_route)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(wp.clone(), gate))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(wp)
}

/// Applies the site mode and authenticates `/wp-json` requests before routing them.
async fn gate(Shared(wp): Shared<FakeWordPress>, mut request: Request, next: Next) -> Response {
    let rest = is_rest_path(request.uri().path());
    match wp.note_arrival(&request) {
        Mode::NotWordPress if request.uri().path() == "/" => return html(StatusCode::OK, PLAIN_SITE_PAGE),
        Mode::NotWordPress => return html(StatusCode::NOT_FOUND, NOT_FOUND_PAGE),
        Mode::RestBlocked if rest => return html(StatusCode::FORBIDDEN, BLOCKED_PAGE),
        Mode::AuthHeaderStripped => {
            request.headers_mut().remove(header::AUTHORIZATION);
        }
        Mode::Normal | Mode::RestBlocked => {}
    }
    let caller = if rest {
        match authenticate(request.headers()) {
            Ok(caller) => caller,
            Err(response) => return response,
        }
    } else {
        Caller::Anonymous
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

fn authenticate(headers: &HeaderMap) -> Result<Caller, Response> {
    let Some((user, password)) = basic_credentials(headers) else {
        return Ok(Caller::Anonymous);
    };
    if !user.eq_ignore_ascii_case(USERNAME) {
        let message = "Unknown username. Check again or try your email address.";
        return Err(wp_error(StatusCode::UNAUTHORIZED, "invalid_username", message));
    }
    if without_spaces(&password) != without_spaces(APP_PASSWORD) {
        let message = "The provided password is an invalid application password.";
        return Err(wp_error(StatusCode::UNAUTHORIZED, "incorrect_password", message));
    }
    Ok(Caller::Editor)
}

/// `user:password` from an `Authorization: Basic` header; anything else counts as no credentials.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let digits = input.trim_end_matches('=');
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in digits.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn home(Shared(wp): Shared<FakeWordPress>) -> Response {
    let link = format!("<{}/wp-json/>; rel=\"https://api.w.org/\"", wp.url);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HTML_TYPE.to_owned()), (header::LINK, link)],
        HOME_PAGE,
    )
        .into_response()
}

async fn not_found(uri: Uri) -> Response {
    if is_rest_path(uri.path()) {
        rest_no_route()
    } else {
        html(StatusCode::NOT_FOUND, NOT_FOUND_PAGE)
    }
}

async fn no_route() -> Response {
    rest_no_route()
}

async fn index(Shared(wp): Shared<FakeWordPress>) -> Response {
    let authorize = format!("{}/wp-admin/authorize-application.php", wp.url);
    json_response(
        StatusCode::OK,
        json!({
            "name": "Fake WordPress",
            "description": "Just another WordPress site",
            "url": wp.url,
            "home": wp.url,
            "gmt_offset": 0,
            "timezone_string": "UTC",
            "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1"],
            "authentication": {"application-passwords": {"endpoints": {"authorization": authorize}}},
            "routes": {},
        }),
    )
}

async fn namespace_index() -> Response {
    json_response(StatusCode::OK, json!({"namespace": "wp/v2", "routes": {}}))
}

async fn users_me(Shared(wp): Shared<FakeWordPress>, Extension(caller): Extension<Caller>) -> Response {
    if caller == Caller::Anonymous {
        return wp_error(
            StatusCode::UNAUTHORIZED,
            "rest_not_logged_in",
            "You are not currently logged in.",
        );
    }
    json_response(
        StatusCode::OK,
        json!({
            "id": 1,
            "username": USERNAME,
            "name": "Edna Editor",
            "slug": "editor",
            "email": "editor@example.test",
            "roles": ["editor"],
            "capabilities": {
                "edit_posts": true,
                "publish_posts": true,
                "edit_others_posts": true,
                "upload_files": true,
                "manage_categories": true,
            },
            "link": format!("{}/author/editor/", wp.url),
        }),
    )
}

async fn list_posts(
    Shared(wp): Shared<FakeWordPress>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Params>,
) -> Response {
    let statuses = match requested_statuses(&query, caller) {
        Ok(statuses) => statuses,
        Err(response) => return response,
    };
    let paging = match Paging::from_query(&query) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    let forbidden = "Sorry, you are not allowed to edit posts in this post type.";
    if let Some(response) = forbid_edit_context(&query, caller, forbidden) {
        return response;
    }
    let slugs = comma_list(&query, "slug").map(|slugs| slugs.iter().map(|s| sanitize_slug(s)).collect::<Vec<_>>());
    let matches = |p: &&FakePost| {
        statuses.iter().any(|s| s == "any" || *s == p.status) && slugs.as_ref().is_none_or(|s| s.contains(&p.slug))
    };
    let (posts, held) = {
        let mut state = wp.state();
        let posts: Vec<Value> = state.posts.iter().rev().filter(matches).map(post_json).collect();
        let hold = slugs.is_some() && state.lookups_to_hold > 0;
        if hold {
            state.lookups_to_hold -= 1;
            state.lookups_held += 1;
        }
        (posts, hold.then(|| state.lookups_released.subscribe()))
    };
    if let Some(mut released) = held {
        // Dropped unanswered when the client hangs up first (hyper drops the
        // handler of a connection closed mid-request).
        let mut watch = AbandonWatch {
            wp: wp.clone(),
            answered: false,
        };
        let _ = released.wait_for(|open| *open).await;
        watch.answered = true;
    }
    paging.respond(posts)
}

/// Counts a held lookup as abandoned if its handler is dropped unanswered.
struct AbandonWatch {
    wp: FakeWordPress,
    answered: bool,
}

impl Drop for AbandonWatch {
    fn drop(&mut self) {
        if !self.answered {
            self.wp.state().lookups_abandoned += 1;
        }
    }
}

fn requested_statuses(query: &Params, caller: Caller) -> Result<Vec<String>, Response> {
    let statuses = comma_list(query, "status")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| vec!["publish".to_owned()]);
    if caller == Caller::Anonymous && statuses.iter().any(|s| s != "publish") {
        return Err(invalid_param("status", "Status is forbidden."));
    }
    Ok(statuses)
}

async fn get_post(
    Shared(wp): Shared<FakeWordPress>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return rest_no_route();
    };
    let post = wp.state().posts.iter().find(|p| p.id == id).cloned();
    match post {
        None => wp_error(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID."),
        Some(post) if post.status != "publish" && caller == Caller::Anonymous => wp_error(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden",
            "Sorry, you are not allowed to do that.",
        ),
        Some(post) => json_response(StatusCode::OK, post_json(&post)),
    }
}

async fn create_post(Shared(wp): Shared<FakeWordPress>, Extension(caller): Extension<Caller>, body: Bytes) -> Response {
    if let Some(status) = wp.take_injected_failure() {
        return injected_failure(status);
    }
    if caller == Caller::Anonymous {
        let message = "Sorry, you are not allowed to create posts as this user.";
        return wp_error(StatusCode::UNAUTHORIZED, "rest_cannot_create", message);
    }
    let fields = match parse_body(&body) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    wp.state().create_requests.push(Value::Object(fields.clone()));
    let new = match NewPost::from_fields(&fields) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let (post, hang) = wp.insert_post(new);
    if hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    json_response(StatusCode::CREATED, post_json(&post))
}

fn injected_failure(status: u16) -> Response {
    match status {
        500 => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({
                "code": "internal_server_error",
                "message": CRITICAL_ERROR,
                "data": {"status": 500},
                "additional_errors": [],
            }),
        ),
        503 => html(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE_PAGE),
        401 => {
            let message = "Sorry, you are not allowed to create posts as this user.";
            wp_error(StatusCode::UNAUTHORIZED, "rest_cannot_create", message)
        }
        403 => wp_error(
            StatusCode::FORBIDDEN,
            "rest_forbidden",
            "Sorry, you are not allowed to do that.",
        ),
        other => {
            let status = StatusCode::from_u16(other).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            html(status, format!("<html><body><h1>{status}</h1></body></html>"))
        }
    }
}

fn post_json(post: &FakePost) -> Value {
    let date = post.date_gmt.clone().unwrap_or_else(|| format_gmt(unix_now()));
    json!({
        "id": post.id,
        "date": date,
        "date_gmt": date,
        "slug": post.slug,
        "status": post.status,
        "type": "post",
        "link": post.link,
        "author": 1,
        "title": {"raw": post.title, "rendered": post.title},
        "content": {"raw": post.content, "rendered": post.content, "protected": false},
        "excerpt": {"raw": post.excerpt, "rendered": post.excerpt, "protected": false},
        "categories": post.categories,
        "tags": post.tags,
    })
}

async fn list_categories(
    Shared(wp): Shared<FakeWordPress>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Params>,
) -> Response {
    list_terms(Taxonomy::Category, &wp, caller, &query)
}

async fn list_tags(
    Shared(wp): Shared<FakeWordPress>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Params>,
) -> Response {
    list_terms(Taxonomy::Tag, &wp, caller, &query)
}

async fn create_category(
    Shared(wp): Shared<FakeWordPress>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    create_term(Taxonomy::Category, &wp, caller, &body)
}

async fn create_tag(Shared(wp): Shared<FakeWordPress>, Extension(caller): Extension<Caller>, body: Bytes) -> Response {
    create_term(Taxonomy::Tag, &wp, caller, &body)
}

fn list_terms(taxonomy: Taxonomy, wp: &FakeWordPress, caller: Caller, query: &Params) -> Response {
    let paging = match Paging::from_query(query) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    let forbidden = "Sorry, you are not allowed to edit terms in this taxonomy.";
    if let Some(response) = forbid_edit_context(query, caller, forbidden) {
        return response;
    }
    let search = query.get("search").map(|s| s.to_lowercase());
    let slugs = comma_list(query, "slug");
    let state = wp.state();
    let found = |t: &&Term| match &search {
        None => true,
        Some(search) => {
            let name = t.name.to_lowercase();
            name.contains(search.as_str()) && !state.hidden_from_search.contains(&name)
        }
    };
    let mut terms: Vec<Term> = state
        .terms(taxonomy)
        .iter()
        .filter(found)
        .filter(|t| slugs.as_ref().is_none_or(|s| s.contains(&t.slug)))
        .cloned()
        .collect();
    drop(state);
    terms.sort_by_key(|t| t.name.to_lowercase());
    paging.respond(terms.iter().map(|t| term_json(taxonomy, &wp.url, t)).collect())
}

fn create_term(taxonomy: Taxonomy, wp: &FakeWordPress, caller: Caller, body: &[u8]) -> Response {
    if caller == Caller::Anonymous {
        let message = "Sorry, you are not allowed to create terms in this taxonomy.";
        return wp_error(StatusCode::UNAUTHORIZED, "rest_cannot_create", message);
    }
    let fields = match parse_body(body) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    if !fields.contains_key("name") {
        return missing_param("name");
    }
    let name = text_field(&fields, "name").trim().to_owned();
    if name.is_empty() {
        return wp_error(
            StatusCode::BAD_REQUEST,
            "empty_term_name",
            "A name is required for this term.",
        );
    }
    let created = wp.state().create_term(taxonomy, &name);
    match created {
        Ok(term) => json_response(StatusCode::CREATED, term_json(taxonomy, &wp.url, &term)),
        Err(term_id) => json_response(
            StatusCode::BAD_REQUEST,
            json!({
                "code": "term_exists",
                "message": taxonomy.term_exists_message(),
                "data": {"status": 400, "term_id": term_id},
            }),
        ),
    }
}

fn term_json(taxonomy: Taxonomy, url: &str, term: &Term) -> Value {
    let mut value = json!({
        "id": term.id,
        "count": 0,
        "description": "",
        "link": format!("{url}/{}/{}/", taxonomy.link_base(), term.slug),
        "name": term.name,
        "slug": term.slug,
        "taxonomy": taxonomy.name(),
    });
    if taxonomy == Taxonomy::Category {
        value["parent"] = json!(0);
    }
    value
}

async fn upload_media(
    Shared(wp): Shared<FakeWordPress>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if caller == Caller::Anonymous {
        let message = "Sorry, you are not allowed to upload media on this site.";
        return wp_error(StatusCode::UNAUTHORIZED, "rest_cannot_create", message);
    }
    if body.is_empty() {
        return wp_error(StatusCode::BAD_REQUEST, "rest_upload_no_data", "No data supplied.");
    }
    let header_text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let mime = header_text(header::CONTENT_TYPE)
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if mime.is_empty() {
        return wp_error(
            StatusCode::BAD_REQUEST,
            "rest_upload_no_content_type",
            "No Content-Type supplied.",
        );
    }
    let Some(filename) = header_text(header::CONTENT_DISPOSITION).and_then(disposition_filename) else {
        let message = "No Content disposition supplied.";
        return wp_error(StatusCode::BAD_REQUEST, "rest_upload_no_content_disposition", message);
    };
    let (id, filename) = wp.state().add_upload(&filename);
    json_response(StatusCode::CREATED, media_json(&wp.url, id, &filename, mime))
}

fn disposition_filename(value: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|part| {
        let (key, name) = part.split_once('=')?;
        let name = name.trim().trim_matches('"');
        (key.trim().eq_ignore_ascii_case("filename") && !name.is_empty()).then(|| name.to_owned())
    })
}

fn media_json(url: &str, id: i64, filename: &str, mime: &str) -> Value {
    let stem = filename.rsplit_once('.').map_or(filename, |(stem, _)| stem);
    let slug = sanitize_slug(stem);
    let media_type = if mime.starts_with("image/") { "image" } else { "file" };
    json!({
        "id": id,
        "date_gmt": format_gmt(unix_now()),
        "slug": slug,
        "status": "inherit",
        "type": "attachment",
        "link": format!("{url}/{slug}/"),
        "title": {"raw": stem, "rendered": stem},
        "alt_text": "",
        "media_type": media_type,
        "mime_type": mime,
        "source_url": format!("{url}/wp-content/uploads/{filename}"),
    })
}

/// `per_page` (1–100, default 10) and `page` (from 1) of a collection request.
struct Paging {
    per_page: usize,
    page: usize,
}

impl Paging {
    fn from_query(query: &Params) -> Result<Paging, Response> {
        let per_page = match query.get("per_page").map(|v| v.parse::<usize>()) {
            None => 10,
            Some(Ok(n)) if (1..=100).contains(&n) => n,
            Some(_) => {
                let message = "per_page must be between 1 (inclusive) and 100 (inclusive)";
                return Err(invalid_param("per_page", message));
            }
        };
        let page = match query.get("page").map(|v| v.parse::<usize>()) {
            None => 1,
            Some(Ok(n)) if n >= 1 => n,
            Some(_) => return Err(invalid_param("page", "page must be greater than or equal to 1")),
        };
        Ok(Paging { per_page, page })
    }

    fn respond(&self, items: Vec<Value>) -> Response {
        let total = items.len();
        let skip = (self.page - 1).saturating_mul(self.per_page);
        let page: Vec<Value> = items.into_iter().skip(skip).take(self.per_page).collect();
        let mut response = json_response(StatusCode::OK, Value::Array(page));
        response.headers_mut().insert("x-wp-total", HeaderValue::from(total));
        response
            .headers_mut()
            .insert("x-wp-totalpages", HeaderValue::from(total.div_ceil(self.per_page)));
        response
    }
}

fn forbid_edit_context(query: &Params, caller: Caller, message: &str) -> Option<Response> {
    let edit = query.get("context").is_some_and(|c| c == "edit");
    (edit && caller == Caller::Anonymous).then(|| wp_error(StatusCode::UNAUTHORIZED, "rest_forbidden_context", message))
}

/// A comma-separated query parameter, split and trimmed.
fn comma_list(query: &Params, key: &str) -> Option<Vec<String>> {
    let value = query.get(key)?;
    Some(
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(json_response(
            StatusCode::BAD_REQUEST,
            json!({
                "code": "rest_invalid_json",
                "message": "Invalid JSON body passed.",
                "data": {"status": 400, "json_error_code": 4, "json_error_message": "Syntax error"},
            }),
        )),
    }
}

/// A string field, or the `raw` member of an object field (`{"raw": "..."}`), as WordPress accepts both.
fn text_field(fields: &Map<String, Value>, key: &str) -> String {
    match fields.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Object(object)) => object.get("raw").and_then(Value::as_str).unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

/// Term ids given as an array of numbers or numeric strings, or as a comma-separated string.
fn id_list(fields: &Map<String, Value>, key: &str) -> Vec<i64> {
    match fields.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
            .collect(),
        Some(Value::String(text)) => text.split(',').filter_map(|id| id.trim().parse().ok()).collect(),
        Some(other) => other.as_i64().into_iter().collect(),
        None => Vec::new(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS` (or with a space instead of `T`), optionally followed by more (fraction, zone).
fn is_wp_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 19
        && bytes[..19].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T' || *b == b' ',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        })
}

/// WordPress turns a `future` post whose date is not at least a minute ahead into `publish`, and a `publish`
/// post dated that far ahead into `future`.
fn effective_status(requested: &str, date_gmt: Option<&str>, now: i64) -> String {
    let ahead = date_gmt.is_some_and(|date| date >= format_gmt(now + 60).as_str());
    match requested {
        "future" if !ahead => "publish",
        "publish" if ahead => "future",
        other => other,
    }
    .to_owned()
}

/// Drafts and pending posts do not claim their slug; every other status does.
fn holds_slug(status: &str) -> bool {
    !matches!(status, "draft" | "pending")
}

fn post_link(url: &str, id: i64, status: &str, slug: &str) -> String {
    if matches!(status, "draft" | "pending" | "future") {
        format!("{url}/?p={id}")
    } else {
        format!("{url}/{slug}/")
    }
}

/// Roughly WordPress's `sanitize_title`: lowercase, word characters kept, spaces and dots become dashes.
fn sanitize_slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if (c == '-' || c == '.' || c.is_whitespace()) && !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn unique_slug(base: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base.as_str()) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken(candidate.as_str()))
        .expect("slug suffixes are unbounded")
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC for a Unix timestamp.
fn format_gmt(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn is_rest_path(path: &str) -> bool {
    path == "/wp-json" || path.starts_with("/wp-json/")
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, JSON_TYPE)], body.to_string()).into_response()
}

fn html(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, HTML_TYPE)], body.into()).into_response()
}

fn wp_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"code": code, "message": message, "data": {"status": status.as_u16()}}),
    )
}

fn rest_no_route() -> Response {
    let message = "No route was found matching the URL and request method.";
    wp_error(StatusCode::NOT_FOUND, "rest_no_route", message)
}

fn invalid_param(name: &str, problem: &str) -> Response {
    let mut params = Map::new();
    params.insert(name.to_owned(), Value::from(problem));
    json_response(
        StatusCode::BAD_REQUEST,
        json!({
            "code": "rest_invalid_param",
            "message": format!("Invalid parameter(s): {name}"),
            "data": {"status": 400, "params": params},
        }),
    )
}

fn missing_param(name: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        json!({
            "code": "rest_missing_callback_param",
            "message": format!("Missing parameter(s): {name}"),
            "data": {"status": 400, "params": [name]},
        }),
    )
}
