//! The WordPress REST API as Autopilot uses it: application-password basic
//! auth, the connection test, posts found by slug and created, categories
//! and tags by name. Every answer is classified into `WpError` so callers
//! can tell bad credentials (stop, flag the site) from passing trouble
//! (retry) from an unknown outcome (look up before trying again).

use super::outbound::{check_literal_host, is_blocked, read_capped, tenant_client, ReadError, MAX_REPLY_BYTES};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

#[derive(Clone)]
pub struct WordPress {
    http: reqwest::Client,
    base: url::Url,
    username: String,
    password: String,
    allow_private: bool,
}

impl std::fmt::Debug for WordPress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordPress")
            .field("base", &self.base.as_str())
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WpError {
    #[error("WordPress did not accept the username or application password ({0})")]
    BadCredentials(String),
    #[error("the WordPress user may not do this ({0})")]
    Forbidden(String),
    #[error("the host removed the Authorization header before WordPress saw it")]
    HeaderStripped,
    #[error("the REST API is blocked or disabled on this site")]
    RestBlocked,
    #[error("this address does not answer like a WordPress site")]
    NotWordPress,
    #[error("the site redirects to {0}")]
    Redirected(String),
    /// Worded like `Unreachable` on purpose: telling the two apart would let
    /// a tenant map which inside addresses exist. The cause is logged.
    #[error("the site could not be reached")]
    PrivateAddress,
    /// The cause (refused, reset, no such name) is for the log only.
    #[error("the site could not be reached")]
    Unreachable(String),
    /// The request may or may not have taken effect.
    #[error("the site did not answer in time")]
    Timeout,
    #[error("the site answered HTTP {0}{1}")]
    Server(u16, String),
    #[error("WordPress refused the request: {1} (HTTP {0})")]
    Rejected(u16, String),
    /// The site sent more than a WordPress answer could be.
    #[error("the site's answer was larger than {} MiB", MAX_REPLY_BYTES / (1024 * 1024))]
    TooLarge,
}

impl WpError {
    /// Bad credentials and missing rights stop a job at once and flag the site.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self,
            WpError::BadCredentials(_) | WpError::Forbidden(_) | WpError::HeaderStripped
        )
    }

    /// Worth another attempt later.
    pub fn retryable(&self) -> bool {
        matches!(self, WpError::Unreachable(_) | WpError::Timeout | WpError::Server(..))
    }

    /// The outcome of a write is unknown: resolve it by lookup, never by a blind retry.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, WpError::Timeout | WpError::Server(..))
    }
}

/// The WordPress account the credentials belong to.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct WpUser {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A post as WordPress reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePost {
    pub id: i64,
    pub link: String,
    pub status: String,
    pub slug: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewRemotePost<'a> {
    pub title: &'a str,
    pub content: &'a str,
    pub excerpt: &'a str,
    pub slug: &'a str,
    pub status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_gmt: Option<String>,
    pub categories: Vec<i64>,
    pub tags: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxonomy {
    Category,
    Tag,
}

impl Taxonomy {
    fn path(self) -> &'static str {
        match self {
            Taxonomy::Category => "categories",
            Taxonomy::Tag => "tags",
        }
    }
}

impl WordPress {
    /// `base` is the site's address (a subfolder install keeps its path).
    pub fn new(base: &url::Url, username: &str, password: &str, allow_private: bool, timeout: Duration) -> WordPress {
        WordPress {
            http: tenant_client(allow_private, timeout),
            base: base.clone(),
            username: username.to_owned(),
            password: password.to_owned(),
            allow_private,
        }
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}/wp-json/wp/v2/{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// Sends one request and returns the JSON of a 2xx answer, or the classified failure.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, WpError> {
        check_literal_host(&self.base, self.allow_private).map_err(|_| WpError::PrivateAddress)?;
        let response = request
            .basic_auth(&self.username, Some(&self.password))
            .header("accept", "application/json")
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response, MAX_REPLY_BYTES).await.map_err(|e| match e {
            ReadError::TooLarge => WpError::TooLarge,
            ReadError::Transport(e) => transport_error(e),
        })?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        classify(status, json, location)
    }

    /// The connection test: who the credentials belong to.
    pub async fn me(&self) -> Result<WpUser, WpError> {
        let value = self
            .send(self.http.get(self.endpoint("users/me")).query(&[("context", "edit")]))
            .await?;
        serde_json::from_value(value).map_err(|_| WpError::NotWordPress)
    }

    /// Finds a post of any status (drafts and scheduled ones included) by its exact slug.
    pub async fn find_post_by_slug(&self, slug: &str) -> Result<Option<RemotePost>, WpError> {
        let value = self
            .send(self.http.get(self.endpoint("posts")).query(&[
                ("slug", slug),
                ("status", "any"),
                ("context", "edit"),
                ("per_page", "10"),
            ]))
            .await?;
        let posts = value.as_array().ok_or(WpError::NotWordPress)?;
        Ok(posts.iter().filter_map(remote_post).find(|p| p.slug == slug))
    }

    pub async fn create_post(&self, post: &NewRemotePost<'_>) -> Result<RemotePost, WpError> {
        let value = self.send(self.http.post(self.endpoint("posts")).json(post)).await?;
        remote_post(&value).ok_or(WpError::NotWordPress)
    }

    /// The id of the term with this name, created when the site lacks it.
    pub async fn term_id(&self, taxonomy: Taxonomy, name: &str) -> Result<i64, WpError> {
        let found = self
            .send(
                self.http
                    .get(self.endpoint(taxonomy.path()))
                    .query(&[("search", name), ("per_page", "100")]),
            )
            .await?;
        let same_name = |t: &&Value| {
            t["name"]
                .as_str()
                .is_some_and(|n| decode_entities(n).eq_ignore_ascii_case(name))
        };
        if let Some(id) = found
            .as_array()
            .and_then(|a| a.iter().find(same_name))
            .and_then(|t| t["id"].as_i64())
        {
            return Ok(id);
        }
        let created = self
            .http
            .post(self.endpoint(taxonomy.path()))
            .json(&serde_json::json!({ "name": name }));
        match self.send(created).await {
            Ok(term) => term["id"].as_i64().ok_or(WpError::NotWordPress),
            Err(WpError::Rejected(400, code)) if code.starts_with("term_exists") => code
                .rsplit(':')
                .next()
                .and_then(|id| id.parse().ok())
                .ok_or(WpError::NotWordPress),
            Err(e) => Err(e),
        }
    }
}

fn remote_post(value: &Value) -> Option<RemotePost> {
    Some(RemotePost {
        id: value["id"].as_i64()?,
        link: value["link"].as_str().unwrap_or_default().to_owned(),
        status: value["status"].as_str().unwrap_or_default().to_owned(),
        slug: value["slug"].as_str().unwrap_or_default().to_owned(),
    })
}

fn transport_error(err: reqwest::Error) -> WpError {
    tracing::info!(cause = %root_cause(&err), "WordPress request failed");
    if is_blocked(&err) {
        WpError::PrivateAddress
    } else if err.is_timeout() {
        WpError::Timeout
    } else if err.is_connect() || err.is_request() {
        WpError::Unreachable(root_cause(&err))
    } else {
        // The request went out and the answer broke off: it may have taken effect.
        WpError::Timeout
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Turns a WordPress answer into data or a classified error. WordPress
/// errors are JSON `{code, message, data: {status}}`; anything else on a
/// REST path means something other than WordPress answered.
fn classify(status: u16, json: Option<Value>, location: Option<String>) -> Result<Value, WpError> {
    let code = json
        .as_ref()
        .and_then(|j| j["code"].as_str())
        .map(str::to_owned)
        .unwrap_or_default();
    match (status, json) {
        (200..=299, Some(json)) => Ok(json),
        (200..=299, None) => Err(WpError::NotWordPress),
        (300..=399, _) => Err(WpError::Redirected(shorten(
            &location.unwrap_or_else(|| "another address".into()),
        ))),
        (401, Some(_)) if code == "rest_not_logged_in" => Err(WpError::HeaderStripped),
        (401, Some(_)) if matches!(code.as_str(), "rest_cannot_access" | "rest_disabled") => Err(WpError::RestBlocked),
        (401, _) => Err(WpError::BadCredentials(if code.is_empty() {
            "401".into()
        } else {
            shorten(&code)
        })),
        (403, Some(_)) => Err(WpError::Forbidden(shorten(&code))),
        (403, None) => Err(WpError::RestBlocked),
        (404, Some(_)) if code == "rest_no_route" => Err(WpError::RestBlocked),
        (404, None) => Err(WpError::NotWordPress),
        (400, Some(json)) if code == "term_exists" => {
            let id = json["data"]["term_id"].as_i64().unwrap_or_default();
            Err(WpError::Rejected(400, format!("term_exists:{id}")))
        }
        (408 | 429 | 500..=599, _) => Err(WpError::Server(
            status,
            if code.is_empty() {
                code
            } else {
                format!(" ({})", shorten(&code))
            },
        )),
        (_, Some(json)) => Err(WpError::Rejected(
            status,
            shorten(json["message"].as_str().unwrap_or(code.as_str())),
        )),
        (_, None) => Err(WpError::NotWordPress),
    }
}

/// What a site says in an error is kept for the workspace to read: at most
/// a few hundred characters of it.
fn shorten(text: &str) -> String {
    const MOST: usize = 300;
    match text.char_indices().nth(MOST) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

fn decode_entities(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#038;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(code: &str) -> Option<Value> {
        Some(json!({"code": code, "message": "m", "data": {"status": 0}}))
    }

    #[test]
    fn a_site_s_long_words_are_kept_short() {
        let long = "x".repeat(5_000);
        let Err(WpError::Rejected(400, message)) = classify(400, err_with_message(&long), None) else {
            panic!("a 400 with a message is a refusal")
        };
        assert!(message.chars().count() <= 301, "{}", message.len());
    }

    fn err_with_message(message: &str) -> Option<Value> {
        Some(json!({"code": "rest_invalid_param", "message": message, "data": {"status": 400}}))
    }

    #[test]
    fn answers_are_classified_like_wordpress_means_them() {
        assert_eq!(
            classify(401, err("incorrect_password"), None),
            Err(WpError::BadCredentials("incorrect_password".into()))
        );
        assert_eq!(
            classify(401, err("rest_cannot_create"), None),
            Err(WpError::BadCredentials("rest_cannot_create".into()))
        );
        assert_eq!(classify(401, None, None), Err(WpError::BadCredentials("401".into())));
        assert_eq!(
            classify(401, err("rest_not_logged_in"), None),
            Err(WpError::HeaderStripped)
        );
        assert_eq!(classify(403, None, None), Err(WpError::RestBlocked));
        assert_eq!(classify(404, err("rest_no_route"), None), Err(WpError::RestBlocked));
        assert_eq!(classify(404, None, None), Err(WpError::NotWordPress));
        assert_eq!(classify(200, None, None), Err(WpError::NotWordPress));
        assert_eq!(
            classify(301, None, Some("https://x.test/".into())),
            Err(WpError::Redirected("https://x.test/".into()))
        );
        let exists = Some(json!({"code": "term_exists", "data": {"status": 400, "term_id": 42}}));
        assert_eq!(
            classify(400, exists, None),
            Err(WpError::Rejected(400, "term_exists:42".into()))
        );
        assert!(classify(503, None, None).unwrap_err().retryable());
        assert!(classify(500, err("internal_server_error"), None)
            .unwrap_err()
            .outcome_unknown());
        assert!(classify(401, err("incorrect_password"), None)
            .unwrap_err()
            .needs_attention());
        assert!(!classify(400, err("rest_invalid_param"), None).unwrap_err().retryable());
    }
}
