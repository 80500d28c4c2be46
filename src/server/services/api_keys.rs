//! API keys: made by members for programs, shown once, stored as a hash
//! (`auth::api_key` finds and checks them on each request), listed with
//! their prefix and last use, and revoked. Members see and revoke their
//! own keys; admins and owners everyone's. Keys cannot make keys.

use crate::app::types::{ApiKeyList, ApiKeySummary, AuditAction, CreatedApiKey, Permission, Scope, UserId};
use crate::server::auth::api_key::{key_hash, new_key, parse_scopes};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, Where};
use crate::server::domain::format_in_zone;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::audit::{self, Event};
use crate::server::state::AppState;

pub const PER_PAGE: i64 = 50;
/// The longest expiry a key may be given, in days.
pub const MAX_DAYS: i64 = 3 * 365;

/// A key to make, parsed from what the form or the API sent.
pub struct NewApiKey {
    name: String,
    scopes: Vec<Scope>,
    expires_in_days: Option<i64>,
}

impl NewApiKey {
    /// `scopes` are names (`read`, `write`, `admin`); `expires_in_days`
    /// empty means never.
    pub fn parse(name: &str, scopes: &[String], expires_in_days: &str) -> ServerResult<NewApiKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(ServerError::Validation(
                "Give the key a name of 1 to 60 characters.".into(),
            ));
        }
        let mut parsed = Vec::new();
        for s in scopes
            .iter()
            .flat_map(|s| s.split([' ', ',']))
            .filter(|s| !s.is_empty())
        {
            let scope = Scope::parse(s)
                .ok_or_else(|| ServerError::Validation(format!("{s:?} is not a scope: use read, write or admin.")))?;
            if !parsed.contains(&scope) {
                parsed.push(scope);
            }
        }
        if parsed.is_empty() {
            return Err(ServerError::Validation("Choose at least one scope.".into()));
        }
        parsed.sort();
        let expires_in_days = match expires_in_days.trim() {
            "" => None,
            days => match days.parse::<i64>() {
                Ok(n) if (1..=MAX_DAYS).contains(&n) => Some(n),
                _ => {
                    return Err(ServerError::Validation(format!(
                        "The expiry is a number of days from 1 to {MAX_DAYS}, or empty for never."
                    )))
                }
            },
        };
        Ok(NewApiKey {
            name: name.to_owned(),
            scopes: parsed,
            expires_in_days,
        })
    }
}

fn scope_text(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// Makes a key that acts as the signed-in member; answers its full text,
/// which is not kept.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn create(ctx: &TenantContext, state: &AppState, input: NewApiKey) -> ServerResult<CreatedApiKey> {
    ctx.require(Permission::ManageApiKeys)?;
    if ctx.api_key_id().is_some() {
        return Err(ServerError::Forbidden);
    }
    let user_id = ctx.member()?;
    let (id, (key, prefix), at) = (new_id(), new_key(), now());
    let role = ctx.role().ok_or(ServerError::Forbidden)?;
    if let Some(too_wide) = input.scopes.iter().find(|s| !s.fits(role)) {
        return Err(ServerError::Validation(format!(
            "As {} you cannot give a key the {} scope.",
            role.label().to_lowercase(),
            too_wide.as_str()
        )));
    }
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into api_key (id, tenant_id, name, prefix, key_hash, scopes, created_by, created_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(&input.name)
    .bind(&prefix)
    .bind(key_hash(&key))
    .bind(scope_text(&input.scopes))
    .bind(user_id)
    .bind(at)
    .bind(input.expires_in_days.map(|d| at + d * 86_400))
    .execute(&mut *tx)
    .await?;
    let event = Event::new(AuditAction::ApiKeyCreated, "api_key", &id).detail(format!(
        "{} ({prefix}…), {}",
        input.name,
        scope_text(&input.scopes)
    ));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(CreatedApiKey { id, key, prefix })
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    scopes: String,
    created_by: UserId,
    creator: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    last_used_ip: String,
    revoked_at: Option<i64>,
}

impl KeyRow {
    fn summary(self, viewer: &UserId, sees_all: bool, at: i64) -> ApiKeySummary {
        let when = |t: i64| format_in_zone(t, chrono_tz::UTC);
        let expired = self.expires_at.is_some_and(|e| e <= at);
        ApiKeySummary {
            expiry: match self.expires_at {
                None => "Never expires".into(),
                Some(e) if expired => format!("Expired {}", when(e)),
                Some(e) => format!("Expires {}", when(e)),
            },
            last_used: match self.last_used_at {
                None => "Never used".into(),
                Some(t) => format!("Last used {} from {}", when(t), self.last_used_ip),
            },
            can_revoke: self.revoked_at.is_none() && (sees_all || self.created_by == *viewer),
            revoked: self.revoked_at.is_some(),
            expired,
            created: when(self.created_at),
            scopes: parse_scopes(&self.scopes),
            id: self.id,
            name: self.name,
            prefix: self.prefix,
            created_by: self.creator,
        }
    }
}

/// The viewer's keys, or every key of the workspace for admins; newest first.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn list(ctx: &TenantContext, state: &AppState, page: i64) -> ServerResult<ApiKeyList> {
    ctx.require(Permission::ViewWorkspace)?;
    let viewer = ctx.member()?.clone();
    let sees_all = ctx.can(Permission::ManageMembers);
    let mut clause = Where::new_text("k.tenant_id = ", ctx.tenant_id().as_str());
    if !sees_all {
        clause.text("k.created_by = ", viewer.as_str());
    }
    let query = (
        "k.id, k.name, k.prefix, k.scopes, k.created_by, u.email as creator, k.created_at, k.expires_at, \
         k.last_used_at, k.last_used_ip, k.revoked_at",
        "from api_key k join app_user u on u.id = k.created_by",
        "k.created_at desc, k.id desc",
    );
    let found = clause
        .fetch_page::<KeyRow>(&state.db.pool, query, PER_PAGE, page)
        .await?;
    let at = now();
    Ok(ApiKeyList {
        keys: found
            .rows
            .into_iter()
            .map(|r| r.summary(&viewer, sees_all, at))
            .collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
        sees_all,
        can_create: ctx.can(Permission::ManageApiKeys) && !ctx.is_support_view(),
        max_scope: ctx.role().map(Scope::widest_for).unwrap_or(Scope::Read),
        draft: Default::default(),
    })
}

/// Ends a key at once. Anyone may end their own keys (a viewer too: ending
/// is never a risk); owners and admins anyone's, an owner's included, since
/// revoking only takes power away. Someone else's key is NotFound to others.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn revoke(ctx: &TenantContext, state: &AppState, key_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ViewWorkspace)?;
    if ctx.is_support_view() {
        return Err(ServerError::Forbidden);
    }
    let viewer = ctx.member()?;
    let anyone = ctx.can(Permission::ManageMembers);
    let mut tx = state.db.begin_write().await?;
    let revoked: Option<(String, String)> = sqlx::query_as(
        "update api_key set revoked_at = $1 where tenant_id = $2 and id = $3 and revoked_at is null \
         and ($4 = 1 or created_by = $5) returning name, prefix",
    )
    .bind(now())
    .bind(ctx.tenant_id())
    .bind(key_id)
    .bind(i64::from(anyone))
    .bind(viewer)
    .fetch_optional(&mut *tx)
    .await?;
    let (name, prefix) = revoked.ok_or(ServerError::NotFound)?;
    let event = Event::new(AuditAction::ApiKeyRevoked, "api_key", key_id).detail(format!("{name} ({prefix}…)"));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_new_key_needs_a_name_a_known_scope_and_a_sane_expiry() {
        let ok = NewApiKey::parse(" Zapier ", &strings(&["write", "read", "write"]), "30").unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.scopes.clone(), ok.expires_in_days),
            ("Zapier", vec![Scope::Read, Scope::Write], Some(30))
        );
        assert_eq!(
            NewApiKey::parse("x", &strings(&["read admin"]), "").unwrap().scopes,
            vec![Scope::Read, Scope::Admin]
        );
        assert!(NewApiKey::parse("", &strings(&["read"]), "").is_err());
        assert!(NewApiKey::parse("x", &strings(&[]), "").is_err());
        assert!(NewApiKey::parse("x", &strings(&["root"]), "").is_err());
        assert!(NewApiKey::parse("x", &strings(&["read"]), "0").is_err());
        assert!(NewApiKey::parse("x", &strings(&["read"]), "9999").is_err());
        assert!(NewApiKey::parse("x", &strings(&["read"]), "soon").is_err());
    }
}
