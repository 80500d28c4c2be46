//! Who belongs to a workspace: the members list, role changes, removal and
//! leaving. Invitations (how people join) are in `invitations`. Every
//! change is decided by the permission table (`Role::may`), keeps at least
//! one owner, runs under the workspace's quota lock so two changes cannot
//! both pass a check the other invalidates, and is in the audit log.

pub mod invitations;

use crate::app::types::{AuditAction, MemberChange, MemberList, MemberSummary, Permission, Role, UserId};
use crate::server::auth::TenantContext;
use crate::server::db::{like_pattern, now, Where};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::audit::{self, Event};
use crate::server::services::{quota, workspaces};
use crate::server::state::AppState;
use sqlx::{Any, AnyConnection, Transaction};

pub const PER_PAGE: i64 = 50;

const LAST_OWNER: &str = "A workspace needs an owner. Make someone else an owner first.";

pub(super) fn parse_role(text: &str) -> ServerResult<Role> {
    Role::parse(text).ok_or_else(|| ServerError::internal(format!("unknown role {text:?} in database")))
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: UserId,
    name: String,
    email: String,
    role: String,
    created_at: i64,
}

/// One page of members whose name or address contains `q`, with the
/// pending invitations and the seats in use.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn list(ctx: &TenantContext, state: &AppState, q: &str, page: i64) -> ServerResult<MemberList> {
    ctx.require(Permission::ViewWorkspace)?;
    let mut clause = Where::new_text("m.tenant_id = ", ctx.tenant_id().as_str());
    if let Some(pattern) = like_pattern(q) {
        clause.search(&["u.email", "u.name"], pattern);
    }
    let query = (
        "u.id as user_id, u.name, u.email, m.role, m.created_at",
        "from membership m join app_user u on u.id = m.user_id",
        "m.created_at, u.id",
    );
    let found = clause
        .fetch_page::<MemberRow>(&state.db.pool, query, PER_PAGE, page)
        .await?;
    let members = found
        .rows
        .into_iter()
        .map(|r| {
            Ok(MemberSummary {
                role: parse_role(&r.role)?,
                user_id: r.user_id,
                name: r.name,
                email: r.email,
                joined_at: r.created_at,
            })
        })
        .collect::<ServerResult<Vec<_>>>()?;
    let conn = &mut *state.db.pool.acquire().await?;
    Ok(MemberList {
        members,
        invitations: invitations::pending(ctx, conn).await?,
        seats_used: seats_used(ctx, conn).await?,
        seats_limit: quota::in_force_in(ctx, &state.config, conn).await?.limits.members,
        total: found.total,
        page: found.page,
        pages: found.pages,
        me: ctx.user_id().cloned().unwrap_or_default(),
        // A support view looks as a viewer would: it changes nothing.
        my_role: match ctx.role() {
            Some(role) if !ctx.is_support_view() => role,
            _ => Role::Viewer,
        },
        draft: Default::default(),
    })
}

/// Members plus invitations that can still be accepted.
pub(super) async fn seats_used(ctx: &TenantContext, conn: &mut AnyConnection) -> ServerResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "select (select count(*) from membership where tenant_id = $1) + (select count(*) from invitation \
         where tenant_id = $1 and accepted_at is null and revoked_at is null and expires_at > $2)",
    )
    .bind(ctx.tenant_id())
    .bind(now())
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// Opens the transaction every membership change runs in, holding the
/// workspace's quota lock, and answers the actor's role as it is now,
/// read under that lock: a demotion committed a moment ago counts. The
/// job runner and support views change no memberships.
async fn begin(ctx: &TenantContext, state: &AppState) -> ServerResult<(Transaction<'static, Any>, Role)> {
    ctx.require(Permission::ManageMembers)?;
    let user_id = ctx.member()?.clone();
    let mut tx = state.db.begin_write().await?;
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    let role = match member_in(&mut tx, ctx, &user_id).await {
        Ok((role, _)) if role.can(Permission::ManageMembers) => role,
        Ok(_) | Err(ServerError::NotFound) => return Err(ServerError::Forbidden),
        Err(e) => return Err(e),
    };
    Ok((tx, role))
}

/// Refuses `change` unless `role` (the actor's, from `begin`) allows it.
pub(super) fn check(role: Role, change: MemberChange) -> ServerResult<()> {
    if role.may(change) {
        Ok(())
    } else {
        Err(ServerError::Forbidden)
    }
}

/// The member's role and address, or NotFound outside this workspace.
async fn member_in(tx: &mut AnyConnection, ctx: &TenantContext, user_id: &UserId) -> ServerResult<(Role, String)> {
    let row: Option<(String, String)> = sqlx::query_as(
        "select m.role, u.email from membership m join app_user u on u.id = m.user_id \
         where m.tenant_id = $1 and m.user_id = $2",
    )
    .bind(ctx.tenant_id())
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (role, email) = row.ok_or(ServerError::NotFound)?;
    Ok((parse_role(&role)?, email))
}

/// Refuses a change that would leave the workspace without an owner.
async fn keep_an_owner(tx: &mut AnyConnection, ctx: &TenantContext, losing: Role) -> ServerResult<()> {
    if losing != Role::Owner {
        return Ok(());
    }
    let (owners,): (i64,) = sqlx::query_as("select count(*) from membership where tenant_id = $1 and role = 'owner'")
        .bind(ctx.tenant_id())
        .fetch_one(tx)
        .await?;
    if owners <= 1 {
        return Err(ServerError::Conflict(LAST_OWNER.into()));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn change_role(ctx: &TenantContext, state: &AppState, user_id: &UserId, to: Role) -> ServerResult<()> {
    let (mut tx, actor) = begin(ctx, state).await?;
    let (from, email) = member_in(&mut tx, ctx, user_id).await?;
    check(actor, MemberChange::ChangeRole { from, to })?;
    if from == to {
        return Ok(());
    }
    // from ≠ to, so an owner here is being demoted.
    keep_an_owner(&mut tx, ctx, from).await?;
    sqlx::query("update membership set role = $1 where tenant_id = $2 and user_id = $3")
        .bind(to.as_str())
        .bind(ctx.tenant_id())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let event = Event::new(AuditAction::MemberRoleChanged, "user", user_id.as_str()).detail(format!(
        "{email}: {} to {}",
        from.label(),
        to.label()
    ));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes someone out of the workspace; their next request no longer sees
/// it (the membership is read on every request).
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn remove(ctx: &TenantContext, state: &AppState, user_id: &UserId) -> ServerResult<()> {
    if ctx.member()? == user_id {
        return Err(ServerError::Validation("To take yourself out, use Leave.".into()));
    }
    let (mut tx, actor) = begin(ctx, state).await?;
    let (role, email) = member_in(&mut tx, ctx, user_id).await?;
    check(actor, MemberChange::Remove(role))?;
    keep_an_owner(&mut tx, ctx, role).await?;
    delete_membership(&mut tx, ctx, user_id).await?;
    let event = Event::new(AuditAction::MemberRemoved, "user", user_id.as_str())
        .detail(format!("{email}, who was {}", role.label()));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The acting member leaves. The last owner cannot, and nobody leaves their
/// only workspace (the app has nothing to show a user without one).
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn leave(ctx: &TenantContext, state: &AppState) -> ServerResult<()> {
    ctx.require(Permission::ViewWorkspace)?;
    if ctx.api_key_id().is_some() || ctx.is_support_view() {
        // Leaving is a person's own decision, not a program's.
        return Err(ServerError::Forbidden);
    }
    let user_id = ctx.member()?.clone();
    let mut tx = state.db.begin_write().await?;
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    // Two leaves from two workspaces at once must not both count the other.
    workspaces::lock_user(&mut tx, state, &user_id).await?;
    let (role, email) = member_in(&mut tx, ctx, &user_id).await?;
    keep_an_owner(&mut tx, ctx, role).await?;
    let (workspaces,): (i64,) = sqlx::query_as("select count(*) from membership where user_id = $1")
        .bind(&user_id)
        .fetch_one(&mut *tx)
        .await?;
    if workspaces <= 1 {
        return Err(ServerError::Conflict(
            "This is your only workspace. Create or join another before you leave this one.".into(),
        ));
    }
    delete_membership(&mut tx, ctx, &user_id).await?;
    let event = Event::new(AuditAction::MemberLeft, "user", user_id.as_str()).detail(email);
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a membership and the person's API keys for the workspace: a key
/// must not come back to life if they are invited again.
async fn delete_membership(tx: &mut AnyConnection, ctx: &TenantContext, user_id: &UserId) -> ServerResult<()> {
    sqlx::query("delete from membership where tenant_id = $1 and user_id = $2")
        .bind(ctx.tenant_id())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("update api_key set revoked_at = $1 where tenant_id = $2 and created_by = $3 and revoked_at is null")
        .bind(now())
        .bind(ctx.tenant_id())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
