//! Salla's easy mode and Salla's webhooks. In the easy mode the merchant
//! installs the app from Salla's app store and Salla posts the store's
//! tokens to Autopilot (`app.store.authorize`), naming the merchant but no
//! workspace. So the workspace that starts an install is given a one-time
//! code, which the merchant enters in the app's settings in Salla
//! (`app.settings.updated`); the two deliveries meet in `salla_delivery`,
//! in whichever order they come, and the store connects in the name of the
//! member who started the install. A code matches one workspace only, lasts
//! an hour, and cannot be guessed (8 of 31 letters and digits, about 40
//! bits; one try per delivery, and only Salla can deliver).
//!
//! Every delivery is checked first: `X-Salla-Signature` is the hex
//! HMAC-SHA256 of the raw body with SALLA_WEBHOOK_SECRET.

use super::salla::{self, PLATFORM};
use super::sync;
use crate::app::types::{PendingInstall, Permission, TenantId, UserId};
use crate::server::auth::TenantContext;
use crate::server::clients::salla::{Grant, Merchant};
use crate::server::db::{new_id, now};
use crate::server::error::{ServerError, ServerResult};
use crate::server::secrets::Binding;
use crate::server::state::AppState;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The field of the app's settings form in Salla that carries the code.
pub const SETTINGS_FIELD: &str = "autopilot_code";
/// How long an install code, and an unclaimed delivery, are kept.
const KEPT_SECONDS: i64 = 3_600;
/// Letters and digits that cannot be misread for one another.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const DELIVERED_ACCESS: &str = "salla-delivered-access";
const DELIVERED_REFRESH: &str = "salla-delivered-refresh";

fn delivered<'a>(merchant_id: &'a str, which: &'a str) -> Binding<'a> {
    // Not a workspace's yet: bound to the merchant alone.
    Binding {
        purpose: which,
        tenant_id: "salla",
        row_id: merchant_id,
    }
}

/// "abcd-efgh " → "ABCDEFGH".
fn normalized(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn shown(code: &str) -> String {
    match code.len() {
        8 => format!("{}-{}", &code[..4], &code[4..]),
        _ => code.to_string(),
    }
}

/// Starts an easy-mode install: a fresh code for this workspace (any
/// earlier open one is replaced).
pub async fn start(ctx: &TenantContext, state: &AppState) -> ServerResult<PendingInstall> {
    ctx.require(Permission::ManageSites)?;
    salla::app(state)?;
    if state.config.salla.webhook_secret.is_none() {
        return Err(ServerError::Conflict(
            "Installing from Salla's app store needs SALLA_WEBHOOK_SECRET on this server; connect with Salla's \
             sign-in instead."
                .into(),
        ));
    }
    let user = ctx.member()?;
    // Bytes past the last whole multiple of the alphabet are drawn again,
    // so every letter is as likely.
    let fair = 256 - 256 % ALPHABET.len();
    let code: String = std::iter::repeat_with(rand::random::<u8>)
        .map(usize::from)
        .filter(|b| *b < fair)
        .take(8)
        .map(|b| char::from(ALPHABET[b % ALPHABET.len()]))
        .collect();
    let at = now();
    let mut tx = state.db.begin_write().await?;
    sqlx::query("delete from store_install where (tenant_id = $1 and store_id is null) or expires_at < $2")
        .bind(ctx.tenant_id())
        .bind(at)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into store_install (id, tenant_id, user_id, code, created_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(ctx.tenant_id())
    .bind(user)
    .bind(&code)
    .bind(at)
    .bind(at + KEPT_SECONDS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(PendingInstall {
        code: shown(&code),
        expires_at: at + KEPT_SECONDS,
        error: String::new(),
    })
}

/// The workspace's open install, for the Stores page.
pub async fn pending(ctx: &TenantContext, state: &AppState) -> ServerResult<Option<PendingInstall>> {
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "select code, expires_at, error from store_install where tenant_id = $1 and store_id is null \
         and expires_at > $2 order by created_at desc limit 1",
    )
    .bind(ctx.tenant_id())
    .bind(now())
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(row.map(|(code, expires_at, error)| PendingInstall {
        code: shown(&code),
        expires_at,
        error,
    }))
}

/// Why a delivery was refused before it was read.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("SALLA_WEBHOOK_SECRET is not set")]
    NotConfigured,
    #[error("the signature does not match")]
    Signature,
    #[error("the body is not a Salla event")]
    Malformed,
    #[error(transparent)]
    Server(#[from] ServerError),
}

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Kept until the other half of an install arrives.
    Waiting,
    Ignored,
}

/// Checks and applies one of Salla's deliveries.
pub async fn receive(state: &AppState, signature: Option<&str>, body: &[u8]) -> Result<Outcome, WebhookError> {
    let secret = state
        .config
        .salla
        .webhook_secret
        .as_deref()
        .ok_or(WebhookError::NotConfigured)?;
    let signature = signature
        .and_then(|s| hex::decode(s.trim()).ok())
        .ok_or(WebhookError::Signature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| WebhookError::NotConfigured)?;
    mac.update(body);
    // Constant time: the comparison tells nothing of how much matched.
    mac.verify_slice(&signature).map_err(|_| WebhookError::Signature)?;
    let event: Value = serde_json::from_slice(body).map_err(|_| WebhookError::Malformed)?;
    let name = event["event"].as_str().ok_or(WebhookError::Malformed)?;
    let merchant = match &event["merchant"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(WebhookError::Malformed),
    };
    let data = &event["data"];
    let outcome = match name {
        "app.store.authorize" => {
            // Salla's delivery says when its token runs out (`expires`); the
            // late-delivery check compares it, so one without it is refused
            // rather than given a made-up expiry that would always look new.
            let grant = Grant::from_json(data, now())
                .filter(|g| !g.refresh_token.is_empty() && !data["expires"].is_null())
                .ok_or(WebhookError::Malformed)?;
            authorized(state, &merchant, &grant).await?
        }
        "app.settings.updated" => match data["settings"][SETTINGS_FIELD].as_str().map(normalized) {
            Some(code) if !code.is_empty() => settled(state, &merchant, &code).await?,
            _ => Outcome::Ignored,
        },
        "app.uninstalled" => {
            salla::uninstalled(state, &merchant).await?;
            Outcome::Applied
        }
        "product.created" | "product.updated" => {
            sync::product_changed(state, &merchant, data).await?;
            Outcome::Applied
        }
        "product.deleted" => {
            let id = match &data["id"] {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => return Err(WebhookError::Malformed),
            };
            sync::product_deleted(state, &merchant, &id).await?;
            Outcome::Applied
        }
        _ => Outcome::Ignored,
    };
    tracing::info!(event = name, merchant = %merchant, ?outcome, "Salla event received");
    Ok(outcome)
}

/// `app.store.authorize`: tokens for a merchant. The store connected in a
/// workspace (one at most: `store_salla_live_idx`) takes them at once,
/// unless they are older than what it holds (a delivery Salla sent again
/// late); otherwise they wait for the code, which alone says which
/// workspace a store joins.
async fn authorized(state: &AppState, merchant_id: &str, grant: &Grant) -> ServerResult<Outcome> {
    let linked: Option<(TenantId, String, Option<i64>)> = sqlx::query_as(
        "select tenant_id, id, token_expires_at from store where platform = $1 and external_id = $2 \
         and status = 'connected'",
    )
    .bind(PLATFORM)
    .bind(merchant_id)
    .fetch_optional(&state.db.pool)
    .await?;
    if let Some((tenant_id, store_id, held)) = linked {
        if held.is_some_and(|held| held >= grant.expires_at) {
            return Ok(Outcome::Ignored);
        }
        let mut tx = state.db.begin_write().await?;
        // Still connected: a disconnect meanwhile is not undone.
        let still: Option<(String,)> =
            sqlx::query_as("select id from store where id = $1 and tenant_id = $2 and status = 'connected'")
                .bind(&store_id)
                .bind(&tenant_id)
                .fetch_optional(&mut *tx)
                .await?;
        if still.is_some() {
            salla::store_grant(state, &mut tx, &tenant_id, &store_id, grant).await?;
            tx.commit().await?;
            return Ok(Outcome::Applied);
        }
    }
    let seal = |value: &str, which| state.sealer.seal(value, &delivered(merchant_id, which));
    sqlx::query(
        "insert into salla_delivery (merchant_id, access_token_sealed, refresh_token_sealed, token_expires_at, \
         received_at) values ($1, $2, $3, $4, $5) on conflict (merchant_id) do update set \
         access_token_sealed = excluded.access_token_sealed, refresh_token_sealed = excluded.refresh_token_sealed, \
         token_expires_at = excluded.token_expires_at, received_at = excluded.received_at",
    )
    .bind(merchant_id)
    .bind(seal(&grant.access_token, DELIVERED_ACCESS))
    .bind(seal(&grant.refresh_token, DELIVERED_REFRESH))
    .bind(grant.expires_at)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    meet(state, merchant_id).await
}

/// `app.settings.updated` with a code.
async fn settled(state: &AppState, merchant_id: &str, code: &str) -> ServerResult<Outcome> {
    sqlx::query(
        "insert into salla_delivery (merchant_id, code, received_at) values ($1, $2, $3) \
         on conflict (merchant_id) do update set code = excluded.code, received_at = excluded.received_at",
    )
    .bind(merchant_id)
    .bind(code)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    meet(state, merchant_id).await
}

#[derive(sqlx::FromRow)]
struct Delivery {
    access_token_sealed: Option<String>,
    refresh_token_sealed: Option<String>,
    token_expires_at: Option<i64>,
    code: String,
}

/// Connects the merchant's store in the workspace whose code it gave, once
/// both the tokens and the code are here.
async fn meet(state: &AppState, merchant_id: &str) -> ServerResult<Outcome> {
    let at = now();
    sqlx::query("delete from salla_delivery where received_at < $1")
        .bind(at - KEPT_SECONDS)
        .execute(&state.db.pool)
        .await?;
    let delivery: Option<Delivery> = sqlx::query_as(
        "select access_token_sealed, refresh_token_sealed, token_expires_at, code from salla_delivery \
         where merchant_id = $1",
    )
    .bind(merchant_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(Delivery {
        access_token_sealed: Some(access),
        refresh_token_sealed: Some(refresh),
        token_expires_at: Some(expires_at),
        code,
    }) = delivery.filter(|d| !d.code.is_empty())
    else {
        return Ok(Outcome::Waiting);
    };
    let install: Option<(String, TenantId, UserId)> = sqlx::query_as(
        "select id, tenant_id, user_id from store_install where code = $1 and store_id is null and expires_at > $2",
    )
    .bind(&code)
    .bind(at)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((install_id, tenant_id, user_id)) = install else {
        tracing::info!(
            merchant = merchant_id,
            "a Salla install gave a code no workspace is waiting with"
        );
        return Ok(Outcome::Waiting);
    };
    let open = |sealed: &str, which| state.sealer.open(sealed, &delivered(merchant_id, which));
    let grant = Grant {
        access_token: open(&access, DELIVERED_ACCESS).map_err(ServerError::internal)?,
        refresh_token: open(&refresh, DELIVERED_REFRESH).map_err(ServerError::internal)?,
        expires_at,
    };
    let Some(ctx) = crate::server::auth::membership(&state.db, &user_id, Some(&tenant_id)).await? else {
        return refuse(
            state,
            (&install_id, &tenant_id),
            false,
            "The member who started this install has left the workspace.",
        )
        .await;
    };
    let merchant = match state.salla.merchant(&grant.access_token).await {
        Ok(merchant) if merchant.id == merchant_id => merchant,
        Ok(_) => {
            let why = "Salla named another store for these tokens.";
            return refuse(state, (&install_id, &tenant_id), false, why).await;
        }
        Err(e) => {
            tracing::warn!(error = %e, code = %e.code, "Salla did not name the installed store");
            Merchant {
                id: merchant_id.to_string(),
                name: format!("Salla store {merchant_id}"),
                domain: String::new(),
            }
        }
    };
    // Claimed, connected and settled on a task of its own: a delivery cut
    // off half-way (Salla's timeout, a shutdown) cannot leave the install
    // claimed and never finished.
    let claim = Claim {
        install_id,
        tenant_id,
        merchant_id: merchant_id.to_string(),
    };
    let state = state.clone();
    tokio::spawn(async move { connect_claimed(&state, &ctx, &claim, &grant, &merchant).await })
        .await
        .map_err(ServerError::internal)?
}

/// An open install a delivery matched.
struct Claim {
    install_id: String,
    tenant_id: TenantId,
    merchant_id: String,
}

async fn connect_claimed(
    state: &AppState,
    ctx: &TenantContext,
    claim: &Claim,
    grant: &Grant,
    merchant: &Merchant,
) -> ServerResult<Outcome> {
    // Claimed before connecting, so two deliveries at once connect once.
    let claimed =
        sqlx::query("update store_install set store_id = '' where id = $1 and tenant_id = $2 and store_id is null")
            .bind(&claim.install_id)
            .bind(&claim.tenant_id)
            .execute(&state.db.pool)
            .await?;
    if claimed.rows_affected() == 0 {
        return Ok(Outcome::Waiting);
    }
    let store_id = match salla::connect(ctx, state, grant, merchant).await {
        Ok(id) => id,
        Err(e) => {
            let why = match &e {
                ServerError::Conflict(why) => why.clone(),
                ServerError::Forbidden => "The member who started this install may no longer connect stores.".into(),
                _ => "Autopilot could not connect the store; enter the code in Salla again.".into(),
            };
            refuse(state, (&claim.install_id, &claim.tenant_id), true, &why).await?;
            return match e {
                ServerError::Conflict(_) | ServerError::Forbidden => Ok(Outcome::Waiting),
                other => Err(other),
            };
        }
    };
    sqlx::query("update store_install set store_id = $3, error = '' where id = $1 and tenant_id = $2")
        .bind(&claim.install_id)
        .bind(&claim.tenant_id)
        .bind(&store_id)
        .execute(&state.db.pool)
        .await?;
    sqlx::query("delete from salla_delivery where merchant_id = $1")
        .bind(&claim.merchant_id)
        .execute(&state.db.pool)
        .await?;
    Ok(Outcome::Applied)
}

/// An install that cannot connect says why on the Stores page and is open
/// (again, if `claimed` by this delivery); the delivery stays, so entering
/// the code again (after making room) works.
async fn refuse(
    state: &AppState,
    (install_id, tenant_id): (&str, &TenantId),
    claimed: bool,
    why: &str,
) -> ServerResult<Outcome> {
    let held = if claimed { "store_id = ''" } else { "store_id is null" };
    sqlx::query(&format!(
        "update store_install set store_id = null, error = $3 where id = $1 and tenant_id = $2 and {held}"
    ))
    .bind(install_id)
    .bind(tenant_id)
    .bind(why)
    .execute(&state.db.pool)
    .await?;
    Ok(Outcome::Waiting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_however_they_are_typed() {
        assert_eq!(normalized(" abcd-efgh "), "ABCDEFGH");
        assert_eq!(shown("ABCDEFGH"), "ABCD-EFGH");
    }
}
