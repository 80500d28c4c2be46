//! Connecting accounts through each platform's own sign-in (OAuth 2.0
//! authorisation code). `begin` binds a random `state` to this session,
//! person and workspace for ten minutes (`sign_ins`); `finish` accepts the
//! platform's answer only with that state, once, and trades the code for
//! tokens on the server. TikTok names one account, which connects at once. Meta
//! names every Page the person shared (with its linked Instagram account):
//! those wait in the session, sealed, until the person picks which to
//! connect (`pending`, `pick`); no token ever reaches the browser.

use super::{connect_many, Found, Tokens};
use crate::app::types::{Permission, PickCandidate, PickList, Platform};
use crate::server::auth::TenantContext;
use crate::server::clients::meta::{GraphError, ManagedPage};
use crate::server::clients::tiktok::TikTokError;
use crate::server::config::AppCredentials;
use crate::server::db::now;
use crate::server::error::{ServerError, ServerResult};
use crate::server::secrets::Binding;
use crate::server::services::sign_ins::{self, Callback};
use crate::server::state::AppState;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// Pages and Instagram accounts a Meta sign-in found, waiting to be picked.
const PENDING_KEY: &str = "social_pending";
/// How long a person has to pick.
const PENDING_SECONDS: i64 = 900;
/// What Autopilot asks Meta for when no Login for Business configuration
/// (META_CONFIG_ID) names it: list and post to Pages and their Instagram
/// accounts, and read their insights.
const META_SCOPES: &str = "pages_show_list,pages_read_engagement,pages_manage_posts,read_insights,\
business_management,instagram_basic,instagram_content_publish,instagram_manage_insights";
const TIKTOK_SCOPES: &str = "user.info.basic,user.info.profile,video.publish,video.upload,video.list";
/// What a TikTok sign-in must grant for the account to be of use.
const TIKTOK_NEEDED: [&str; 2] = ["user.info.basic", "video.publish"];

#[derive(Serialize, Deserialize)]
struct Pending {
    tenant_id: String,
    user_id: String,
    expires_at: i64,
    /// `Vec<Candidate>` as JSON, sealed: Page tokens are secrets.
    sealed: String,
}

#[derive(Serialize, Deserialize)]
struct Candidate {
    platform: Platform,
    external_id: String,
    name: String,
    username: String,
    /// The Page's name for an Instagram account ("" for a Page).
    via: String,
    token: String,
}

/// How a sign-in ended.
#[derive(Debug)]
pub enum Finished {
    /// The account is connected (TikTok): its name.
    Connected(String),
    /// Pages and Instagram accounts wait to be picked (Meta).
    Pick,
}

fn user_of(ctx: &TenantContext) -> String {
    ctx.user_id().map(|u| u.to_string()).unwrap_or_default()
}

fn credentials(state: &AppState, platform: Platform) -> ServerResult<&AppCredentials> {
    let social = &state.config.social;
    let app = match platform {
        Platform::Facebook | Platform::Instagram => social.meta.as_ref(),
        Platform::Tiktok => social.tiktok.as_ref(),
        Platform::Demo => None,
    };
    app.ok_or_else(|| {
        ServerError::Conflict(format!(
            "{} sign-in is not set up on this server; the operator adds the app's credentials first.",
            name_of(platform)
        ))
    })
}

fn name_of(platform: Platform) -> &'static str {
    match platform {
        Platform::Tiktok => "TikTok",
        _ => "Facebook",
    }
}

/// Where the platform sends the person back: the same for the dialog and
/// the code exchange, as both platforms require.
pub fn redirect_uri(state: &AppState, platform: Platform) -> String {
    let path = match platform {
        Platform::Tiktok => "tiktok",
        _ => "meta",
    };
    format!("{}/app/channels/callback/{path}", state.config.app_origin())
}

/// Starts a sign-in: returns the platform's sign-in address to send the
/// person to. `platform` is Facebook (which also brings Instagram) or TikTok.
pub async fn begin(
    ctx: &TenantContext,
    state: &AppState,
    session: &Session,
    platform: Platform,
) -> ServerResult<String> {
    ctx.require(Permission::ManageSites)?;
    let app = credentials(state, platform)?;
    let nonce = sign_ins::start(ctx, session, platform.as_str()).await?;
    let social = &state.config.social;
    let redirect = redirect_uri(state, platform);
    let mut url = match platform {
        Platform::Tiktok => social.tiktok_authorize.clone(),
        _ => social.meta_dialog.clone(),
    };
    {
        let mut query = url.query_pairs_mut();
        match platform {
            Platform::Tiktok => query
                .append_pair("client_key", &app.id)
                .append_pair("scope", TIKTOK_SCOPES)
                .append_pair("response_type", "code"),
            _ => {
                query
                    .append_pair("client_id", &app.id)
                    .append_pair("response_type", "code");
                match &social.meta_config_id {
                    Some(config_id) => query.append_pair("config_id", config_id),
                    None => query.append_pair("scope", META_SCOPES),
                }
            }
        };
        query
            .append_pair("redirect_uri", &redirect)
            .append_pair("state", &nonce);
    }
    Ok(url.into())
}

/// Ends a sign-in with what the platform sent back.
pub async fn finish(
    ctx: &TenantContext,
    state: &AppState,
    session: &Session,
    platform: Platform,
    answer: Callback,
) -> ServerResult<Finished> {
    ctx.require(Permission::ManageSites)?;
    sign_ins::finish(ctx, session, platform.as_str(), answer.state.as_deref()).await?;
    if let Some(error) = answer.error {
        tracing::info!(platform = platform.as_str(), error = %error, detail = ?answer.error_description.as_deref().map(|d| d.chars().take(200).collect::<String>()), "sign-in refused");
        return Err(ServerError::BadRequest(match error.as_str() {
            "access_denied" => format!(
                "The {} sign-in was cancelled; nothing was connected.",
                name_of(platform)
            ),
            _ => format!(
                "{} did not complete the sign-in; nothing was connected.",
                name_of(platform)
            ),
        }));
    }
    let code = answer
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ServerError::BadRequest("The sign-in came back without a code; start again.".into()))?;
    let app = credentials(state, platform)?.clone();
    let redirect = redirect_uri(state, platform);
    match platform {
        Platform::Tiktok => finish_tiktok(ctx, state, &app, &code, &redirect).await,
        _ => finish_meta(ctx, state, session, &app, &code, &redirect).await,
    }
}

async fn finish_tiktok(
    ctx: &TenantContext,
    state: &AppState,
    app: &AppCredentials,
    code: &str,
    redirect: &str,
) -> ServerResult<Finished> {
    let grant = state
        .tiktok
        .exchange_code(app, code, redirect)
        .await
        .map_err(tiktok_failed)?;
    let granted: Vec<&str> = grant.scope.split(',').map(str::trim).collect();
    if let Some(missing) = TIKTOK_NEEDED.iter().find(|s| !granted.contains(s)) {
        tracing::info!(missing, "TikTok sign-in without a needed permission");
        if let Err(e) = state.tiktok.revoke(app, &grant.access_token).await {
            tracing::info!(error = %e, "a refused TikTok sign-in was not revoked");
        }
        return Err(ServerError::BadRequest(
            "TikTok did not grant every permission Autopilot needs to post; connect again and allow them all.".into(),
        ));
    }
    let profile = state.tiktok.profile(&grant.access_token).await.map_err(tiktok_failed)?;
    let at = now();
    let name = if profile.display_name.is_empty() {
        "TikTok account".to_owned()
    } else {
        profile.display_name
    };
    let found = Found {
        platform: Platform::Tiktok,
        external_id: grant.open_id.clone(),
        name: name.clone(),
        username: if profile.username.is_empty() {
            String::new()
        } else {
            format!("@{}", profile.username)
        },
        tokens: Some(Tokens {
            access: grant.access_token,
            access_expires_at: Some(at + grant.expires_in),
            refresh: Some(grant.refresh_token),
            refresh_expires_at: Some(at + grant.refresh_expires_in),
        }),
    };
    connect_many(ctx, state, vec![found]).await?;
    Ok(Finished::Connected(name))
}

async fn finish_meta(
    ctx: &TenantContext,
    state: &AppState,
    session: &Session,
    app: &AppCredentials,
    code: &str,
    redirect: &str,
) -> ServerResult<Finished> {
    let short = state
        .meta
        .exchange_code(app, code, redirect)
        .await
        .map_err(meta_failed)?;
    let long = state
        .meta
        .long_lived(app, &short.access_token)
        .await
        .map_err(meta_failed)?;
    let pages = state
        .meta
        .managed_pages(&long.access_token)
        .await
        .map_err(meta_failed)?;
    if pages.is_empty() {
        return Err(ServerError::BadRequest(
            "That Facebook sign-in shared no Pages. Connect again and choose the Pages to post to.".into(),
        ));
    }
    let candidates: Vec<Candidate> = pages.into_iter().flat_map(candidates_of).collect();
    let json = serde_json::to_string(&candidates).map_err(ServerError::internal)?;
    let user_id = user_of(ctx);
    let pending = Pending {
        sealed: state.sealer.seal(&json, &pending_binding(ctx, &user_id)),
        tenant_id: ctx.tenant_id().to_string(),
        user_id,
        expires_at: now() + PENDING_SECONDS,
    };
    session
        .insert(PENDING_KEY, pending)
        .await
        .map_err(ServerError::internal)?;
    Ok(Finished::Pick)
}

/// A Page, and its linked Instagram professional account, which publishes
/// with the Page's token.
fn candidates_of(page: ManagedPage) -> Vec<Candidate> {
    let mut found = vec![Candidate {
        platform: Platform::Facebook,
        external_id: page.id,
        name: page.name.clone(),
        username: String::new(),
        via: String::new(),
        token: page.access_token.clone(),
    }];
    if let Some(ig) = page.instagram_business_account {
        found.push(Candidate {
            platform: Platform::Instagram,
            name: if ig.name.is_empty() {
                ig.username.clone()
            } else {
                ig.name
            },
            username: if ig.username.is_empty() {
                String::new()
            } else {
                format!("@{}", ig.username)
            },
            external_id: ig.id,
            via: page.name,
            token: page.access_token,
        });
    }
    found
}

fn pending_binding<'a>(ctx: &'a TenantContext, user_id: &'a str) -> Binding<'a> {
    Binding {
        purpose: "social-pending",
        tenant_id: ctx.tenant_id().as_str(),
        row_id: user_id,
    }
}

/// The accounts waiting to be picked, for this person in this workspace.
async fn open_pending(ctx: &TenantContext, state: &AppState, session: &Session) -> ServerResult<Vec<Candidate>> {
    let pending: Option<Pending> = session.get(PENDING_KEY).await.map_err(ServerError::internal)?;
    let user_id = user_of(ctx);
    let gone = || ServerError::BadRequest("Nothing is waiting to be picked: connect Facebook again.".into());
    let pending = pending
        .filter(|p| p.tenant_id == ctx.tenant_id().as_str() && p.user_id == user_id && p.expires_at > now())
        .ok_or_else(gone)?;
    let json = state
        .sealer
        .open(&pending.sealed, &pending_binding(ctx, &user_id))
        .map_err(|_| gone())?;
    serde_json::from_str(&json).map_err(ServerError::internal)
}

/// The picking page: what the sign-in found, which are connected already,
/// and how many more the plan allows.
pub async fn pending(ctx: &TenantContext, state: &AppState, session: &Session) -> ServerResult<PickList> {
    ctx.require(Permission::ManageSites)?;
    let candidates = open_pending(ctx, state, session).await?;
    let counted: Vec<(String, String, String)> = sqlx::query_as(
        "select platform, external_id, status from social_account where tenant_id = $1 and status <> 'disconnected'",
    )
    .bind(ctx.tenant_id())
    .fetch_all(&state.db.pool)
    .await?;
    let used = counted.len() as i64;
    let limit = crate::server::services::quota::in_force(ctx, state)
        .await?
        .limits
        .social_accounts;
    Ok(PickList {
        candidates: candidates
            .into_iter()
            .map(|c| PickCandidate {
                key: key_of(c.platform, &c.external_id),
                // One asking to be reconnected is not: picking it repairs it.
                connected: counted
                    .iter()
                    .any(|(p, e, s)| p == c.platform.as_str() && *e == c.external_id && s == "connected"),
                platform: c.platform,
                name: c.name,
                username: c.username,
                via: c.via,
            })
            .collect(),
        room: (limit - used).max(0),
    })
}

fn key_of(platform: Platform, external_id: &str) -> String {
    format!("{}:{external_id}", platform.as_str())
}

/// Connects the picked accounts, all or none; the rest are forgotten.
/// Returns how many were connected.
pub async fn pick(ctx: &TenantContext, state: &AppState, session: &Session, keys: &[String]) -> ServerResult<usize> {
    ctx.require(Permission::ManageSites)?;
    let candidates = open_pending(ctx, state, session).await?;
    // Taken out first, so a second submit at once finds nothing to connect;
    // put back if this one is refused, to pick again.
    let pending: Option<Pending> = session.remove(PENDING_KEY).await.map_err(ServerError::internal)?;
    let chosen: Vec<Found> = candidates
        .into_iter()
        .filter(|c| keys.contains(&key_of(c.platform, &c.external_id)))
        .map(|c| Found {
            platform: c.platform,
            external_id: c.external_id,
            name: c.name,
            username: c.username,
            // Page tokens read with a long-lived user token do not expire.
            tokens: Some(Tokens {
                access: c.token,
                access_expires_at: None,
                refresh: None,
                refresh_expires_at: None,
            }),
        })
        .collect();
    let connected = if chosen.is_empty() {
        Err(ServerError::Validation(
            "Tick at least one Page or Instagram account.".into(),
        ))
    } else {
        connect_many(ctx, state, chosen).await.map(|ids| ids.len())
    };
    if let (Err(_), Some(pending)) = (&connected, pending) {
        session
            .insert(PENDING_KEY, pending)
            .await
            .map_err(ServerError::internal)?;
    }
    connected
}

fn meta_failed(e: GraphError) -> ServerError {
    tracing::warn!(error = %e, code = ?e.code, subcode = ?e.subcode, "Meta sign-in call failed");
    if e.is_transient() {
        ServerError::Conflict("Facebook did not answer in time; try connecting again in a minute.".into())
    } else {
        ServerError::BadRequest("Facebook refused the sign-in; start again from this page.".into())
    }
}

fn tiktok_failed(e: TikTokError) -> ServerError {
    tracing::warn!(error = %e, code = %e.code, "TikTok sign-in call failed");
    if e.is_transient() {
        ServerError::Conflict("TikTok did not answer in time; try connecting again in a minute.".into())
    } else {
        ServerError::BadRequest("TikTok refused the sign-in; start again from this page.".into())
    }
}
