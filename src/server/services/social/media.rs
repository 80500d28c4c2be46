//! Photos and videos for social posts. An upload is recognised by its
//! bytes (JPEG, PNG, MP4, MOV) and sized before it is kept; it is kept in
//! the media store and served at `/media/<workspace>/<token>`, where the
//! token is 32 random bytes: Instagram and TikTok fetch media by URL, so
//! the address must be public, and only someone given it can find it.

use crate::app::types::{Permission, TenantId};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now};
use crate::server::domain::social_post::{check_upload, MediaKind};
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use crate::server::storage::harden;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};

/// The public address's path, for the router.
pub const PUBLIC_PATH: &str = "/media/{tenant_id}/{token}";

/// An upload as the composer shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub id: String,
    pub kind: MediaKind,
    pub content_type: &'static str,
    /// The public address the platforms fetch.
    pub url: String,
}

/// Where the platforms fetch a media file.
pub fn public_url(state: &AppState, tenant_id: &TenantId, token: &str) -> String {
    format!("{}/media/{tenant_id}/{token}", state.config.app_origin())
}

/// Keeps an upload for the workspace's posts.
pub async fn upload(ctx: &TenantContext, state: &AppState, file_name: &str, bytes: &[u8]) -> ServerResult<Uploaded> {
    ctx.require(Permission::CreateContent)?;
    let (kind, content_type) = check_upload(bytes)?;
    let id = new_id();
    let token = hex::encode(rand::random::<[u8; 32]>());
    let key = format!("{}/{id}", ctx.tenant_id());
    state.media.put(&key, bytes).await.map_err(ServerError::internal)?;
    let name: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
    let kept = sqlx::query(
        "insert into social_media (id, tenant_id, kind, content_type, bytes, storage_key, public_token, file_name, \
         created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(kind.as_str())
    .bind(content_type)
    .bind(bytes.len() as i64)
    .bind(&key)
    .bind(&token)
    .bind(&name)
    .bind(ctx.user_id())
    .bind(now())
    .execute(&state.db.pool)
    .await;
    if let Err(e) = kept {
        // No row points at the file: do not keep it either.
        if let Err(gone) = state.media.delete(&key).await {
            tracing::warn!(error = %gone, key, "an orphaned upload was not removed");
        }
        return Err(e.into());
    }
    Ok(Uploaded {
        url: public_url(state, ctx.tenant_id(), &token),
        id,
        kind,
        content_type,
    })
}

/// Answers a request for a public media address: the file, or 404 for
/// anything else (an unknown token says nothing about what exists).
pub async fn serve(state: &AppState, tenant_id: &str, token: &str, request: Request<Body>) -> Response {
    let found: Result<Option<(String, String)>, sqlx::Error> =
        sqlx::query_as("select storage_key, content_type from social_media where tenant_id = $1 and public_token = $2")
            .bind(tenant_id)
            .bind(token)
            .fetch_optional(&state.db.pool)
            .await;
    let (key, content_type) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not look up a media file");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let mut response = state.media.respond(&key, &content_type, request).await;
    harden(&mut response);
    response
}
