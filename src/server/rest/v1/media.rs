//! `/api/v1/media`: photos and videos for social posts, uploaded as the
//! request's body (no multipart), recognised by their bytes.

use super::{ApiError, Caller, ErrorBody, Params};
use crate::app::types::Permission;
use crate::server::auth::throttle::{self, Action};
use crate::server::auth::TenantContext;
use crate::server::domain::social_post::VIDEO_BYTES;
use crate::server::services::social::media;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, for people (optional).
    #[serde(default)]
    name: Option<String>,
}

/// An uploaded file and the public address the platforms fetch it from.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MediaUpload {
    id: String,
    /// `image` or `video`.
    kind: String,
    content_type: String,
    /// Public, unguessable: Instagram and TikTok fetch media from it.
    url: String,
}

/// Uploads a photo (JPEG or PNG, up to 8 MB) or video (MP4 or MOV, up to
/// 100 MB) as the request body. The type is read from the bytes.
#[utoipa::path(post, path = "/media", operation_id = "upload_media", tag = "social", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Kept", body = MediaUpload),
        (status = 413, description = "Larger than any upload may be", body = ErrorBody),
        (status = 422, description = "Not a photo or video we publish, or too large for its kind", body = ErrorBody),
    ))]
pub async fn upload(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Params(q): Params<UploadQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<MediaUpload>), ApiError> {
    receive(&ctx, &state, q.name.as_deref().unwrap_or_default(), &headers, body).await
}

/// Reads and keeps an upload sent as a request's body: the REST API's
/// route and the composer's (the session's) both answer with this.
pub async fn receive(
    ctx: &TenantContext,
    state: &AppState,
    name: &str,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<MediaUpload>), ApiError> {
    // Refused before a byte is read: who may not upload, and what says
    // it is larger than any upload may be.
    ctx.require(Permission::CreateContent)?;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("Uploads are at most {} MB.", VIDEO_BYTES / 1_048_576),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > VIDEO_BYTES as u64) {
        return Err(too_large());
    }
    // Each upload may hold up to 100 MB in memory while it is checked.
    throttle::action(&state.db, ctx, Action::Upload).await?;
    // Read here with the largest upload's limit (extractors stop at 2 MB).
    let bytes = axum::body::to_bytes(body, VIDEO_BYTES).await.map_err(|e| {
        tracing::info!(error = %e, "an upload was not read");
        too_large()
    })?;
    let kept = media::upload(ctx, state, name, &bytes).await?;
    Ok((
        StatusCode::CREATED,
        Json(MediaUpload {
            id: kept.id,
            kind: kept.kind.as_str().into(),
            content_type: kept.content_type.into(),
            url: kept.url,
        }),
    ))
}
