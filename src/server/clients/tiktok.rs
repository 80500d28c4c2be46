//! TikTok's Open API (TIKTOK_API_BASE): Login Kit v2's token endpoint
//! (`/v2/oauth/token/`, form-encoded, refresh tokens that rotate), the
//! user's profile, the Content Posting API's Direct Post (creator info, a
//! video init by URL, its status) and the account's video list. OAuth errors arrive as `{"error","error_description",
//! "log_id"}`; other endpoints wrap theirs as `{"data":…,"error":{"code",
//! "message","log_id"}}` with code "ok" on success.

use super::meta::without_url;
use super::outbound::{read_capped, ReadError};
use crate::server::config::{AppCredentials, SocialConfig};
use serde::Deserialize;
use std::time::Duration;

const MAX_REPLY: usize = 1024 * 1024;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TikTokError {
    /// The HTTP status; None when TikTok was not reached.
    pub status: Option<u16>,
    /// `invalid_grant`, `access_token_invalid`, `rate_limit_exceeded`, …
    pub code: String,
    pub message: String,
}

impl TikTokError {
    fn local(message: impl Into<String>) -> TikTokError {
        TikTokError {
            status: None,
            code: String::new(),
            message: message.into(),
        }
    }

    /// The grant or token no longer works: someone must sign in again.
    pub fn is_revoked(&self) -> bool {
        matches!(
            self.code.as_str(),
            "invalid_grant" | "access_token_invalid" | "scope_not_authorized"
        ) || self.status == Some(401)
    }

    /// Worth trying again later: not reached, rate limited or a 5xx.
    pub fn is_transient(&self) -> bool {
        self.status.is_none_or(|s| s >= 500 || s == 429) || self.code == "rate_limit_exceeded"
    }
}

/// What `/v2/oauth/token/` gives for a code or a refresh token.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenGrant {
    pub open_id: String,
    pub access_token: String,
    /// Seconds the access token lasts.
    pub expires_in: i64,
    /// A new refresh token: the one sent stops working.
    pub refresh_token: String,
    pub refresh_expires_in: i64,
    #[serde(default)]
    pub scope: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Profile {
    pub open_id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub username: String,
}

#[derive(Deserialize)]
struct OauthError {
    error: String,
    #[serde(default)]
    error_description: String,
}

#[derive(Deserialize)]
struct Wrapped<T> {
    data: Option<T>,
    error: ApiError,
}

#[derive(Deserialize)]
struct ApiError {
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct UserData {
    /// Absent (`"data": {}`) when the call was refused.
    user: Option<Profile>,
}

/// What TikTok lets the creator post now; asked before each post, as
/// TikTok's Direct Post guidelines require.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatorInfo {
    #[serde(default)]
    pub creator_username: String,
    #[serde(default)]
    pub privacy_level_options: Vec<String>,
}

/// How a publish stands.
#[derive(Debug, Clone, Deserialize)]
pub struct PublishStatus {
    /// PROCESSING_DOWNLOAD, PROCESSING_UPLOAD, SEND_TO_USER_INBOX,
    /// PUBLISH_COMPLETE or FAILED.
    pub status: String,
    #[serde(default)]
    pub fail_reason: Option<String>,
    /// (sic, as TikTok spells it) The post's id once public.
    #[serde(default)]
    pub publicaly_available_post_id: Vec<serde_json::Value>,
}

impl PublishStatus {
    pub fn post_id(&self) -> Option<String> {
        self.publicaly_available_post_id.first().map(|id| match id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

/// A video on the account, as `/v2/video/list/` shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct Video {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub share_url: Option<String>,
    /// When it was posted (unix seconds).
    #[serde(default)]
    pub create_time: Option<i64>,
}

#[derive(Deserialize)]
struct Published {
    publish_id: String,
}

#[derive(Deserialize)]
struct Videos {
    #[serde(default)]
    videos: Vec<Video>,
}

/// A video's public counts.
#[derive(Debug, Deserialize)]
pub struct VideoStats {
    pub id: String,
    #[serde(default)]
    pub view_count: i64,
    #[serde(default)]
    pub like_count: i64,
    #[serde(default)]
    pub comment_count: i64,
    #[serde(default)]
    pub share_count: i64,
}

#[derive(Deserialize)]
struct StatsList {
    #[serde(default)]
    videos: Vec<VideoStats>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: serde_json::Value,
    error: ApiError,
}

#[derive(Clone, Debug)]
pub struct TikTok {
    http: reqwest::Client,
    base: String,
}

impl TikTok {
    pub fn new(config: &SocialConfig) -> TikTok {
        TikTok {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .connect_timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a TLS backend is compiled in"),
            base: config.tiktok_api_base.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// Tokens for the code TikTok's sign-in page sent back.
    pub async fn exchange_code(
        &self,
        app: &AppCredentials,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenGrant, TikTokError> {
        self.token(&[
            ("client_key", app.id.as_str()),
            ("client_secret", app.secret.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect_uri),
        ])
        .await
    }

    /// New tokens for the latest refresh token; that token stops working.
    pub async fn refresh(&self, app: &AppCredentials, refresh_token: &str) -> Result<TokenGrant, TikTokError> {
        self.token(&[
            ("client_key", app.id.as_str()),
            ("client_secret", app.secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Withdraws the app's access for this sign-in (on disconnect).
    pub async fn revoke(&self, app: &AppCredentials, access_token: &str) -> Result<(), TikTokError> {
        let form = [
            ("client_key", app.id.as_str()),
            ("client_secret", app.secret.as_str()),
            ("token", access_token),
        ];
        let request = self.http.post(format!("{}/v2/oauth/revoke/", self.base)).form(&form);
        let (status, body) = self.send(request).await?;
        match serde_json::from_slice::<OauthError>(&body) {
            Ok(e) if !e.error.is_empty() => Err(TikTokError {
                status: Some(status),
                code: e.error,
                message: e.error_description,
            }),
            _ if (200..300).contains(&status) => Ok(()),
            _ => Err(TikTokError {
                status: Some(status),
                code: String::new(),
                message: format!("TikTok answered {status}"),
            }),
        }
    }

    /// The signed-in person's name on TikTok.
    pub async fn profile(&self, access_token: &str) -> Result<Profile, TikTokError> {
        let request = self
            .http
            .get(format!("{}/v2/user/info/", self.base))
            .query(&[("fields", "open_id,display_name,username")])
            .bearer_auth(access_token);
        let (status, body) = self.send(request).await?;
        let wrapped: Wrapped<UserData> = serde_json::from_slice(&body).map_err(|e| TikTokError {
            status: Some(status),
            code: String::new(),
            message: format!("TikTok's answer could not be read: {e}"),
        })?;
        match wrapped.data.and_then(|d| d.user) {
            Some(user) if wrapped.error.code == "ok" && status < 300 => Ok(user),
            _ => Err(TikTokError {
                status: Some(status),
                code: wrapped.error.code,
                message: wrapped.error.message,
            }),
        }
    }

    /// The creator's posting options (privacy levels and more).
    pub async fn creator_info(&self, access_token: &str) -> Result<CreatorInfo, TikTokError> {
        let request = self
            .http
            .post(format!("{}/v2/post/publish/creator_info/query/", self.base))
            .bearer_auth(access_token)
            .json(&serde_json::json!({}));
        self.api(request).await
    }

    /// Starts a Direct Post of the video at `video_url`, which TikTok pulls
    /// from there; returns the publish id to follow it by.
    pub async fn init_video(
        &self,
        access_token: &str,
        title: &str,
        privacy_level: &str,
        video_url: &str,
    ) -> Result<String, TikTokError> {
        let body = serde_json::json!({
            "post_info": {
                "title": title,
                "privacy_level": privacy_level,
                "disable_duet": false,
                "disable_comment": false,
                "disable_stitch": false,
            },
            "source_info": { "source": "PULL_FROM_URL", "video_url": video_url },
        });
        let request = self
            .http
            .post(format!("{}/v2/post/publish/video/init/", self.base))
            .bearer_auth(access_token)
            .json(&body);
        let published: Published = self.api(request).await?;
        Ok(published.publish_id)
    }

    pub async fn publish_status(&self, access_token: &str, publish_id: &str) -> Result<PublishStatus, TikTokError> {
        let request = self
            .http
            .post(format!("{}/v2/post/publish/status/fetch/", self.base))
            .bearer_auth(access_token)
            .json(&serde_json::json!({ "publish_id": publish_id }));
        self.api(request).await
    }

    /// The account's latest videos (needs `video.list`).
    pub async fn recent_videos(&self, access_token: &str) -> Result<Vec<Video>, TikTokError> {
        let request = self
            .http
            .post(format!("{}/v2/video/list/", self.base))
            .query(&[("fields", "id,title,video_description,create_time,share_url")])
            .bearer_auth(access_token)
            .json(&serde_json::json!({ "max_count": 20 }));
        let list: Videos = self.api(request).await?;
        Ok(list.videos)
    }

    /// Counts of the account's own videos, by id (at most 20 per call, as
    /// TikTok's video query allows; needs `video.list`).
    pub async fn video_stats(&self, access_token: &str, ids: &[String]) -> Result<Vec<VideoStats>, TikTokError> {
        let request = self
            .http
            .post(format!("{}/v2/video/query/", self.base))
            .query(&[("fields", "id,view_count,like_count,comment_count,share_count")])
            .bearer_auth(access_token)
            .json(&serde_json::json!({ "filters": { "video_ids": ids } }));
        let list: StatsList = self.api(request).await?;
        Ok(list.videos)
    }

    /// A call answered as `{"data":…,"error":{"code":"ok",…}}`; a refusal
    /// comes with `"data": {}` and its code.
    async fn api<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, TikTokError> {
        let (status, body) = self.send(request).await?;
        let unreadable = |e: serde_json::Error| TikTokError {
            status: Some(status),
            code: String::new(),
            message: format!("TikTok's answer could not be read ({status}): {e}"),
        };
        let envelope: Envelope = serde_json::from_slice(&body).map_err(unreadable)?;
        if envelope.error.code != "ok" || status >= 300 {
            return Err(TikTokError {
                status: Some(status),
                code: envelope.error.code,
                message: envelope.error.message,
            });
        }
        serde_json::from_value(envelope.data).map_err(unreadable)
    }

    async fn token(&self, form: &[(&str, &str)]) -> Result<TokenGrant, TikTokError> {
        let request = self.http.post(format!("{}/v2/oauth/token/", self.base)).form(form);
        let (status, body) = self.send(request).await?;
        // An error can come with any status, 200 included.
        if let Ok(e) = serde_json::from_slice::<OauthError>(&body) {
            if !e.error.is_empty() {
                return Err(TikTokError {
                    status: Some(status),
                    code: e.error,
                    message: e.error_description,
                });
            }
        }
        if !(200..300).contains(&status) {
            return Err(TikTokError {
                status: Some(status),
                code: String::new(),
                message: format!("TikTok answered {status}"),
            });
        }
        serde_json::from_slice(&body).map_err(|e| TikTokError {
            status: Some(status),
            code: String::new(),
            message: format!("TikTok's answer could not be read: {e}"),
        })
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), TikTokError> {
        let response = request
            .send()
            .await
            .map_err(|e| TikTokError::local(format!("TikTok could not be reached: {}", without_url(e))))?;
        let status = response.status().as_u16();
        let body = read_capped(response, MAX_REPLY).await.map_err(|e| match e {
            ReadError::TooLarge => TikTokError::local("TikTok's answer was too large"),
            ReadError::Transport(e) => TikTokError::local(format!("TikTok's answer broke off: {}", without_url(e))),
        })?;
        Ok((status, body))
    }
}
