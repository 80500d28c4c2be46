//! Running the service: users and workspaces across tenants, suspensions,
//! the support view, the job inspector (`jobs`), system health (`health`)
//! and business figures (`figures`). Every function takes a
//! `PlatformAdmin`, which only `auth` makes; every change is audited.

pub mod figures;
pub mod health;
pub mod jobs;

use crate::app::types::{
    AdminSite, AdminUser, AdminUserFilter, AdminWorkspace, AdminWorkspaceDetail, AdminWorkspaceFilter, AuditAction,
    LimitOverrides, Paged, Plan, TenantId, UserId,
};
use crate::server::auth::PlatformAdmin;
use crate::server::db::{like_pattern, now, Flag, Where};
use crate::server::domain::format_day;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::audit::{self, Event};
use crate::server::services::housekeeping::PLATFORM_TENANT;
use crate::server::services::{billing, members, quota};
use crate::server::state::AppState;

pub const PER_PAGE: i64 = 25;
/// The shortest reason a suspension or a support view accepts.
const MIN_REASON: usize = 5;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    email: String,
    name: String,
    is_platform_admin: Flag,
    email_verified_at: Option<i64>,
    suspended_at: Option<i64>,
    suspended_reason: String,
    created_at: i64,
    workspaces: i64,
}

pub async fn users(
    _admin: &PlatformAdmin,
    state: &AppState,
    filter: &AdminUserFilter,
    page: i64,
) -> ServerResult<Paged<AdminUser>> {
    let mut clause = Where::new("u.created_at >= ", since(filter.created_days));
    if let Some(q) = like_pattern(&filter.q) {
        clause.search(&["u.email", "u.name"], q);
    }
    match filter.status.as_str() {
        "suspended" => clause.raw("u.suspended_at is not null"),
        "active" => clause.raw("u.suspended_at is null"),
        _ => &mut clause,
    };
    let query = (
        "u.id, u.email, u.name, u.is_platform_admin, u.email_verified_at, u.suspended_at, u.suspended_reason, \
         u.created_at, (select count(*) from membership m where m.user_id = u.id) as workspaces",
        "from app_user u",
        "u.created_at desc, u.id desc",
    );
    let found = clause
        .fetch_page::<UserRow>(&state.db.pool, query, PER_PAGE, page)
        .await?;
    Ok(found.map(|r| AdminUser {
        id: r.id,
        email: r.email,
        name: r.name,
        is_platform_admin: r.is_platform_admin.0,
        email_verified: r.email_verified_at.is_some(),
        suspended: r.suspended_at.map(|_| r.suspended_reason),
        created: format_day(r.created_at),
        workspaces: r.workspaces,
    }))
}

fn since(days: i64) -> i64 {
    let days = days.clamp(0, 36_500);
    if days > 0 {
        now() - days * 86_400
    } else {
        0
    }
}

#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    id: TenantId,
    name: String,
    plan: String,
    suspended_at: Option<i64>,
    suspended_reason: String,
    created_at: i64,
    members: i64,
    sites: i64,
    billing_status: String,
    payment_failed_at: Option<i64>,
}

impl WorkspaceRow {
    fn into_workspace(self) -> AdminWorkspace {
        AdminWorkspace {
            plan: Plan::parse(&self.plan).unwrap_or(Plan::Free),
            suspended: self.suspended_at.map(|_| self.suspended_reason),
            created: format_day(self.created_at),
            in_dunning: self.payment_failed_at.is_some(),
            id: self.id,
            name: self.name,
            members: self.members,
            sites: self.sites,
            billing_status: self.billing_status,
        }
    }
}

const WORKSPACE_SELECT: &str = "t.id, t.name, t.plan, t.suspended_at, t.suspended_reason, t.created_at, \
     (select count(*) from membership m where m.tenant_id = t.id) as members, \
     (select count(*) from site s where s.tenant_id = t.id) as sites, \
     coalesce(b.status, 'none') as billing_status, b.payment_failed_at";
const WORKSPACE_FROM: &str = "from tenant t left join billing b on b.tenant_id = t.id";

pub async fn workspaces(
    _admin: &PlatformAdmin,
    state: &AppState,
    filter: &AdminWorkspaceFilter,
    page: i64,
) -> ServerResult<Paged<AdminWorkspace>> {
    let mut clause = Where::new("t.created_at >= ", since(filter.created_days));
    clause.text("t.id <> ", PLATFORM_TENANT);
    if let Some(q) = like_pattern(&filter.q) {
        clause.text("lower(t.name) like ", q);
    }
    if let Some(plan) = filter.plan {
        clause.text("t.plan = ", plan.as_str());
    }
    match filter.status.as_str() {
        "suspended" => clause.raw("t.suspended_at is not null"),
        "active" => clause.raw("t.suspended_at is null"),
        _ => &mut clause,
    };
    if filter.dunning {
        clause.raw("b.payment_failed_at is not null");
    }
    let found = clause
        .fetch_page::<WorkspaceRow>(
            &state.db.pool,
            (WORKSPACE_SELECT, WORKSPACE_FROM, "t.created_at desc, t.id desc"),
            PER_PAGE,
            page,
        )
        .await?;
    Ok(found.map(WorkspaceRow::into_workspace))
}

/// Everything about one workspace an admin needs to help it.
/// The limits a platform admin set for one workspace.
#[derive(sqlx::FromRow)]
struct OverrideRow {
    posts_limit_override: Option<i64>,
    sites_limit_override: Option<i64>,
    members_limit_override: Option<i64>,
    social_accounts_limit_override: Option<i64>,
    stores_limit_override: Option<i64>,
}

pub async fn workspace(
    admin: &PlatformAdmin,
    state: &AppState,
    tenant_id: &TenantId,
) -> ServerResult<AdminWorkspaceDetail> {
    let row: WorkspaceRow = sqlx::query_as(&format!("select {WORKSPACE_SELECT} {WORKSPACE_FROM} where t.id = $1"))
        .bind(tenant_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ServerError::NotFound)?;
    let overrides: OverrideRow = sqlx::query_as(
        "select posts_limit_override, sites_limit_override, members_limit_override, social_accounts_limit_override, \
         stores_limit_override from tenant where id = $1",
    )
    .bind(tenant_id)
    .fetch_one(&state.db.pool)
    .await?;
    let view = admin.view_of(tenant_id.clone());
    let limits = quota::in_force(&view, state).await?.limits;
    let sites: Vec<(crate::app::types::SiteId, String, String, String)> =
        sqlx::query_as("select id, name, url, connection from site where tenant_id = $1 order by created_at, id")
            .bind(tenant_id)
            .fetch_all(&state.db.pool)
            .await?;
    let job_filter = crate::app::types::AdminJobFilter {
        workspace: tenant_id.to_string(),
        ..Default::default()
    };
    Ok(AdminWorkspaceDetail {
        workspace: row.into_workspace(),
        usage: quota::usage(&view, state, &limits).await?,
        limits,
        overrides: LimitOverrides {
            posts: overrides.posts_limit_override,
            sites: overrides.sites_limit_override,
            members: overrides.members_limit_override,
            social_accounts: overrides.social_accounts_limit_override,
            stores: overrides.stores_limit_override,
        },
        members: members::list(&view, state, "", 1).await?.members,
        sites: sites
            .into_iter()
            .map(|(id, name, url, connection)| AdminSite {
                id,
                name,
                url,
                connection,
            })
            .collect(),
        jobs: jobs::list(admin, state, &job_filter, 1).await?.rows,
        invoices: billing::overview(&view, state, 1).await?.invoices.lines,
    })
}

fn reason_of(reason: &str) -> ServerResult<String> {
    let reason = reason.trim();
    if reason.chars().count() < MIN_REASON {
        return Err(ServerError::Validation(
            "Give a reason (a few words): it is kept in the audit log.".into(),
        ));
    }
    Ok(reason.chars().take(500).collect())
}

/// The workspaces a user owns, oldest first; NotFound when there is no
/// such user.
pub async fn owned_workspaces(
    _admin: &PlatformAdmin,
    state: &AppState,
    user_id: &UserId,
) -> ServerResult<Vec<TenantId>> {
    let (users,): (i64,) = sqlx::query_as("select count(*) from app_user where id = $1")
        .bind(user_id)
        .fetch_one(&state.db.pool)
        .await?;
    if users == 0 {
        return Err(ServerError::NotFound);
    }
    let owned: Vec<(TenantId,)> = sqlx::query_as(
        "select tenant_id from membership where user_id = $1 and role = 'owner' order by created_at, tenant_id",
    )
    .bind(user_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(owned.into_iter().map(|(t,)| t).collect())
}

/// Suspends a user (`Some(reason)`) or lifts the suspension (`None`).
/// Suspending ends every session of theirs at once: the next request finds
/// the account suspended, and the sign-out epoch moves on as well, so no
/// session opened before survives the suspension being lifted.
pub async fn suspend_user(
    admin: &PlatformAdmin,
    state: &AppState,
    user_id: &UserId,
    reason: Option<&str>,
) -> ServerResult<()> {
    if admin.user_id() == Some(user_id) {
        return Err(ServerError::Conflict("You cannot suspend your own account.".into()));
    }
    let reason = reason.map(reason_of).transpose()?;
    let mut tx = state.db.pool.begin().await?;
    let done = match &reason {
        Some(reason) => sqlx::query(
            "update app_user set suspended_at = $1, suspended_reason = $2, session_epoch = session_epoch + 1 \
             where id = $3",
        )
        .bind(now())
        .bind(reason)
        .bind(user_id),
        None => {
            sqlx::query("update app_user set suspended_at = null, suspended_reason = '' where id = $1").bind(user_id)
        }
    }
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    let event = match &reason {
        Some(reason) => Event::new(AuditAction::UserSuspended, "user", user_id.as_str()).detail(reason.clone()),
        None => Event::new(AuditAction::UserUnsuspended, "user", user_id.as_str()),
    };
    audit::by_admin(admin, &mut *tx, None, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Suspends a workspace (`Some(reason)`) or lifts it (`None`): while
/// suspended its schedules enqueue nothing, its queued jobs wait, "run now"
/// is refused, and its members see the reason on every page.
pub async fn suspend_workspace(
    admin: &PlatformAdmin,
    state: &AppState,
    tenant_id: &TenantId,
    reason: Option<&str>,
) -> ServerResult<()> {
    if tenant_id.as_str() == PLATFORM_TENANT {
        return Err(ServerError::NotFound);
    }
    let reason = reason.map(reason_of).transpose()?;
    let mut tx = state.db.pool.begin().await?;
    let done = match &reason {
        Some(reason) => sqlx::query("update tenant set suspended_at = $1, suspended_reason = $2 where id = $3")
            .bind(now())
            .bind(reason)
            .bind(tenant_id),
        None => {
            sqlx::query("update tenant set suspended_at = null, suspended_reason = '' where id = $1").bind(tenant_id)
        }
    }
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    let event = match &reason {
        Some(reason) => {
            Event::new(AuditAction::WorkspaceSuspended, "workspace", tenant_id.as_str()).detail(reason.clone())
        }
        None => Event::new(AuditAction::WorkspaceUnsuspended, "workspace", tenant_id.as_str()),
    };
    audit::by_admin(admin, &mut *tx, Some(tenant_id), event).await?;
    tx.commit().await?;
    if reason.is_none() {
        state.wake.notify_one();
    }
    Ok(())
}

/// Checks and records the start of a read-only support view; the caller
/// keeps it in the admin's session. Returns the workspace's name.
pub async fn open_support_view(
    admin: &PlatformAdmin,
    state: &AppState,
    tenant_id: &TenantId,
    reason: &str,
) -> ServerResult<String> {
    let reason = reason_of(reason)?;
    let name: Option<(String,)> = sqlx::query_as("select name from tenant where id = $1 and id <> $2")
        .bind(tenant_id)
        .bind(PLATFORM_TENANT)
        .fetch_optional(&state.db.pool)
        .await?;
    let (name,) = name.ok_or(ServerError::NotFound)?;
    let event = Event::new(AuditAction::SupportViewStarted, "workspace", tenant_id.as_str()).detail(reason);
    audit::by_admin(admin, &state.db.pool, Some(tenant_id), event).await?;
    Ok(name)
}

pub async fn close_support_view(admin: &PlatformAdmin, state: &AppState, tenant_id: &TenantId) -> ServerResult<()> {
    let event = Event::new(AuditAction::SupportViewEnded, "workspace", tenant_id.as_str());
    audit::by_admin(admin, &state.db.pool, Some(tenant_id), event).await
}
