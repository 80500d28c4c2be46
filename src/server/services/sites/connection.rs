//! Whether WordPress accepts a site's credentials: the connection test, the
//! words a site owner sees for each failure, and the "needs attention" flag
//! that pauses a site's schedule after a refusal.

use super::load;
use crate::app::types::{Connection, ConnectionCheck, Permission, SiteId};
use crate::server::auth::throttle::{self, Action};
use crate::server::auth::TenantContext;
use crate::server::clients::wordpress::WpError;
use crate::server::db::now;
use crate::server::error::ServerResult;
use crate::server::state::AppState;
use std::time::Duration;

/// Calls `users/me` and records and names the outcome.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn test_connection(ctx: &TenantContext, state: &AppState, site_id: &SiteId) -> ServerResult<ConnectionCheck> {
    ctx.require(Permission::ManageSites)?;
    let row = load(ctx, state, site_id).await?;
    throttle::action(&state.db, ctx, Action::ConnectionTest).await?;
    let wp = row.wordpress(
        &state.sealer,
        state.config.outbound_allow_private,
        Duration::from_secs(20),
    )?;
    let mut check = match wp.me().await {
        Ok(user) => ConnectionCheck {
            ok: true,
            outcome: "Connected".into(),
            // The site's words, kept short: they are stored and shown.
            detail: format!(
                "Signed in as {} ({}).",
                user.name.chars().take(100).collect::<String>(),
                user.roles
                    .iter()
                    .take(5)
                    .map(|r| r.chars().take(40).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            connection: Connection::Connected,
        },
        Err(e) => describe_failure(&e),
    };
    // Refused credentials keep (or put) the site in "needs attention", so its
    // schedule stays paused until a test passes.
    check.connection = if check.ok {
        Connection::Connected
    } else if refused(&check) || row.connection == "attention" {
        Connection::Attention
    } else {
        Connection::Unknown
    };
    sqlx::query(
        "update site set connection = $1, connection_detail = $2, updated_at = $3 where id = $4 and tenant_id = $5",
    )
    .bind(check.connection.as_str())
    .bind(format!("{} {}", check.outcome, check.detail).trim())
    .bind(now())
    .bind(site_id)
    .bind(ctx.tenant_id())
    .execute(&state.db.pool)
    .await?;
    Ok(check)
}

const WRONG_CREDENTIALS: &str = "Wrong credentials";
const NOT_ALLOWED: &str = "Not allowed";

fn refused(check: &ConnectionCheck) -> bool {
    check.outcome == WRONG_CREDENTIALS || check.outcome == NOT_ALLOWED
}

/// A failed WordPress call in words a site owner can act on.
pub fn describe_failure(e: &WpError) -> ConnectionCheck {
    let (outcome, detail) = match e {
        WpError::Forbidden(_) => (
            NOT_ALLOWED,
            "WordPress accepted the login but this user may not do that. Use a user with the Editor or \
             Administrator role."
                .to_owned(),
        ),
        WpError::BadCredentials(_) => (
            WRONG_CREDENTIALS,
            "WordPress did not accept this username and application password. Create a new application \
             password under Users → Profile and paste it here."
                .to_owned(),
        ),
        WpError::HeaderStripped => (
            "Authorization header stripped",
            "The host removes the Authorization header before WordPress sees it. Ask the host to pass it \
             through (for Apache: CGIPassAuth On or a rewrite rule for HTTP_AUTHORIZATION)."
                .to_owned(),
        ),
        WpError::RestBlocked => (
            "REST API blocked",
            "The site's REST API is blocked, by a security plugin or firewall. Allow /wp-json/ for this user."
                .to_owned(),
        ),
        WpError::NotWordPress => (
            "Not a WordPress site",
            "This address does not answer like WordPress. Check the address.".to_owned(),
        ),
        WpError::Redirected(to) => (
            "Redirected",
            format!("The site redirects to {to}. Use that address instead."),
        ),
        // One answer for every address that cannot be reached, inside ones
        // included, so the test cannot be used to map a private network.
        WpError::PrivateAddress | WpError::Unreachable(_) => (
            "Unreachable",
            "The site could not be reached. Check the address and try again.".to_owned(),
        ),
        WpError::Timeout | WpError::Server(..) => (
            "Unreachable",
            format!("The site could not be reached ({e}). Check the address and try again."),
        ),
        WpError::Rejected(..) | WpError::TooLarge => ("Unexpected answer", format!("WordPress answered: {e}.")),
    };
    ConnectionCheck {
        ok: false,
        outcome: outcome.into(),
        detail,
        connection: Connection::Unknown,
    }
}

/// Flags a site whose credentials WordPress refused; its schedule skips it
/// until the credentials are updated and tested.
pub async fn flag_attention(ctx: &TenantContext, state: &AppState, site_id: &SiteId, detail: &str) -> ServerResult<()> {
    // Announced once, when the site turns to needing attention.
    let turned = sqlx::query(
        "update site set connection = 'attention', connection_detail = $1, updated_at = $2 where id = $3 \
         and tenant_id = $4 and connection <> 'attention'",
    )
    .bind(detail)
    .bind(now())
    .bind(site_id)
    .bind(ctx.tenant_id())
    .execute(&state.db.pool)
    .await?
    .rows_affected()
        == 1;
    if !turned {
        sqlx::query("update site set connection_detail = $1, updated_at = $2 where id = $3 and tenant_id = $4")
            .bind(detail)
            .bind(now())
            .bind(site_id)
            .bind(ctx.tenant_id())
            .execute(&state.db.pool)
            .await?;
        return Ok(());
    }
    let hook = serde_json::json!({ "site_id": site_id, "reason": detail });
    crate::server::services::webhooks::emit(state, ctx.tenant_id(), "site.needs_attention", hook).await;
    Ok(())
}
