//! The Meta Graph API (META_GRAPH_BASE, with its version): the sign-in
//! calls of Facebook Login for Business. Graph errors arrive as
//! `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`; the
//! codes that matter are kept so callers can tell a refused token (190)
//! from a rate limit (4, 17, 32, 613) from everything else.

use super::outbound::{read_capped, ReadError};
use crate::server::config::{AppCredentials, SocialConfig};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::time::Duration;

/// Graph answers are small JSON documents.
const MAX_REPLY: usize = 1024 * 1024;
/// Pages listed per sign-in at most: far beyond what one person manages.
const MAX_PAGES: usize = 500;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct GraphError {
    /// The HTTP status; None when Meta was not reached.
    pub status: Option<u16>,
    /// Graph's error code (190 a refused token; 4, 17, 32, 613 rate limits).
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    pub message: String,
}

impl GraphError {
    fn local(message: impl Into<String>) -> GraphError {
        GraphError {
            status: None,
            code: None,
            subcode: None,
            message: message.into(),
        }
    }

    /// The token no longer works: expired, or the person withdrew it.
    pub fn is_invalid_token(&self) -> bool {
        self.code == Some(190) || self.status == Some(401)
    }

    /// Meta asks us to slow down: wait before calling again (the app's,
    /// the user's and the Page's limits, and the business use case limits
    /// 80001–80014 per Page or Instagram account).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.code, Some(4 | 17 | 32 | 613 | 80_001..=80_014)) || self.status == Some(429)
    }

    /// The account has used its rolling 24-hour publishing limit (code 9).
    pub fn is_publishing_limit(&self) -> bool {
        self.code == Some(9)
    }

    /// The container is not ready to publish yet (code 9007).
    pub fn is_not_ready(&self) -> bool {
        self.code == Some(9007)
    }

    /// Worth trying again later: not reached, rate limited or a 5xx.
    pub fn is_transient(&self) -> bool {
        self.status.is_none_or(|s| s >= 500) || self.is_rate_limited()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
}

/// A user access token and how long it lasts.
#[derive(Debug, Clone, Deserialize)]
pub struct UserToken {
    pub access_token: String,
    /// Seconds; Meta leaves it out for tokens that do not expire.
    pub expires_in: Option<i64>,
}

/// A Page the person manages, with its Page token and its linked
/// Instagram professional account, if any.
#[derive(Debug, Clone, Deserialize)]
pub struct ManagedPage {
    pub id: String,
    pub name: String,
    pub access_token: String,
    pub instagram_business_account: Option<LinkedInstagram>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinkedInstagram {
    pub id: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Deserialize)]
struct PageList {
    data: Vec<ManagedPage>,
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    next: Option<String>,
}

/// What a create answers: the new object's id (and, for a Page photo,
/// the feed post that shows it).
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: String,
    #[serde(default)]
    pub post_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ContainerStatus {
    pub status_code: String,
    /// Meta's words on an ERROR.
    #[serde(default)]
    pub status: Option<String>,
}

/// A published Page post or Instagram media, as lists and lookups show it.
#[derive(Debug, Clone, Deserialize)]
pub struct Published {
    pub id: String,
    /// A Page post's text.
    #[serde(default)]
    pub message: Option<String>,
    /// An Instagram caption.
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub permalink_url: Option<String>,
    #[serde(default)]
    pub permalink: Option<String>,
    /// When a Page post was made (ISO 8601).
    #[serde(default)]
    pub created_time: Option<String>,
    /// When Instagram media was published (ISO 8601).
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl Published {
    pub fn text(&self) -> &str {
        self.message.as_deref().or(self.caption.as_deref()).unwrap_or_default()
    }

    pub fn link(&self) -> Option<String> {
        self.permalink_url.clone().or_else(|| self.permalink.clone())
    }

    /// When it was made, in unix seconds (Graph writes `2026-12-03T18:00:00+0000`).
    pub fn at(&self) -> Option<i64> {
        let text = self.created_time.as_deref().or(self.timestamp.as_deref())?;
        chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
            .or_else(|_| chrono::DateTime::parse_from_rfc3339(text))
            .ok()
            .map(|t| t.timestamp())
    }
}

#[derive(Deserialize)]
struct DataList<T> {
    data: Vec<T>,
}

#[derive(Deserialize)]
struct Insight {
    name: String,
    #[serde(default)]
    values: Vec<InsightValue>,
}

#[derive(Deserialize)]
struct InsightValue {
    #[serde(default)]
    value: serde_json::Value,
}

#[derive(Deserialize)]
struct PostCounts {
    shares: Option<ShareCount>,
    comments: Option<CommentList>,
}

#[derive(Deserialize)]
struct ShareCount {
    count: i64,
}

#[derive(Deserialize)]
struct CommentList {
    summary: CommentSummary,
}

#[derive(Deserialize)]
struct CommentSummary {
    total_count: i64,
}

#[derive(Deserialize)]
struct PublishingLimit {
    quota_usage: i64,
    config: Option<LimitConfig>,
}

#[derive(Deserialize)]
struct LimitConfig {
    quota_total: i64,
}

/// The Graph client: one HTTP client and where Meta (or its stand-in) is.
#[derive(Clone, Debug)]
pub struct Meta {
    http: reqwest::Client,
    base: String,
}

impl Meta {
    pub fn new(config: &SocialConfig) -> Meta {
        Meta {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .connect_timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a TLS backend is compiled in"),
            base: config.graph_base.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// The short-lived user token for the code the dialog sent back.
    pub async fn exchange_code(
        &self,
        app: &AppCredentials,
        code: &str,
        redirect_uri: &str,
    ) -> Result<UserToken, GraphError> {
        let query = [
            ("client_id", app.id.as_str()),
            ("client_secret", app.secret.as_str()),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ];
        self.get("/oauth/access_token", &query).await
    }

    /// A long-lived user token (about 60 days) for a short-lived one; Page
    /// tokens read with it do not expire.
    pub async fn long_lived(&self, app: &AppCredentials, short: &str) -> Result<UserToken, GraphError> {
        let query = [
            ("grant_type", "fb_exchange_token"),
            ("client_id", app.id.as_str()),
            ("client_secret", app.secret.as_str()),
            ("fb_exchange_token", short),
        ];
        self.get("/oauth/access_token", &query).await
    }

    /// Every Page the token's person manages, following Graph's paging.
    pub async fn managed_pages(&self, user_token: &str) -> Result<Vec<ManagedPage>, GraphError> {
        let mut first = url::Url::parse(&format!("{}/me/accounts", self.base))
            .map_err(|e| GraphError::local(format!("META_GRAPH_BASE does not make an address: {e}")))?;
        first
            .query_pairs_mut()
            .append_pair(
                "fields",
                "id,name,access_token,instagram_business_account{id,username,name}",
            )
            .append_pair("limit", "100")
            .append_pair("access_token", user_token);
        let first = first.to_string();
        let mut pages = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let list: PageList = self.fetch(self.http.get(&url)).await?;
            pages.extend(list.data);
            // Only follow paging links back to the same Graph API.
            next = list
                .paging
                .and_then(|p| p.next)
                .filter(|n| self.is_ours(n) && pages.len() < MAX_PAGES);
        }
        Ok(pages)
    }

    /// A text (and link) post on a Page's feed.
    pub async fn feed_post(
        &self,
        page_id: &str,
        token: &str,
        message: &str,
        link: &str,
    ) -> Result<Created, GraphError> {
        let mut form = vec![("message", message), ("access_token", token)];
        if !link.is_empty() {
            form.push(("link", link));
        }
        self.post(&format!("/{page_id}/feed"), &form).await
    }

    /// A photo post on a Page: Meta fetches the photo from `url`.
    pub async fn photo_post(
        &self,
        page_id: &str,
        token: &str,
        url: &str,
        caption: &str,
    ) -> Result<Created, GraphError> {
        let form = [
            ("url", url),
            ("message", caption),
            ("published", "true"),
            ("access_token", token),
        ];
        self.post(&format!("/{page_id}/photos"), &form).await
    }

    /// The Page's posts since `since` (unix seconds), newest first.
    pub async fn page_feed(&self, page_id: &str, token: &str, since: i64) -> Result<Vec<Published>, GraphError> {
        let since = since.to_string();
        let query = [
            ("fields", "id,message,created_time,permalink_url"),
            ("since", since.as_str()),
            ("limit", "50"),
            ("access_token", token),
        ];
        let list: DataList<Published> = self.get(&format!("/{page_id}/feed"), &query).await?;
        Ok(list.data)
    }

    /// An Instagram media container: a photo (`image_url`) or a reel
    /// (`video_url`), which Meta fetches and processes before it can be
    /// published.
    pub async fn create_container(
        &self,
        ig_user_id: &str,
        token: &str,
        media_url: &str,
        is_video: bool,
        caption: &str,
    ) -> Result<Created, GraphError> {
        let mut form = vec![("caption", caption), ("access_token", token)];
        if is_video {
            form.extend([("media_type", "REELS"), ("video_url", media_url)]);
        } else {
            form.push(("image_url", media_url));
        }
        self.post(&format!("/{ig_user_id}/media"), &form).await
    }

    /// A container's `status_code`: IN_PROGRESS, FINISHED, ERROR, EXPIRED
    /// or PUBLISHED.
    pub async fn container_status(&self, container_id: &str, token: &str) -> Result<ContainerStatus, GraphError> {
        self.get(
            &format!("/{container_id}"),
            &[("fields", "status_code,status"), ("access_token", token)],
        )
        .await
    }

    /// Publishes a finished container; the answer is the new media's id.
    pub async fn media_publish(
        &self,
        ig_user_id: &str,
        token: &str,
        container_id: &str,
    ) -> Result<Created, GraphError> {
        let form = [("creation_id", container_id), ("access_token", token)];
        self.post(&format!("/{ig_user_id}/media_publish"), &form).await
    }

    /// How many posts the account published in the last 24 hours, and how
    /// many it may.
    pub async fn publishing_limit(&self, ig_user_id: &str, token: &str) -> Result<(i64, i64), GraphError> {
        let list: DataList<PublishingLimit> = self
            .get(
                &format!("/{ig_user_id}/content_publishing_limit"),
                &[("fields", "quota_usage,config"), ("access_token", token)],
            )
            .await?;
        let limit = list
            .data
            .into_iter()
            .next()
            .ok_or_else(|| GraphError::local("Meta did not say the publishing limit"))?;
        Ok((limit.quota_usage, limit.config.map(|c| c.quota_total).unwrap_or(50)))
    }

    /// The account's latest media, newest first.
    pub async fn recent_media(&self, ig_user_id: &str, token: &str) -> Result<Vec<Published>, GraphError> {
        let query = [
            ("fields", "id,caption,timestamp,permalink"),
            ("limit", "25"),
            ("access_token", token),
        ];
        let list: DataList<Published> = self.get(&format!("/{ig_user_id}/media"), &query).await?;
        Ok(list.data)
    }

    /// An object's public link: `field` is `permalink_url` for a Page post,
    /// `permalink` for Instagram media (Graph refuses a field the object
    /// does not have).
    pub async fn permalink(&self, object_id: &str, token: &str, field: &str) -> Result<Option<String>, GraphError> {
        let fields = format!("id,{field}");
        let found: Published = self
            .get(
                &format!("/{object_id}"),
                &[("fields", fields.as_str()), ("access_token", token)],
            )
            .await?;
        Ok(found.link())
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, form: &[(&str, &str)]) -> Result<T, GraphError> {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        self.fetch(request).await
    }

    /// Whether `link` is on this client's Graph origin, under its version.
    fn is_ours(&self, link: &str) -> bool {
        match (url::Url::parse(link), url::Url::parse(&self.base)) {
            (Ok(link), Ok(base)) => link.origin() == base.origin() && link.path().starts_with(base.path()),
            _ => false,
        }
    }

    /// Lifetime insights of a Page post or Instagram media, by metric name.
    /// A metric Meta has no figure for yet is left out of its answer.
    pub async fn insights(
        &self,
        object_id: &str,
        token: &str,
        metrics: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, GraphError> {
        let query = [("metric", metrics), ("access_token", token)];
        let list: DataList<Insight> = self.get(&format!("/{object_id}/insights"), &query).await?;
        Ok(list
            .data
            .into_iter()
            .map(|i| (i.name, i.values.into_iter().next().map(|v| v.value).unwrap_or_default()))
            .collect())
    }

    /// A Page post's comment and share counts (fields of the post, not
    /// insights).
    pub async fn post_counts(&self, post_id: &str, token: &str) -> Result<(i64, i64), GraphError> {
        let query = [
            ("fields", "shares,comments.limit(0).summary(true)"),
            ("access_token", token),
        ];
        let counts: PostCounts = self.get(&format!("/{post_id}"), &query).await?;
        Ok((
            counts.comments.map(|c| c.summary.total_count).unwrap_or(0),
            counts.shares.map(|s| s.count).unwrap_or(0),
        ))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, GraphError> {
        let request = self.http.get(format!("{}{path}", self.base)).query(query);
        self.fetch(request).await
    }

    async fn fetch<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, GraphError> {
        let response = request
            .send()
            .await
            .map_err(|e| GraphError::local(format!("Meta could not be reached: {}", without_url(e))))?;
        let status = response.status().as_u16();
        let body = read_capped(response, MAX_REPLY).await.map_err(|e| match e {
            ReadError::TooLarge => GraphError::local("Meta's answer was too large"),
            ReadError::Transport(e) => GraphError::local(format!("Meta's answer broke off: {}", without_url(e))),
        })?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&body).map_err(|e| GraphError {
                status: Some(status),
                code: None,
                subcode: None,
                message: format!("Meta's answer could not be read: {e}"),
            });
        }
        let detail = serde_json::from_slice::<ErrorBody>(&body).ok().map(|b| b.error);
        Err(GraphError {
            status: Some(status),
            code: detail.as_ref().and_then(|d| d.code),
            subcode: detail.as_ref().and_then(|d| d.error_subcode),
            message: detail
                .map(|d| d.message)
                .unwrap_or_else(|| format!("Meta answered {status}")),
        })
    }
}

/// reqwest puts the URL in its errors, and Graph URLs carry tokens.
pub(super) fn without_url(e: reqwest::Error) -> reqwest::Error {
    e.without_url()
}
