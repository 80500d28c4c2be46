//! Salla stores: connecting one in Salla's custom mode (the merchant
//! approves the app on Salla's sign-in page and comes back with a code),
//! the tokens that act for it, and the signs that it stopped working.
//! The easy mode, where Salla delivers the tokens by webhook, is in
//! `install`; both end in `connect`.
//!
//! Tokens are sealed for their store's row. An access token lasts about 14
//! days; a refresh token works once, and spending one twice makes Salla
//! revoke the whole grant. So renewing runs through the job runner
//! (`store-token-refresh`, a day before expiry) under the store's token
//! lock, and the new pair is written as long as the stored refresh token is
//! still the one spent: a renewal whose lock ran out meanwhile still keeps
//! the newest token, the only one Salla will now accept.

use super::{catalogue, keep, FoundStore, StoreRow};
use crate::app::types::{Permission, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::clients::salla::{Grant, Merchant, SallaError};
use crate::server::config::AppCredentials;
use crate::server::db::{now, Tx};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::secrets::Binding;
use crate::server::services::sign_ins::{self, Callback};
use crate::server::state::AppState;
use tower_sessions::Session;

pub const PLATFORM: &str = "salla";
pub const REFRESH_KIND: &str = "store-token-refresh";
/// Renew this long before the access token runs out: a day, so a renewal
/// that Salla refuses for a while still has room to be retried.
const AHEAD_SECONDS: i64 = 86_400;
const ACCESS_TOKEN: &str = "store-access-token";
/// Why a renewal failed when Salla refused the app itself: the operator's
/// to fix, and no reason to ask the merchant to connect again.
const APP_REFUSED: &str = "Salla did not accept Autopilot's app credentials; the operator checks them.";
const REFRESH_TOKEN: &str = "store-refresh-token";

fn binding<'a>(tenant_id: &'a TenantId, store_id: &'a str, which: &'a str) -> Binding<'a> {
    Binding {
        purpose: which,
        tenant_id: tenant_id.as_str(),
        row_id: store_id,
    }
}

/// The app's credentials, or why Salla cannot be used on this server.
pub(super) fn app(state: &AppState) -> ServerResult<&AppCredentials> {
    state.config.salla.app.as_ref().ok_or_else(|| {
        ServerError::Conflict(
            "Salla is not set up on this server; the operator adds the Salla app's credentials first.".into(),
        )
    })
}

/// Where Salla sends the merchant back after approving the app.
pub fn redirect_uri(state: &AppState) -> String {
    format!("{}/app/stores/callback/salla", state.config.app_origin())
}

/// Starts the custom mode's sign-in: returns Salla's approval page, with a
/// `state` bound to this session, person and workspace for ten minutes.
pub async fn begin(ctx: &TenantContext, state: &AppState, session: &Session) -> ServerResult<String> {
    ctx.require(Permission::ManageSites)?;
    let app = app(state)?;
    let nonce = sign_ins::start(ctx, session, PLATFORM).await?;
    Ok(state.salla.authorize_url(app, &redirect_uri(state), &nonce))
}

/// Ends the custom mode's sign-in: the state must be this session's, once;
/// the code is traded for tokens on the server. Returns the store's id.
pub async fn finish(
    ctx: &TenantContext,
    state: &AppState,
    session: &Session,
    answer: Callback,
) -> ServerResult<String> {
    ctx.require(Permission::ManageSites)?;
    sign_ins::finish(ctx, session, PLATFORM, answer.state.as_deref()).await?;
    if let Some(error) = answer.error {
        tracing::info!(error = %error, "Salla sign-in refused");
        return Err(ServerError::BadRequest(if error == "access_denied" {
            "The Salla sign-in was cancelled; nothing was connected.".into()
        } else {
            "Salla did not complete the sign-in; nothing was connected.".into()
        }));
    }
    let code = answer
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ServerError::BadRequest("The sign-in came back without a code; start again.".into()))?;
    let app = app(state)?;
    let grant = state
        .salla
        .exchange(app, &code, &redirect_uri(state), now())
        .await
        .map_err(failed)?;
    let merchant = state.salla.merchant(&grant.access_token).await.map_err(failed)?;
    connect(ctx, state, &grant, &merchant).await
}

/// A Salla refusal as the person sees it; the cause goes to the log.
fn failed(e: SallaError) -> ServerError {
    tracing::warn!(error = %e, code = %e.code, status = ?e.status, "Salla refused a sign-in step");
    if e.is_transient() {
        ServerError::Conflict("Salla did not answer in time; try connecting again in a minute.".into())
    } else {
        ServerError::BadRequest("Salla did not accept the sign-in; nothing was connected. Start again.".into())
    }
}

/// Keeps the store a grant acts for in `ctx`'s workspace (within the
/// plan's limit), with its tokens sealed, its schedules attached, its
/// renewal and a first catalogue sync queued. Returns its id.
pub(super) async fn connect(
    ctx: &TenantContext,
    state: &AppState,
    grant: &Grant,
    merchant: &Merchant,
) -> ServerResult<String> {
    let found = FoundStore {
        platform: PLATFORM,
        external_id: merchant.id.clone(),
        name: if merchant.name.is_empty() {
            "Salla store".into()
        } else {
            merchant.name.clone()
        },
        domain: merchant.domain.clone(),
        currency: "SAR".into(),
    };
    let mut tx = state.db.begin_write().await?;
    let id = keep(ctx, state, &mut tx, &found).await?;
    store_grant(state, &mut tx, ctx.tenant_id(), &id, grant).await?;
    super::runs::attach(ctx, &mut tx, &id).await?;
    super::competitors::attach(ctx, &mut tx, &id).await?;
    super::sync::attach(ctx, &mut tx, &id).await?;
    tx.commit().await?;
    super::queue_now(state, ctx.tenant_id(), super::sync::KIND, &id).await?;
    Ok(id)
}

/// Writes a fresh grant on a store (a sign-in, an install or Salla
/// delivering tokens again) and queues its renewal. Clears the token lock:
/// a renewal under way belongs to the tokens it replaces.
pub(super) async fn store_grant(
    state: &AppState,
    tx: &mut Tx,
    tenant_id: &TenantId,
    store_id: &str,
    grant: &Grant,
) -> ServerResult<()> {
    sqlx::query(
        "update store set access_token_sealed = $3, refresh_token_sealed = $4, token_expires_at = $5, \
         token_lock = null, token_locked_until = null, updated_at = $6 where id = $1 and tenant_id = $2",
    )
    .bind(store_id)
    .bind(tenant_id)
    .bind(
        state
            .sealer
            .seal(&grant.access_token, &binding(tenant_id, store_id, ACCESS_TOKEN)),
    )
    .bind(
        state
            .sealer
            .seal(&grant.refresh_token, &binding(tenant_id, store_id, REFRESH_TOKEN)),
    )
    .bind(grant.expires_at)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    schedule_in(&mut **tx, state, tenant_id, store_id, grant.expires_at).await
}

/// Queues the renewal of an access token that runs out at `expires_at`.
async fn schedule_in<'e>(
    exec: impl sqlx::Executor<'e, Database = sqlx::Any>,
    state: &AppState,
    tenant_id: &TenantId,
    store_id: &str,
    expires_at: i64,
) -> ServerResult<()> {
    sign_ins::queue_renewal(
        exec,
        state,
        REFRESH_KIND,
        tenant_id,
        store_id,
        expires_at,
        AHEAD_SECONDS,
    )
    .await
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    platform: String,
    status: String,
    access_token_sealed: Option<String>,
    refresh_token_sealed: Option<String>,
    token_expires_at: Option<i64>,
}

async fn tokens(state: &AppState, tenant_id: &TenantId, store_id: &str) -> ServerResult<Option<TokenRow>> {
    Ok(sqlx::query_as(
        "select platform, status, access_token_sealed, refresh_token_sealed, token_expires_at from store \
         where id = $1 and tenant_id = $2",
    )
    .bind(store_id)
    .bind(tenant_id)
    .fetch_optional(&state.db.pool)
    .await?)
}

/// How a renewal went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// New tokens are stored; the access token lasts until then.
    Done { expires_at: i64 },
    /// Nothing to do: the token is fresh, or the store is not connected.
    NotDue,
    /// Another renewal holds the store's lock.
    Busy,
    /// Salla refused: the store now asks to be connected again.
    Revoked(String),
    /// Salla could not be reached or asked us to slow down.
    Later(String),
}

/// A connected Salla store with a refresh token, whose access token runs
/// out within the margin (or `force`: Salla refused it early).
fn due(row: &TokenRow, force: bool) -> bool {
    row.platform == PLATFORM
        && row.status == "connected"
        && row.refresh_token_sealed.is_some()
        && (force || row.token_expires_at.is_none_or(|at| at <= now() + AHEAD_SECONDS + 120))
}

/// Renews the store's tokens if they are due, one renewal at a time.
pub async fn refresh(state: &AppState, tenant_id: &TenantId, store_id: &str, force: bool) -> ServerResult<Refreshed> {
    if !tokens(state, tenant_id, store_id)
        .await?
        .is_some_and(|r| due(&r, force))
    {
        return Ok(Refreshed::NotDue);
    }
    let Some(lock) = sign_ins::lock(&state.db.pool, "store", tenant_id, store_id).await? else {
        return Ok(Refreshed::Busy);
    };
    // Spent, written and let go on a task of its own: a caller that gives
    // up (a request cancelled, a job's lease lost) cannot drop the new pair
    // between Salla's answer and the write, which would lose the grant.
    tokio::spawn({
        let (state, tenant_id, store_id) = (state.clone(), tenant_id.clone(), store_id.to_string());
        async move {
            let outcome = refresh_locked(&state, &tenant_id, &store_id, force).await;
            sign_ins::unlock(&state.db.pool, "store", &tenant_id, &store_id, &lock).await?;
            outcome
        }
    })
    .await
    .map_err(ServerError::internal)?
}

/// The renewal itself, under the lock: read the latest refresh token (the
/// previous holder may have just replaced it), spend it, keep the new pair.
async fn refresh_locked(
    state: &AppState,
    tenant_id: &TenantId,
    store_id: &str,
    force: bool,
) -> ServerResult<Refreshed> {
    let Some(current) = tokens(state, tenant_id, store_id).await?.filter(|r| due(r, force)) else {
        return Ok(Refreshed::NotDue);
    };
    let Ok(app) = app(state) else {
        return Ok(Refreshed::Later(
            "Salla's app credentials are not set on this server.".into(),
        ));
    };
    let spent = current.refresh_token_sealed.unwrap_or_default();
    let token = state
        .sealer
        .open(&spent, &binding(tenant_id, store_id, REFRESH_TOKEN))
        .map_err(ServerError::internal)?;
    let grant = match state.salla.refresh(app, &token, now()).await {
        Ok(grant) => grant,
        // invalid_client: the app's own credentials are wrong (the operator
        // rotated the secret), which says nothing about the store's grant.
        Err(e) if e.is_revoked() && e.code != "invalid_client" => {
            tracing::warn!(store_id, error = %e, code = %e.code, "Salla refused a refresh token");
            let reason = "Salla no longer accepts this store's sign-in (the app was removed or its permission \
                          withdrawn). Connect the store again.";
            // Only while the refused token is still the stored one: a
            // sign-in meanwhile brought tokens this refusal says nothing of.
            let marked = sqlx::query(
                "update store set status = 'reconnect', status_reason = $4, updated_at = $5 \
                 where id = $1 and tenant_id = $2 and refresh_token_sealed = $3 and status = 'connected'",
            )
            .bind(store_id)
            .bind(tenant_id)
            .bind(&spent)
            .bind(reason)
            .bind(now())
            .execute(&state.db.pool)
            .await?;
            return Ok(if marked.rows_affected() == 1 {
                Refreshed::Revoked(reason.into())
            } else {
                Refreshed::NotDue
            });
        }
        Err(e) if e.code == "invalid_client" => {
            tracing::error!(store_id, error = %e, "Salla refused the app's credentials: check SALLA_CLIENT_ID and SALLA_CLIENT_SECRET");
            return Ok(Refreshed::Later(APP_REFUSED.into()));
        }
        Err(e) => {
            tracing::warn!(store_id, error = %e, code = %e.code, "Salla token renewal failed; will try again");
            return Ok(Refreshed::Later(
                "Salla could not be reached to renew the store's sign-in.".into(),
            ));
        }
    };
    let seal = |value: &str, which: &str| state.sealer.seal(value, &binding(tenant_id, store_id, which));
    // Kept whenever the stored refresh token is still the one spent, lock
    // or no lock: Salla has retired it, and the new one is all there is.
    let (access, refresh) = (
        seal(&grant.access_token, ACCESS_TOKEN),
        seal(&grant.refresh_token, REFRESH_TOKEN),
    );
    // The new pair is the only one Salla now accepts: a write that fails
    // (a busy database) is tried again before the pair is given up.
    let mut tries = 0;
    let written = loop {
        let write = sqlx::query(
            "update store set access_token_sealed = $4, refresh_token_sealed = $5, token_expires_at = $6, \
             updated_at = $7 where id = $1 and tenant_id = $2 and refresh_token_sealed = $3",
        )
        .bind(store_id)
        .bind(tenant_id)
        .bind(&spent)
        .bind(&access)
        .bind(&refresh)
        .bind(grant.expires_at)
        .bind(now())
        .execute(&state.db.pool)
        .await;
        match write {
            Ok(written) => break written,
            Err(e) if tries < 3 => {
                tries += 1;
                tracing::warn!(store_id, error = %e, "could not keep a renewed Salla sign-in yet; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(250 * tries)).await;
            }
            Err(e) => {
                tracing::error!(
                    store_id,
                    error = %e,
                    "a renewed Salla sign-in could not be kept; the store must be connected again"
                );
                return Err(e.into());
            }
        }
    };
    if written.rows_affected() == 0 {
        // Disconnected or connected again meanwhile: those tokens replaced
        // the ones spent here, and this pair belongs to no one.
        tracing::info!(
            store_id,
            "a renewal finished after the store's tokens changed; its pair is dropped"
        );
        return Ok(Refreshed::NotDue);
    }
    schedule_in(&state.db.pool, state, tenant_id, store_id, grant.expires_at).await?;
    Ok(Refreshed::Done {
        expires_at: grant.expires_at,
    })
}

/// Why a store's Salla calls cannot be made now.
#[derive(Debug, Clone)]
pub(super) struct Unusable {
    /// In words, for a decision or the Stores page.
    pub why: String,
    /// Worth trying again shortly (a renewal under way, Salla unreachable);
    /// otherwise someone must connect the store again.
    pub passing: bool,
}

/// A store's status in words: "the store needs to be connected again".
pub(super) fn status_words(status: &str) -> String {
    match status {
        "reconnect" => "the store needs to be connected again".into(),
        "uninstalled" => "the app was removed from the store in Salla".into(),
        "disconnected" => "the store is disconnected".into(),
        other => format!("the store is {other}"),
    }
}

/// An access token to call Salla for the store with, renewed first when it
/// has run out.
pub(super) async fn access(
    state: &AppState,
    tenant_id: &TenantId,
    store_id: &str,
) -> ServerResult<Result<Access, Unusable>> {
    let unusable = |why: String, passing: bool| Ok(Err(Unusable { why, passing }));
    for _ in 0..2 {
        let Some(row) = tokens(state, tenant_id, store_id).await? else {
            return Err(ServerError::NotFound);
        };
        if row.status != "connected" {
            return unusable(status_words(&row.status), false);
        }
        let Some(sealed) = row.access_token_sealed else {
            return unusable("the store has no sign-in; connect it again".into(), false);
        };
        if row.token_expires_at.is_some_and(|at| at <= now() + 60) {
            match refresh(state, tenant_id, store_id, false).await? {
                Refreshed::Done { .. } | Refreshed::NotDue => continue,
                Refreshed::Busy => {
                    return unusable(
                        "the store's sign-in is being renewed; try again in a minute".into(),
                        true,
                    )
                }
                Refreshed::Later(why) => return unusable(why, true),
                Refreshed::Revoked(why) => return unusable(why, false),
            }
        }
        let token = state
            .sealer
            .open(&sealed, &binding(tenant_id, store_id, ACCESS_TOKEN))
            .map_err(ServerError::internal)?;
        return Ok(Ok(Access { token, sealed }));
    }
    unusable("the store's sign-in could not be renewed".into(), true)
}

/// A store's access token, and its sealed form (to tell, on a refusal,
/// whether the store was connected again since).
pub(super) struct Access {
    pub token: String,
    pub sealed: String,
}

/// Salla refused the access token a call used (401). Salla may retire a
/// token early, so when `may_renew`, the sign-in is renewed first: Ok(None)
/// then, and the call is worth one more try. Otherwise Ok(Some(why)): a
/// renewal under way or Salla unreachable is passing; a refused renewal
/// (which marks the store itself), or a second refusal of a fresh token,
/// stops the store's automation and asks for it to be connected again.
pub(super) async fn on_refusal(
    state: &AppState,
    tenant_id: &TenantId,
    store_id: &str,
    access: &Access,
    may_renew: bool,
) -> ServerResult<Option<Unusable>> {
    let passing = |why: &str| {
        Ok(Some(Unusable {
            why: why.into(),
            passing: true,
        }))
    };
    if may_renew {
        match refresh(state, tenant_id, store_id, true).await? {
            Refreshed::Done { .. } => return Ok(None),
            Refreshed::Revoked(why) => return Ok(Some(Unusable { why, passing: false })),
            Refreshed::Busy => return passing("the store's sign-in is being renewed; try again in a minute"),
            Refreshed::Later(why) => return passing(&why),
            Refreshed::NotDue => {}
        }
    }
    let Some(row) = tokens(state, tenant_id, store_id).await? else {
        return Err(ServerError::NotFound);
    };
    if row.status != "connected" {
        return Ok(Some(Unusable {
            why: status_words(&row.status),
            passing: false,
        }));
    }
    if row.access_token_sealed.as_deref() != Some(access.sealed.as_str()) {
        // Renewed or connected again meanwhile: the new token may work.
        return if may_renew {
            Ok(None)
        } else {
            passing("the store's sign-in changed; try again")
        };
    }
    let reason = "Salla refused the store's sign-in (the app was removed or its permission withdrawn). \
                  Connect the store again.";
    sqlx::query(
        "update store set status = 'reconnect', status_reason = $3, updated_at = $4 \
         where id = $1 and tenant_id = $2 and status = 'connected' and access_token_sealed = $5",
    )
    .bind(store_id)
    .bind(tenant_id)
    .bind(reason)
    .bind(now())
    .bind(&access.sealed)
    .execute(&state.db.pool)
    .await?;
    Ok(Some(Unusable {
        why: reason.into(),
        passing: false,
    }))
}

/// The merchant removed the app in Salla (`app.uninstalled`): every store
/// of that merchant stops, its tokens are cleared, and its page says so.
pub(super) async fn uninstalled(state: &AppState, merchant_id: &str) -> ServerResult<u64> {
    let done = sqlx::query(
        "update store set status = 'uninstalled', \
         status_reason = 'The app was removed from the store in Salla; install it again to resume.', \
         access_token_sealed = null, refresh_token_sealed = null, token_expires_at = null, token_lock = null, \
         token_locked_until = null, updated_at = $3 where platform = $1 and external_id = $2 \
         and status in ('connected', 'reconnect')",
    )
    .bind(PLATFORM)
    .bind(merchant_id)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    sqlx::query("delete from salla_delivery where merchant_id = $1")
        .bind(merchant_id)
        .execute(&state.db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// A product's live price in Salla, changed from `from` to `to` only if it
/// is still `from` when read just before. Ok(Err(why)) when it was not
/// changed. Salla has no conditional update, so a change the merchant
/// makes between the read and the write (a second or so) is the one case
/// this cannot see.
pub(super) async fn change_price(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    product_id: &str,
    from: i64,
    to: i64,
) -> ServerResult<Result<(), String>> {
    let (external_id, variant_id): (String, String) = sqlx::query_as(
        "select external_id, variant_id from store_product where id = $1 and tenant_id = $2 and store_id = $3",
    )
    .bind(product_id)
    .bind(tenant_id)
    .bind(&store.id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(ServerError::NotFound)?;
    for attempt in 0..2 {
        let access = match access(state, tenant_id, &store.id).await? {
            Ok(access) => access,
            Err(unusable) => return Ok(Err(unusable.why)),
        };
        let salla = &state.salla;
        let called = async {
            let live = salla.product(&access.token, &external_id).await?;
            let Some(item) = live.iter().find(|p| p.variant_id == variant_id) else {
                return Ok(Err(None));
            };
            if item.price != from {
                return Ok(Err(Some(item.price)));
            }
            salla.set_price(&access.token, &external_id, &variant_id, to).await?;
            Ok::<_, SallaError>(Ok(()))
        };
        let at = now();
        return match called.await {
            Ok(Ok(())) => {
                set_local_price(state, tenant_id, product_id, to, at).await?;
                Ok(Ok(()))
            }
            Ok(Err(Some(live))) => {
                // What the store shows now is what the catalogue shows too.
                set_local_price(state, tenant_id, product_id, live, at).await?;
                Ok(Err(super::live::changed_meanwhile(from, live)))
            }
            Ok(Err(None)) => Ok(Err("the product is gone from the store".into())),
            Err(e) if e.status == Some(404) => Ok(Err("the product is gone from the store".into())),
            Err(e) if e.is_revoked() => match on_refusal(state, tenant_id, &store.id, &access, attempt == 0).await? {
                None => continue,
                Some(unusable) => Ok(Err(unusable.why)),
            },
            Err(e) if e.is_rate_limited() => Ok(Err("Salla asked to slow down; try again in a minute".into())),
            Err(e) => {
                tracing::warn!(store_id = %store.id, error = %e, code = %e.code, "a Salla price change failed");
                Ok(Err("Salla did not take the price change".into()))
            }
        };
    }
    Ok(Err("Salla refused the store's sign-in twice".into()))
}

/// The catalogue's own copy of a price the store now has.
async fn set_local_price(
    state: &AppState,
    tenant_id: &TenantId,
    product_id: &str,
    price: i64,
    at: i64,
) -> ServerResult<()> {
    let done = sqlx::query(
        "update store_product set price = $3, updated_at = $4 where id = $1 and tenant_id = $2 and price <> $3",
    )
    .bind(product_id)
    .bind(tenant_id)
    .bind(price)
    .bind(at)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() > 0 {
        catalogue::record_price(&state.db.pool, tenant_id, product_id, price, at).await?;
    }
    Ok(())
}

/// The job that renews one store's tokens ahead of their expiry.
pub struct RefreshJob;

#[async_trait::async_trait]
impl JobKind for RefreshJob {
    fn name(&self) -> &'static str {
        REFRESH_KIND
    }

    /// Renewal gave up: without a working token the store cannot be priced,
    /// so it says so instead of looking connected.
    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        if reason.starts_with(APP_REFUSED) {
            crate::server::queue::job_dead(state, REFRESH_KIND, job, reason).await;
            return;
        }
        let reason = format!("Autopilot could not renew the Salla sign-in ({reason}) Connect the store again.");
        // Only a store whose token this job was renewing: one connected
        // again meanwhile has a fresh token and is left as it is.
        let marked = sqlx::query(
            "update store set status = 'reconnect', status_reason = $3, updated_at = $4 \
             where id = $1 and tenant_id = $2 and status = 'connected' \
             and (token_expires_at is null or token_expires_at <= $5)",
        )
        .bind(&job.subject_id)
        .bind(&job.tenant_id)
        .bind(&reason)
        .bind(now())
        .bind(now() + AHEAD_SECONDS + 120)
        .execute(&state.db.pool)
        .await;
        if let Err(e) = marked {
            tracing::warn!(error = %e, store_id = %job.subject_id, "could not mark a store for reconnecting");
        }
        crate::server::queue::job_dead(state, REFRESH_KIND, job, &reason).await;
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        match refresh(state, ctx.tenant_id(), &job.subject_id, false).await? {
            Refreshed::Done { .. } | Refreshed::NotDue => Ok(Done::Complete(Step::Done)),
            Refreshed::Busy => Err(Failure::Retry("Another renewal of this sign-in was running.".into())),
            Refreshed::Revoked(reason) => Err(Failure::Stop(reason)),
            Refreshed::Later(reason) => Err(Failure::Retry(reason)),
        }
    }
}
