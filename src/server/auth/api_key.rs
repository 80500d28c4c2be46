//! API credentials: `Authorization: Bearer ap_live_…`. A key is found by
//! its SHA-256 and acts for its workspace as the member who made it: with
//! their role as it is now (a demotion limits the key at once, leaving the
//! workspace ends it) and within the key's scopes.

use super::{Origin, TenantContext};
use crate::app::types::{Role, Scope, TenantId, UserId};
use crate::server::db::now;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use sha2::{Digest, Sha256};

/// Every key starts with this, so a leaked one is recognisable (secret
/// scanners match on such prefixes).
pub const KEY_PREFIX: &str = "ap_live_";
/// How long a key's last use may be stale before it is written again, so
/// a busy key does not write on every request.
const LAST_USE_EVERY_SECONDS: i64 = 60;

/// What is stored of a key.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new key, and the part of it lists show.
pub fn new_key() -> (String, String) {
    let key = format!("{KEY_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
    let shown = key[..KEY_PREFIX.len() + 8].to_owned();
    (key, shown)
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    tenant_id: TenantId,
    created_by: UserId,
    scopes: String,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    last_used_ip: String,
    role: Option<String>,
    workspace_suspended_at: Option<i64>,
    user_suspended_at: Option<i64>,
}

/// Parses the stored scope list.
pub fn parse_scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// The scope of a request that carried `key`. Unknown, revoked and expired
/// keys, suspended creators and creators no longer in the workspace all
/// answer Unauthorized alike.
pub async fn context_for_key(state: &AppState, key: &str, origin: Origin) -> ServerResult<TenantContext> {
    if !key.starts_with(KEY_PREFIX) {
        return Err(ServerError::Unauthorized);
    }
    let row: Option<KeyRow> = sqlx::query_as(
        "select k.id, k.tenant_id, k.created_by, k.scopes, k.expires_at, k.revoked_at, k.last_used_at, \
         k.last_used_ip, m.role, t.suspended_at as workspace_suspended_at, u.suspended_at as user_suspended_at \
         from api_key k join tenant t on t.id = k.tenant_id join app_user u on u.id = k.created_by \
         left join membership m on m.tenant_id = k.tenant_id and m.user_id = k.created_by where k.key_hash = $1",
    )
    .bind(key_hash(key))
    .fetch_optional(&state.db.pool)
    .await?;
    let at = now();
    let row = row.ok_or(ServerError::Unauthorized)?;
    let usable = row.revoked_at.is_none() && row.expires_at.is_none_or(|e| e > at) && row.user_suspended_at.is_none();
    let role = row.role.as_deref().and_then(Role::parse);
    let (Some(role), true) = (role, usable) else {
        return Err(ServerError::Unauthorized);
    };
    if row.last_used_ip != origin.ip || row.last_used_at.is_none_or(|t| t + LAST_USE_EVERY_SECONDS <= at) {
        // Best effort: a busy database must not fail the call over a note.
        let noted = sqlx::query("update api_key set last_used_at = $1, last_used_ip = $2 where id = $3")
            .bind(at)
            .bind(&origin.ip)
            .bind(&row.id)
            .execute(&state.db.pool)
            .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e, key_id = %row.id, "could not note an API key's use");
        }
    }
    let scopes = parse_scopes(&row.scopes);
    Ok(
        TenantContext::of_api_key(row.tenant_id, row.created_by, role, row.id, scopes)
            .suspended(row.workspace_suspended_at.is_some())
            .with_origin(origin),
    )
}
