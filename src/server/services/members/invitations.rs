//! Invitations: a single-use link mailed to an address, valid for 7 days,
//! that lets its holder join the workspace with the role it names, as a
//! new user (signing up from the link) or an existing one (signing in).
//! Only a SHA-256 of the token is stored; resending issues a new token, so
//! the older link stops working. Pending invitations hold a seat.

use super::{begin, check, parse_role, seats_used};
use crate::app::types::{
    invitation_status, AuditAction, InvitationId, InvitationSummary, InvitationView, MemberChange, Permission, Role,
    TenantId, UserId,
};
use crate::server::auth::{throttle, CurrentUser, Origin, TenantContext};
use crate::server::db::{new_id, now};
use crate::server::domain::{Email, Password, PersonName};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::accounts::{self, SignedIn};
use crate::server::services::audit::{self, Event};
use crate::server::services::email_links::{new_token, token_hash};
use crate::server::services::mail::{send, Mail};
use crate::server::services::quota;
use crate::server::state::AppState;
use sqlx::{Any, AnyConnection, Transaction};

/// How long a link works.
pub const TTL_SECONDS: i64 = 7 * 24 * 60 * 60;
/// The most pending invitations the page lists (they are bounded by the
/// seats anyway, except expired ones waiting to be resent or revoked).
const LISTED: i64 = 200;
const INVALID: &str = "This invitation is invalid, used, revoked or expired. Ask the workspace for a new one.";

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: InvitationId,
    email: String,
    role: String,
    invited_by: Option<String>,
    sent_at: i64,
    expires_at: i64,
}

/// Invitations neither accepted nor revoked, newest first.
pub(super) async fn pending(ctx: &TenantContext, conn: &mut AnyConnection) -> ServerResult<Vec<InvitationSummary>> {
    let rows: Vec<PendingRow> = sqlx::query_as(
        "select i.id, i.email, i.role, u.name as invited_by, i.sent_at, i.expires_at from invitation i \
         left join app_user u on u.id = i.invited_by \
         where i.tenant_id = $1 and i.accepted_at is null and i.revoked_at is null \
         order by i.sent_at desc, i.id limit $2",
    )
    .bind(ctx.tenant_id())
    .bind(LISTED)
    .fetch_all(conn)
    .await?;
    let at = now();
    rows.into_iter()
        .map(|r| {
            Ok(InvitationSummary {
                role: parse_role(&r.role)?,
                expired: r.expires_at <= at,
                status: invitation_status(r.expires_at, at),
                id: r.id,
                email: r.email,
                invited_by: r.invited_by.unwrap_or_default(),
                sent_at: r.sent_at,
                expires_at: r.expires_at,
            })
        })
        .collect()
}

fn seats_full(limit: i64) -> ServerError {
    ServerError::Conflict(format!(
        "Your plan allows {limit} member{}, counting invitations that are waiting. \
         Upgrade, or revoke an invitation, to invite someone else.",
        if limit == 1 { "" } else { "s" }
    ))
}

async fn require_a_seat(ctx: &TenantContext, state: &AppState, tx: &mut AnyConnection) -> ServerResult<()> {
    let limit = quota::in_force_in(ctx, &state.config, tx).await?.limits.members;
    if seats_used(ctx, tx).await? >= limit {
        return Err(seats_full(limit));
    }
    Ok(())
}

/// Invites `email` with `role` and mails the link. An address that is a
/// member already, or has an invitation waiting, is refused; an expired
/// one is replaced.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn invite(ctx: &TenantContext, state: &AppState, email: &Email, role: Role) -> ServerResult<InvitationId> {
    ctx.require(Permission::ManageMembers)?;
    allow_a_mail(state, email.as_str()).await?;
    let (mut tx, actor) = begin(ctx, state).await?;
    check(actor, MemberChange::Invite(role))?;
    let (members,): (i64,) = sqlx::query_as(
        "select count(*) from membership m join app_user u on u.id = m.user_id where m.tenant_id = $1 and u.email = $2",
    )
    .bind(ctx.tenant_id())
    .bind(email.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if members > 0 {
        return Err(ServerError::Conflict(format!(
            "{} is a member already.",
            email.as_str()
        )));
    }
    let at = now();
    let (waiting,): (i64,) = sqlx::query_as(
        "select count(*) from invitation where tenant_id = $1 and email = $2 and accepted_at is null \
         and revoked_at is null and expires_at > $3",
    )
    .bind(ctx.tenant_id())
    .bind(email.as_str())
    .bind(at)
    .fetch_one(&mut *tx)
    .await?;
    if waiting > 0 {
        return Err(ServerError::Conflict(format!(
            "An invitation to {} is waiting already. Resend it, or revoke it first.",
            email.as_str()
        )));
    }
    sqlx::query(
        "update invitation set revoked_at = $3 where tenant_id = $1 and email = $2 and accepted_at is null \
         and revoked_at is null",
    )
    .bind(ctx.tenant_id())
    .bind(email.as_str())
    .bind(at)
    .execute(&mut *tx)
    .await?;
    require_a_seat(ctx, state, &mut tx).await?;
    let (id, token) = (InvitationId::new(new_id()), new_token());
    sqlx::query(
        "insert into invitation (id, tenant_id, email, role, token_hash, invited_by, created_at, sent_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(token_hash(&token))
    .bind(ctx.user_id())
    .bind(at)
    .bind(at + TTL_SECONDS)
    .execute(&mut *tx)
    .await?;
    let event = Event::new(AuditAction::MemberInvited, "invitation", id.as_str()).detail(format!(
        "{} as {}",
        email.as_str(),
        role.label()
    ));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    mail_in_background(ctx, state, email.as_str(), role, token);
    Ok(id)
}

/// At most a few mails a quarter of an hour to one address, whoever sends
/// them, so invitations cannot flood someone's inbox. Checked before the
/// write transaction: the throttle writes on a connection of its own.
async fn allow_a_mail(state: &AppState, email: &str) -> ServerResult<()> {
    if throttle::allow_mail(&state.db, email).await? {
        Ok(())
    } else {
        Err(ServerError::Throttled(format!(
            "We mailed {email} a moment ago. Try again in a few minutes."
        )))
    }
}

/// The invitation's address, role and expiry, if it is this workspace's and
/// still pending; NotFound otherwise.
async fn load_pending(
    tx: &mut AnyConnection,
    ctx: &TenantContext,
    id: &InvitationId,
) -> ServerResult<(String, Role, i64)> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "select email, role, expires_at from invitation where tenant_id = $1 and id = $2 and accepted_at is null \
         and revoked_at is null",
    )
    .bind(ctx.tenant_id())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let (email, role, expires_at) = row.ok_or(ServerError::NotFound)?;
    Ok((email, parse_role(&role)?, expires_at))
}

/// Mails a new link (the old one stops working) valid for another 7 days.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn resend(ctx: &TenantContext, state: &AppState, id: &InvitationId) -> ServerResult<()> {
    ctx.require(Permission::ManageMembers)?;
    let (email, ..) = load_pending(&mut *state.db.pool.acquire().await?, ctx, id).await?;
    allow_a_mail(state, &email).await?;
    let (mut tx, actor) = begin(ctx, state).await?;
    let (email, role, expires_at) = load_pending(&mut tx, ctx, id).await?;
    check(actor, MemberChange::Invite(role))?;
    let (at, token) = (now(), new_token());
    if expires_at <= at {
        // An expired invitation holds no seat; renewing it takes one.
        require_a_seat(ctx, state, &mut tx).await?;
    }
    sqlx::query(
        "update invitation set token_hash = $1, sent_at = $2, expires_at = $3 where tenant_id = $4 and id = $5",
    )
    .bind(token_hash(&token))
    .bind(at)
    .bind(at + TTL_SECONDS)
    .bind(ctx.tenant_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let event = Event::new(AuditAction::InvitationResent, "invitation", id.as_str()).detail(email.clone());
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    mail_in_background(ctx, state, &email, role, token);
    Ok(())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn revoke(ctx: &TenantContext, state: &AppState, id: &InvitationId) -> ServerResult<()> {
    let (mut tx, actor) = begin(ctx, state).await?;
    let (email, role, _) = load_pending(&mut tx, ctx, id).await?;
    check(actor, MemberChange::Invite(role))?;
    sqlx::query("update invitation set revoked_at = $1 where tenant_id = $2 and id = $3")
        .bind(now())
        .bind(ctx.tenant_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let event = Event::new(AuditAction::InvitationRevoked, "invitation", id.as_str())
        .detail(format!("{email} as {}", role.label()));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(())
}

fn mail_in_background(ctx: &TenantContext, state: &AppState, email: &str, role: Role, token: String) {
    let (state, tenant_id, inviter) = (state.clone(), ctx.tenant_id().clone(), ctx.user_id().cloned());
    let email = email.to_owned();
    tokio::spawn(async move {
        if let Err(e) = mail_link(&state, &tenant_id, inviter.as_ref(), &email, role, &token).await {
            tracing::warn!(error = ?e, %tenant_id, "could not mail an invitation");
        }
    });
}

async fn mail_link(
    state: &AppState,
    tenant_id: &TenantId,
    inviter: Option<&UserId>,
    email: &str,
    role: Role,
    token: &str,
) -> ServerResult<()> {
    let (workspace, by): (String, Option<String>) =
        sqlx::query_as("select name, (select name from app_user where id = $2) from tenant where id = $1")
            .bind(tenant_id)
            .bind(inviter)
            .fetch_one(&state.db.pool)
            .await?;
    let mut link = state.config.app_url.join("/invite").map_err(ServerError::internal)?;
    link.query_pairs_mut().append_pair("token", token);
    let by = by.unwrap_or_else(|| "Someone".into());
    let body = format!(
        "{by} invited you to join the workspace \"{workspace}\" on Autopilot as {}.\n\n\
         Open this link within 7 days to accept:\n{link}\n\n\
         The link works once. If you did not expect this, ignore this mail.",
        role.label().to_lowercase()
    );
    let subject = format!("{by} invited you to {workspace} on Autopilot");
    let mail = Mail {
        to: email,
        subject: &subject,
        body: &body,
        link_expires_at: Some(now() + TTL_SECONDS),
    };
    send(state, &mail).await
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: InvitationId,
    tenant_id: TenantId,
    email: String,
    role: String,
    workspace_name: String,
    invited_by: Option<String>,
    suspended_at: Option<i64>,
}

/// The pending, unexpired invitation a token opens.
async fn by_token(conn: &mut AnyConnection, token: &str) -> ServerResult<LinkRow> {
    sqlx::query_as(
        "select i.id, i.tenant_id, i.email, i.role, t.name as workspace_name, u.name as invited_by, t.suspended_at \
         from invitation i join tenant t on t.id = i.tenant_id left join app_user u on u.id = i.invited_by \
         where i.token_hash = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| ServerError::Validation(INVALID.into()))
}

/// What the link's page shows before anyone accepts.
pub async fn view(state: &AppState, token: &str, signed_in: Option<&CurrentUser>) -> ServerResult<InvitationView> {
    let row = by_token(&mut *state.db.pool.acquire().await?, token).await?;
    let (accounts,): (i64,) = sqlx::query_as("select count(*) from app_user where email = $1")
        .bind(&row.email)
        .fetch_one(&state.db.pool)
        .await?;
    Ok(InvitationView {
        role: parse_role(&row.role)?,
        workspace_name: row.workspace_name,
        invited_by: row.invited_by.unwrap_or_default(),
        email: row.email,
        account_exists: accounts > 0,
        signed_in_as: signed_in.map(|u| u.email.clone()),
    })
}

/// Spends the token and makes `user_id` a member, in the caller's
/// transaction: one conditional update, so two uses cannot both succeed.
/// The link went to the invited address, so only that account may use it,
/// and using it proves the address.
async fn join(
    tx: &mut Transaction<'static, Any>,
    state: &AppState,
    origin: &Origin,
    token: &str,
    (user_id, user_email): (&UserId, &str),
) -> ServerResult<TenantId> {
    let row = by_token(tx, token).await?;
    if row.email != user_email {
        return Err(ServerError::Validation(format!(
            "This invitation is for {}, and you are signed in as {user_email}. \
             Log out and open the link again to accept it as {}.",
            row.email, row.email
        )));
    }
    quota::lock_tenant(&row.tenant_id, tx, state.db.backend).await?;
    if row.suspended_at.is_some() {
        return Err(ServerError::Conflict(format!(
            "\"{}\" is suspended, so nobody can join it now.",
            row.workspace_name
        )));
    }
    // The invitation held a seat; a downgrade since may have taken it.
    let limit = quota::in_force_of(&row.tenant_id, &state.config, tx)
        .await?
        .limits
        .members;
    let (members,): (i64,) = sqlx::query_as("select count(*) from membership where tenant_id = $1 and user_id <> $2")
        .bind(&row.tenant_id)
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    if members >= limit {
        return Err(ServerError::Conflict(format!(
            "\"{}\" has no free seat on its plan now. Ask whoever invited you to make room.",
            row.workspace_name
        )));
    }
    let at = now();
    let spent = sqlx::query(
        "update invitation set accepted_at = $1 where id = $2 and tenant_id = $3 and token_hash = $4 \
         and accepted_at is null and revoked_at is null and expires_at > $1",
    )
    .bind(at)
    .bind(&row.id)
    .bind(&row.tenant_id)
    .bind(token_hash(token))
    .execute(&mut **tx)
    .await?;
    if spent.rows_affected() != 1 {
        return Err(ServerError::Validation(INVALID.into()));
    }
    let inserted = sqlx::query(
        "insert into membership (tenant_id, user_id, role, created_at) select $1, $2, $3, $4 \
         where not exists (select 1 from membership where tenant_id = $1 and user_id = $2)",
    )
    .bind(&row.tenant_id)
    .bind(user_id)
    .bind(&row.role)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    accounts::mark_verified(tx, state, user_id).await?;
    if inserted.rows_affected() == 1 {
        let actor = audit::Actor {
            user_id: Some(user_id),
            origin,
        };
        let event = Event::new(AuditAction::MemberJoined, "user", user_id.as_str())
            .detail(format!("{user_email} as {}", parse_role(&row.role)?.label()));
        audit::insert(&mut **tx, Some(&row.tenant_id), &actor, event).await?;
    }
    Ok(row.tenant_id)
}

/// A signed-in user accepts; answers the workspace they joined.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id), err(level = "debug"))]
pub async fn accept(user: &CurrentUser, state: &AppState, origin: &Origin, token: &str) -> ServerResult<TenantId> {
    let mut tx = state.db.begin_write().await?;
    let tenant_id = join(&mut tx, state, origin, token, (&user.user_id, &user.email)).await?;
    tx.commit().await?;
    Ok(tenant_id)
}

/// Someone without an account signs up from the link: the account is for
/// the invited address and belongs to the inviting workspace only.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn accept_signing_up(
    state: &AppState,
    origin: &Origin,
    token: &str,
    name: &PersonName,
    password: &Password,
) -> ServerResult<SignedIn> {
    throttle::allow_sign_up(&state.db, &origin.ip).await?;
    let email = by_token(&mut *state.db.pool.acquire().await?, token).await?.email;
    let email = Email::parse(&email)?;
    let hash = state.hasher.hash(password).await?;
    let user_id = UserId::new(new_id());
    let mut tx = state.db.begin_write().await?;
    accounts::insert_user(&mut tx, &user_id, name, &email, &hash, now()).await?;
    let tenant_id = join(&mut tx, state, origin, token, (&user_id, email.as_str())).await?;
    tx.commit().await?;
    tracing::info!(%user_id, %tenant_id, "account created from an invitation");
    Ok(SignedIn {
        user_id,
        session_epoch: 0,
        tenant_id: Some(tenant_id),
    })
}

/// Someone with an account signs in from the link (as the invited address)
/// and joins in the same step.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn accept_signing_in(
    state: &AppState,
    origin: &Origin,
    token: &str,
    password: &str,
) -> ServerResult<SignedIn> {
    let email = by_token(&mut *state.db.pool.acquire().await?, token).await?.email;
    let signed_in = accounts::authenticate(state, origin, &email, password).await?;
    let mut tx = state.db.begin_write().await?;
    let tenant_id = join(&mut tx, state, origin, token, (&signed_in.user_id, &email)).await?;
    tx.commit().await?;
    Ok(SignedIn {
        tenant_id: Some(tenant_id),
        ..signed_in
    })
}
