//! Workspaces (tenants) and memberships.

use crate::app::types::{
    DashboardSummary, Me, Permission, Plan, Role, SupportBanner, Suspension, TenantId, UserId, UserSummary,
    WorkspaceSummary,
};
use crate::server::auth::{keys, CurrentUser, SupportView, TenantContext};
use crate::server::db::{new_id, now, Backend};
use crate::server::domain::WorkspaceName;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::accounts::CREATOR_ROLE;
use crate::server::services::{billing, quota};
use crate::server::state::AppState;
use sqlx::{Any, Transaction};

#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    id: TenantId,
    name: String,
    plan: String,
    role: String,
}

impl WorkspaceRow {
    fn into_summary(self) -> ServerResult<WorkspaceSummary> {
        Ok(WorkspaceSummary {
            plan: Plan::parse(&self.plan)
                .ok_or_else(|| ServerError::internal(format!("unknown plan {:?} in database", self.plan)))?,
            role: Role::parse(&self.role)
                .ok_or_else(|| ServerError::internal(format!("unknown role {:?} in database", self.role)))?,
            id: self.id,
            name: self.name,
        })
    }
}

/// Every workspace the user belongs to, by name.
pub async fn list_for_user(user: &CurrentUser, state: &AppState) -> ServerResult<Vec<WorkspaceSummary>> {
    let rows: Vec<WorkspaceRow> = sqlx::query_as(
        "select t.id, t.name, t.plan, m.role from membership m join tenant t on t.id = m.tenant_id \
         where m.user_id = $1 order by lower(t.name), t.id",
    )
    .bind(&user.user_id)
    .fetch_all(&state.db.pool)
    .await?;
    rows.into_iter().map(WorkspaceRow::into_summary).collect()
}

/// Creates a workspace with `user_id` as its owner, inside the caller's
/// transaction (sign-up creates the user in the same one).
pub async fn insert_with_owner(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &TenantId,
    name: &WorkspaceName,
    user_id: &UserId,
    at: i64,
) -> ServerResult<()> {
    sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $2, 'free', $3)")
        .bind(tenant_id)
        .bind(name.as_str())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, $3, $4)")
        .bind(tenant_id)
        .bind(user_id)
        .bind(CREATOR_ROLE.as_str())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A further workspace for a signed-in user, who becomes its owner.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id), err(level = "debug"))]
pub async fn create(user: &CurrentUser, state: &AppState, name: &WorkspaceName) -> ServerResult<TenantId> {
    let tenant_id = TenantId::new(new_id());
    let mut tx = state.db.begin_write().await?;
    lock_user(&mut tx, state, &user.user_id).await?;
    let (owned,): (i64,) = sqlx::query_as(
        "select count(*) from membership m join tenant t on t.id = m.tenant_id \
         where m.user_id = $1 and m.role = 'owner' and t.plan = 'free'",
    )
    .bind(&user.user_id)
    .fetch_one(&mut *tx)
    .await?;
    let most = state.config.free_workspaces_per_user;
    if owned >= most {
        return Err(ServerError::Conflict(format!(
            "You already own {owned} workspaces on the Free plan, the most one person may. \
             Upgrade one of them or use an existing one."
        )));
    }
    insert_with_owner(&mut tx, &tenant_id, name, &user.user_id, now()).await?;
    tx.commit().await?;
    Ok(tenant_id)
}

/// Serialises one user's workspace creations, so parallel requests cannot
/// all pass the count. SQLite's write transaction already does.
pub(super) async fn lock_user(
    tx: &mut Transaction<'static, Any>,
    state: &AppState,
    user_id: &UserId,
) -> ServerResult<()> {
    if state.db.backend == Backend::Postgres {
        sqlx::query("select pg_advisory_xact_lock(7340003, hashtext($1))")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn rename(
    ctx: &TenantContext,
    state: &AppState,
    workspace_id: &TenantId,
    name: &WorkspaceName,
) -> ServerResult<()> {
    if workspace_id != ctx.tenant_id() {
        return Err(ServerError::NotFound);
    }
    ctx.require(Permission::ManageWorkspace)?;
    sqlx::query("update tenant set name = $1 where id = $2")
        .bind(name.as_str())
        .bind(ctx.tenant_id())
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn dashboard(ctx: &TenantContext, state: &AppState) -> ServerResult<DashboardSummary> {
    let (members, created_at, workspace_name): (i64, i64, String) = sqlx::query_as(
        "select (select count(*) from membership where tenant_id = $1), created_at, name from tenant where id = $1",
    )
    .bind(ctx.tenant_id())
    .fetch_one(&state.db.pool)
    .await?;
    let in_force = quota::in_force(ctx, state).await?;
    let (workspaces,): (i64,) = sqlx::query_as("select count(*) from membership where user_id = $1")
        .bind(ctx.member()?)
        .fetch_one(&state.db.pool)
        .await?;
    Ok(DashboardSummary {
        workspace_name,
        plan: in_force.plan,
        limits: in_force.limits,
        members,
        workspaces,
        created_at,
        usage: quota::usage(ctx, state, &in_force.limits).await?,
    })
}

/// What the signed-in shell needs: the user, the active workspace, the
/// rest. In a support view the workspace is the one looked at, as its
/// owner sees it, and there is nothing to switch to.
pub async fn me(user: &CurrentUser, ctx: &TenantContext, state: &AppState) -> ServerResult<Me> {
    let (workspace, workspaces, support_view) = if ctx.is_support_view() {
        let view: SupportView = user
            .session
            .get(keys::SUPPORT)
            .await
            .map_err(ServerError::internal)?
            .ok_or(ServerError::NotFound)?;
        let (name, plan): (String, String) = sqlx::query_as("select name, plan from tenant where id = $1")
            .bind(ctx.tenant_id())
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or(ServerError::NotFound)?;
        let summary = WorkspaceRow {
            id: ctx.tenant_id().clone(),
            name: name.clone(),
            plan,
            role: Role::Owner.as_str().into(),
        }
        .into_summary()?;
        let banner = SupportBanner {
            workspace_name: name,
            reason: view.reason,
        };
        (summary.clone(), vec![summary], Some(banner))
    } else {
        let workspaces = list_for_user(user, state).await?;
        let workspace = workspaces
            .iter()
            .find(|w| w.id == *ctx.tenant_id())
            .cloned()
            .ok_or(ServerError::NotFound)?;
        (workspace, workspaces, None)
    };
    Ok(Me {
        user: UserSummary {
            id: user.user_id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            is_platform_admin: user.is_platform_admin,
            email_verified: user.email_verified,
        },
        workspace,
        workspaces,
        billing_alert: billing::alert(ctx, state).await?,
        suspension: suspension(ctx, state).await?.map(|reason| Suspension {
            reason,
            contact: state.config.support_email.clone(),
        }),
        support_view,
    })
}

/// Why the workspace is suspended, when a platform admin has suspended it.
pub async fn suspension(ctx: &TenantContext, state: &AppState) -> ServerResult<Option<String>> {
    let row: Option<(Option<i64>, String)> =
        sqlx::query_as("select suspended_at, suspended_reason from tenant where id = $1")
            .bind(ctx.tenant_id())
            .fetch_optional(&state.db.pool)
            .await?;
    Ok(row.and_then(|(at, reason)| at.map(|_| reason)))
}
