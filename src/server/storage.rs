//! Where uploaded media live. Instagram and TikTok fetch media by URL, so
//! a store must keep bytes and answer HTTP GETs for them (with ranges:
//! video fetchers ask for parts). `DiskStore` keeps files under MEDIA_DIR;
//! an S3-compatible store would implement the same trait, answering with
//! a redirect to a presigned address instead.

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use tower::ServiceExt;

#[async_trait::async_trait]
pub trait MediaStore: Send + Sync + 'static {
    /// Keeps `bytes` under `key`, whole or not at all.
    async fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()>;

    async fn delete(&self, key: &str) -> std::io::Result<()>;

    /// Answers a GET (or HEAD) for the object under `key` as `content_type`.
    async fn respond(&self, key: &str, content_type: &str, request: Request<Body>) -> Response;
}

/// Files under one directory; keys are our own (`tenant/id`), checked anyway.
#[derive(Debug, Clone)]
pub struct DiskStore {
    root: PathBuf,
}

impl DiskStore {
    pub fn new(root: impl Into<PathBuf>) -> DiskStore {
        DiskStore { root: root.into() }
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        let safe = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !safe {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a media key"));
        }
        Ok(self.root.join(Path::new(key)))
    }
}

#[async_trait::async_trait]
impl MediaStore for DiskStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // Written aside and renamed, so a reader never sees half a file.
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await
    }

    async fn delete(&self, key: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    async fn respond(&self, key: &str, content_type: &str, request: Request<Body>) -> Response {
        let Ok(path) = self.path(key) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let Ok(mime) = HeaderValue::from_str(content_type) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        // ServeFile answers ranges, HEAD and conditional requests; the type
        // is the one recognised at upload, not guessed from a name.
        let Ok(mut response) = tower_http::services::ServeFile::new(path).oneshot(request).await;
        if response.status().is_success() {
            response.headers_mut().insert(header::CONTENT_TYPE, mime);
        }
        response.map(Body::new)
    }
}

/// Headers every media answer carries: cacheable, never sniffed or run.
pub fn harden(response: &mut Response) {
    let ok = response.status().is_success();
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    if ok {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    }
}
