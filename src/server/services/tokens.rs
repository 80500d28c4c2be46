//! Signing in to the REST API with a password: a short-lived access token
//! (a JWT, `auth::jwt`) and a refresh token that is spent on every use and
//! replaced by the next one of its family. A spent refresh token presented
//! again means someone kept a copy, so its whole family is revoked, the
//! access tokens naming it included. Only refresh tokens' SHA-256 is kept.

use crate::app::types::{Role, TenantId, UserId};
use crate::server::auth::jwt::Claims;
use crate::server::auth::{membership, Origin};
use crate::server::db::{new_id, now};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::accounts::{self, NewAccount, SignedIn};
use crate::server::state::AppState;
use sha2::{Digest, Sha256};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Every refresh token starts with this, so a leaked one is recognisable.
pub const REFRESH_PREFIX: &str = "ap_rt_";

/// What a sign-in or a refresh hands out. (No Debug: it holds the tokens.)
#[derive(Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Issued {
    /// A JWT: send it as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = String)]
    pub token_type: &'static str,
    /// Seconds the access token lasts.
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
    pub user_id: UserId,
    pub workspace_id: TenantId,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Signs in with email and password, into `workspace` or the user's first.
/// The password check is the sign-in form's: throttled and audited alike.
pub async fn login(
    state: &AppState,
    origin: &Origin,
    email: &str,
    password: &str,
    workspace: Option<&TenantId>,
) -> ServerResult<Issued> {
    let who = accounts::authenticate(state, origin, email, password).await?;
    let ctx = membership(&state.db, &who.user_id, workspace)
        .await?
        .ok_or_else(|| match workspace {
            Some(_) => ServerError::NotFound,
            None => {
                ServerError::Conflict("This account belongs to no workspace yet. Start one in the app first.".into())
            }
        })?;
    start_family(state, &who, ctx.tenant_id()).await
}

/// Creates the account and its first workspace, as the sign-up form does,
/// and signs in to it.
pub async fn register(state: &AppState, origin: &Origin, input: NewAccount) -> ServerResult<Issued> {
    let who = accounts::sign_up(state, &origin.ip, input).await?;
    let tenant_id = who
        .tenant_id
        .clone()
        .ok_or_else(|| ServerError::internal("sign-up made no workspace"))?;
    start_family(state, &who, &tenant_id).await
}

async fn start_family(state: &AppState, who: &SignedIn, tenant_id: &TenantId) -> ServerResult<Issued> {
    let family = Family {
        id: new_id(),
        user_id: who.user_id.clone(),
        tenant_id: tenant_id.clone(),
        session_epoch: who.session_epoch,
    };
    let mut tx = state.db.begin_write().await?;
    let issued = family.issue(state, &mut tx).await?;
    tx.commit().await?;
    Ok(issued)
}

/// One sign-in's chain of refresh tokens.
struct Family {
    id: String,
    user_id: UserId,
    tenant_id: TenantId,
    session_epoch: i64,
}

impl Family {
    /// Adds the family's next refresh token and signs an access token.
    async fn issue(&self, state: &AppState, tx: &mut Tx) -> ServerResult<Issued> {
        let at = now();
        let refresh_lifetime = state.config.jwt.refresh_days * 86_400;
        let refresh_token = format!("{REFRESH_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
        sqlx::query(
            "insert into refresh_token (id, family_id, tenant_id, user_id, token_hash, session_epoch, created_at, \
             expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(&self.id)
        .bind(&self.tenant_id)
        .bind(&self.user_id)
        .bind(token_hash(&refresh_token))
        .bind(self.session_epoch)
        .bind(at)
        .bind(at + refresh_lifetime)
        .execute(&mut **tx)
        .await?;
        let claims = Claims {
            sub: self.user_id.clone(),
            tid: self.tenant_id.clone(),
            sid: self.id.clone(),
            ep: self.session_epoch,
            iat: at,
            exp: at + state.tokens.lifetime,
            jti: hex::encode(rand::random::<[u8; 16]>()),
        };
        Ok(Issued {
            access_token: state.tokens.sign(&claims),
            token_type: "Bearer",
            expires_in: state.tokens.lifetime,
            refresh_token,
            refresh_expires_in: refresh_lifetime,
            user_id: self.user_id.clone(),
            workspace_id: self.tenant_id.clone(),
        })
    }

    async fn revoke(&self, tx: &mut Tx) -> ServerResult<()> {
        sqlx::query("update refresh_token set revoked_at = $1 where family_id = $2 and revoked_at is null")
            .bind(now())
            .bind(&self.id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    id: String,
    family_id: String,
    tenant_id: TenantId,
    user_id: UserId,
    session_epoch: i64,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// A family is revoked as a whole, so one revoked token revokes it: this
/// holds even for a token a racing refresh added after the revocation read
/// the family (READ COMMITTED on PostgreSQL).
async fn family_revoked(tx: &mut Tx, family_id: &str) -> ServerResult<bool> {
    let (revoked,): (i64,) =
        sqlx::query_as("select count(*) from refresh_token where family_id = $1 and revoked_at is not null")
            .bind(family_id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(revoked > 0)
}

/// Spends a refresh token for a new pair. Unknown, expired and revoked
/// tokens, and users who since left, were suspended or signed out
/// everywhere, all answer Unauthorized; a token spent before revokes its
/// family first.
pub async fn refresh(state: &AppState, token: &str) -> ServerResult<Issued> {
    let mut tx = state.db.begin_write().await?;
    let row: Option<RefreshRow> = sqlx::query_as(
        "select id, family_id, tenant_id, user_id, session_epoch, expires_at, used_at, revoked_at \
         from refresh_token where token_hash = $1",
    )
    .bind(token_hash(token.trim()))
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or(ServerError::Unauthorized)?;
    let at = now();
    if row.revoked_at.is_some() || row.expires_at <= at || family_revoked(&mut tx, &row.family_id).await? {
        return Err(ServerError::Unauthorized);
    }
    let family = Family {
        id: row.family_id,
        user_id: row.user_id,
        tenant_id: row.tenant_id,
        session_epoch: row.session_epoch,
    };
    // Spent only if nobody spent or revoked it first: on PostgreSQL this
    // update waits for a racing refresh or revocation and then re-reads the
    // row, so two refreshes racing count as reuse and a revocation wins.
    let spent =
        sqlx::query("update refresh_token set used_at = $1 where id = $2 and used_at is null and revoked_at is null")
            .bind(at)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
    if row.used_at.is_some() || !spent {
        tracing::warn!(family_id = %family.id, user_id = %family.user_id, "a spent refresh token came back; its family is revoked");
        family.revoke(&mut tx).await?;
        tx.commit().await?;
        return Err(ServerError::Unauthorized);
    }
    let standing: Option<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "select u.session_epoch, u.suspended_at, m.role from app_user u \
         left join membership m on m.user_id = u.id and m.tenant_id = $2 where u.id = $1",
    )
    .bind(&family.user_id)
    .bind(&family.tenant_id)
    .fetch_optional(&mut *tx)
    .await?;
    let still = matches!(&standing, Some((epoch, None, Some(role)))
        if *epoch == family.session_epoch && Role::parse(role).is_some());
    if !still {
        family.revoke(&mut tx).await?;
        tx.commit().await?;
        return Err(ServerError::Unauthorized);
    }
    let issued = family.issue(state, &mut tx).await?;
    tx.commit().await?;
    Ok(issued)
}

/// Ends the sign-in a refresh token belongs to: every token of its family,
/// and the access tokens naming it. Unknown tokens are not an error, so
/// revoking says nothing about which tokens exist (RFC 7009 2.2).
pub async fn revoke(state: &AppState, token: &str) -> ServerResult<()> {
    sqlx::query(
        "update refresh_token set revoked_at = $1 where revoked_at is null and family_id = \
         (select family_id from refresh_token where token_hash = $2)",
    )
    .bind(now())
    .bind(token_hash(token.trim()))
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Forgets refresh tokens past their expiry (housekeeping).
pub async fn sweep(state: &AppState) -> ServerResult<u64> {
    let done = sqlx::query("delete from refresh_token where expires_at < $1")
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    Ok(done.rows_affected())
}
