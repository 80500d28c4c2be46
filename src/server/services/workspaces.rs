//! Workspaces (tenants) and memberships.

use crate::app::types::{DashboardSummary, MemberSummary, Permission, Plan, Role, WorkspaceSummary};
use crate::server::auth::TenantContext;
use crate::server::config::Config;
use crate::server::db::{new_id, now, Db};
use crate::server::domain::WorkspaceName;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::accounts::CREATOR_ROLE;
use crate::server::services::quota;
use sqlx::{Any, Transaction};

#[derive(sqlx::FromRow)]
struct MembershipRow {
    tenant_id: String,
    name: String,
    plan: String,
    user_id: String,
    role: String,
}

impl MembershipRow {
    fn into_context(self) -> ServerResult<TenantContext> {
        Ok(TenantContext {
            plan: parse_plan(&self.plan)?,
            role: parse_role(&self.role)?,
            tenant_id: self.tenant_id,
            tenant_name: self.name,
            user_id: self.user_id,
        })
    }
}

fn parse_plan(s: &str) -> ServerResult<Plan> {
    Plan::parse(s).ok_or_else(|| ServerError::internal(format!("unknown plan {s:?} in database")))
}

fn parse_role(s: &str) -> ServerResult<Role> {
    Role::parse(s).ok_or_else(|| ServerError::internal(format!("unknown role {s:?} in database")))
}

const MEMBERSHIP_SELECT: &str = "select t.id as tenant_id, t.name, t.plan, m.user_id, m.role \
     from membership m join tenant t on t.id = m.tenant_id";

/// The user's membership of one workspace, if any. This is how a
/// `TenantContext` comes to exist.
pub async fn membership(db: &Db, user_id: &str, tenant_id: &str) -> ServerResult<Option<TenantContext>> {
    let row: Option<MembershipRow> = sqlx::query_as(&format!(
        "{MEMBERSHIP_SELECT} where m.tenant_id = $1 and m.user_id = $2"
    ))
    .bind(tenant_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(MembershipRow::into_context).transpose()
}

/// The user's oldest membership: the default workspace after sign-in.
pub async fn first_membership(db: &Db, user_id: &str) -> ServerResult<Option<TenantContext>> {
    let row: Option<MembershipRow> = sqlx::query_as(&format!(
        "{MEMBERSHIP_SELECT} where m.user_id = $1 order by m.created_at, t.id limit 1"
    ))
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(MembershipRow::into_context).transpose()
}

/// Every workspace the user belongs to, by name.
pub async fn list_for_user(db: &Db, user_id: &str) -> ServerResult<Vec<WorkspaceSummary>> {
    let rows: Vec<MembershipRow> = sqlx::query_as(&format!(
        "{MEMBERSHIP_SELECT} where m.user_id = $1 order by lower(t.name), t.id"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| r.into_context().map(|c| summary(&c)))
        .collect()
}

pub fn summary(ctx: &TenantContext) -> WorkspaceSummary {
    WorkspaceSummary {
        id: ctx.tenant_id.clone(),
        name: ctx.tenant_name.clone(),
        role: ctx.role,
        plan: ctx.plan,
    }
}

/// Creates a workspace with `user_id` as its owner, inside the caller's
/// transaction (sign-up creates the user in the same one).
pub async fn insert_with_owner(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    name: &WorkspaceName,
    user_id: &str,
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
#[tracing::instrument(skip_all, fields(user_id), err)]
pub async fn create(db: &Db, user_id: &str, name: &WorkspaceName) -> ServerResult<String> {
    let tenant_id = new_id();
    let mut tx = db.pool.begin().await?;
    insert_with_owner(&mut tx, &tenant_id, name, user_id, now()).await?;
    tx.commit().await?;
    Ok(tenant_id)
}

/// The context for switching to `tenant_id`; NotFound unless the user is a
/// member, so other workspaces' ids reveal nothing.
pub async fn switch_target(db: &Db, user_id: &str, tenant_id: &str) -> ServerResult<TenantContext> {
    membership(db, user_id, tenant_id).await?.ok_or(ServerError::NotFound)
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn rename(ctx: &TenantContext, db: &Db, workspace_id: &str, name: &WorkspaceName) -> ServerResult<()> {
    if workspace_id != ctx.tenant_id {
        return Err(ServerError::NotFound);
    }
    ctx.require(Permission::ManageWorkspace)?;
    sqlx::query("update tenant set name = $1 where id = $2")
        .bind(name.as_str())
        .bind(&ctx.tenant_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn dashboard(ctx: &TenantContext, db: &Db, config: &Config) -> ServerResult<DashboardSummary> {
    let (members, created_at): (i64, i64) = sqlx::query_as(
        "select (select count(*) from membership where tenant_id = $1), created_at from tenant where id = $1",
    )
    .bind(&ctx.tenant_id)
    .fetch_one(&db.pool)
    .await?;
    let in_force = quota::in_force(&db.pool, config, &ctx.tenant_id, now()).await?;
    let (workspaces,): (i64,) = sqlx::query_as("select count(*) from membership where user_id = $1")
        .bind(&ctx.user_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(DashboardSummary {
        workspace_name: ctx.tenant_name.clone(),
        plan: in_force.plan,
        limits: in_force.limits,
        members,
        workspaces,
        created_at,
        usage: quota::usage(db, &ctx.tenant_id, &in_force.limits, now()).await?,
    })
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: String,
    name: String,
    email: String,
    role: String,
    created_at: i64,
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn members(ctx: &TenantContext, db: &Db) -> ServerResult<Vec<MemberSummary>> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<MemberRow> = sqlx::query_as(
        "select u.id as user_id, u.name, u.email, m.role, m.created_at from membership m \
         join app_user u on u.id = m.user_id where m.tenant_id = $1 order by m.created_at, u.id",
    )
    .bind(&ctx.tenant_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(MemberSummary {
                role: parse_role(&r.role)?,
                user_id: r.user_id,
                name: r.name,
                email: r.email,
                joined_at: r.created_at,
            })
        })
        .collect()
}

/// What the signed-in shell needs: the user, the active workspace, the rest.
pub async fn me(
    db: &Db,
    config: &Config,
    user: &crate::server::auth::CurrentUser,
    ctx: &TenantContext,
) -> ServerResult<crate::app::types::Me> {
    Ok(crate::app::types::Me {
        user: crate::app::types::UserSummary {
            id: user.user_id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            is_platform_admin: user.is_platform_admin,
            email_verified: user.email_verified,
        },
        workspace: summary(ctx),
        workspaces: list_for_user(db, &user.user_id).await?,
        billing_alert: crate::server::services::billing::alert(db, config, ctx).await?,
    })
}
