//! The audit log: who did what, when and from where. Entries are only ever
//! inserted (no function here or anywhere updates or deletes one); each
//! names its workspace when it concerns one, so owners and admins read
//! their workspace's log and platform admins read everything.

use crate::app::types::{AuditAction, AuditEntry, AuditFilter, AuditPage, Permission, TenantId, UserId};
use crate::server::auth::{Origin, PlatformAdmin, TenantContext};
use crate::server::db::{like_pattern, new_id, now, paging, Tx, Where};
use crate::server::domain::{csv, format_in_zone};
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use sqlx::Any;

pub const PER_PAGE: i64 = 50;
/// The most rows one CSV download holds.
const EXPORT_LIMIT: i64 = 100_000;

/// What happened, to what, in plain words (never a secret).
pub struct Event<'a> {
    pub action: AuditAction,
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub detail: String,
}

impl<'a> Event<'a> {
    pub fn new(action: AuditAction, target_kind: &'a str, target_id: &'a str) -> Event<'a> {
        Event {
            action,
            target_kind,
            target_id,
            detail: String::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Event<'a> {
        self.detail = detail.into();
        self
    }
}

/// Who acted and from where, as an entry stores it.
pub struct Actor<'a> {
    pub user_id: Option<&'a UserId>,
    pub origin: &'a Origin,
}

/// Something a workspace's member (or the runner, or a support view) did.
pub async fn by_member<'c>(
    ctx: &TenantContext,
    exec: impl sqlx::Executor<'c, Database = Any>,
    event: Event<'_>,
) -> ServerResult<()> {
    let actor = Actor {
        user_id: ctx.user_id(),
        origin: ctx.origin(),
    };
    let event = match ctx.api_key_id() {
        Some(key) => {
            let detail = format!("{} (by API key {key})", event.detail).trim_start().to_owned();
            event.detail(detail)
        }
        None => event,
    };
    insert(exec, Some(ctx.tenant_id()), &actor, event).await
}

/// Deletes row `id` of `table` in the member's workspace and records
/// `event` beside it, in the caller's transaction; NotFound when the
/// workspace has no such row (another workspace's id included).
pub async fn delete_recorded(
    ctx: &TenantContext,
    tx: &mut Tx,
    table: &'static str,
    id: &str,
    event: Event<'_>,
) -> ServerResult<()> {
    let done = sqlx::query(&format!("delete from {table} where id = $1 and tenant_id = $2"))
        .bind(id)
        .bind(ctx.tenant_id())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    by_member(ctx, &mut **tx, event).await
}

/// Something a platform admin (or the operator's command line) did.
pub async fn by_admin<'c>(
    admin: &PlatformAdmin,
    exec: impl sqlx::Executor<'c, Database = Any>,
    tenant_id: Option<&TenantId>,
    event: Event<'_>,
) -> ServerResult<()> {
    let actor = Actor {
        user_id: admin.user_id(),
        origin: admin.origin(),
    };
    insert(exec, tenant_id, &actor, event).await
}

/// Writes one entry. Everything else in this module only reads.
pub async fn insert<'c>(
    exec: impl sqlx::Executor<'c, Database = Any>,
    tenant_id: Option<&TenantId>,
    actor: &Actor<'_>,
    event: Event<'_>,
) -> ServerResult<()> {
    sqlx::query(
        "insert into audit_log (id, tenant_id, actor_id, actor_email, action, target_kind, target_id, detail, \
         ip, request_id, at) values ($1, $2, $3, coalesce((select email from app_user where id = $3), ''), \
         $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(tenant_id)
    .bind(actor.user_id)
    .bind(event.action.as_str())
    .bind(event.target_kind)
    .bind(event.target_id)
    .bind(&event.detail)
    .bind(&actor.origin.ip)
    .bind(&actor.origin.request_id)
    .bind(now())
    .execute(exec)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    tenant_id: Option<TenantId>,
    actor_email: String,
    actor_id: Option<String>,
    action: String,
    target_kind: String,
    target_id: String,
    detail: String,
    ip: String,
    request_id: String,
    at: i64,
}

impl EntryRow {
    /// `for_workspace`: the entry is shown in a workspace's own log, where
    /// staff actions name no staff member.
    fn into_entry(self, for_workspace: bool) -> ServerResult<AuditEntry> {
        let action = AuditAction::parse(&self.action)
            .ok_or_else(|| ServerError::internal(format!("unknown audit action {:?}", self.action)))?;
        let staff = for_workspace && action.by_staff();
        let actor = match (self.actor_id, self.actor_email) {
            _ if staff => "Autopilot support".into(),
            (_, email) if !email.is_empty() => email,
            (Some(_), _) => "A deleted user".into(),
            (None, _) if action == AuditAction::SignInFailed => "Not signed in".into(),
            (None, _) => "Autopilot".into(),
        };
        let (ip, request_id) = if staff {
            (String::new(), String::new())
        } else {
            (self.ip, self.request_id)
        };
        let target = match (self.target_kind.as_str(), self.target_id.as_str()) {
            ("", _) => String::new(),
            (kind, "") => kind.to_owned(),
            (kind, id) => format!("{kind} {id}"),
        };
        Ok(AuditEntry {
            when: format_in_zone(self.at, chrono_tz::UTC),
            id: self.id,
            at: self.at,
            workspace_id: self.tenant_id,
            actor,
            action,
            target,
            detail: self.detail,
            ip,
            request_id,
        })
    }
}

/// One workspace's entries, newest first: for its owners and admins.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn list(ctx: &TenantContext, state: &AppState, filter: &AuditFilter, page: i64) -> ServerResult<AuditPage> {
    ctx.require(Permission::ViewAudit)?;
    let filter = AuditFilter {
        workspace: Some(ctx.tenant_id().clone()),
        ..filter.clone()
    };
    read_page(state, &filter, page, true).await
}

/// Every entry, or one workspace's: for platform admins.
pub async fn list_all(
    _admin: &PlatformAdmin,
    state: &AppState,
    filter: &AuditFilter,
    page: i64,
) -> ServerResult<AuditPage> {
    read_page(state, filter, page, false).await
}

/// The workspace's entries matching `filter` as CSV, newest first.
pub async fn export(ctx: &TenantContext, state: &AppState, filter: &AuditFilter) -> ServerResult<String> {
    ctx.require(Permission::ViewAudit)?;
    let filter = AuditFilter {
        workspace: Some(ctx.tenant_id().clone()),
        ..filter.clone()
    };
    let rows = read(state, &filter, EXPORT_LIMIT, 0).await?;
    let mut csv = String::from("time_utc,actor,action,target,detail,ip,request_id\r\n");
    for row in rows {
        let entry = row.into_entry(true)?;
        let at = chrono::DateTime::from_timestamp(entry.at, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let cells = [
            at.as_str(),
            entry.actor.as_str(),
            entry.action.as_str(),
            entry.target.as_str(),
            entry.detail.as_str(),
            entry.ip.as_str(),
            entry.request_id.as_str(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv::cell(c)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    Ok(csv)
}

async fn read_page(state: &AppState, filter: &AuditFilter, page: i64, for_workspace: bool) -> ServerResult<AuditPage> {
    let clause = clause(filter);
    let sql = format!("select count(*) from audit_log where {}", clause.sql());
    let (total,): (i64,) = clause.bind(sqlx::query_as(&sql)).fetch_one(&state.db.pool).await?;
    let (page, pages) = paging(total, PER_PAGE, page);
    let rows = read(state, filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| r.into_entry(for_workspace))
            .collect::<ServerResult<_>>()?,
        page,
        pages,
        total,
    })
}

async fn read(state: &AppState, filter: &AuditFilter, limit: i64, offset: i64) -> ServerResult<Vec<EntryRow>> {
    let clause = clause(filter);
    let next = clause.next();
    let sql = format!(
        "select id, tenant_id, actor_email, actor_id, action, target_kind, target_id, detail, ip, request_id, at \
         from audit_log where {} order by at desc, id desc limit ${next} offset ${}",
        clause.sql(),
        next + 1
    );
    Ok(clause
        .bind(sqlx::query_as(&sql))
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.db.pool)
        .await?)
}

fn clause(filter: &AuditFilter) -> Where {
    let days = filter.days.clamp(0, 36_500);
    let since = if days > 0 { now() - days * 86_400 } else { 0 };
    let mut clause = Where::new("at >= ", since);
    if let Some(tenant_id) = &filter.workspace {
        clause.text("tenant_id = ", tenant_id.as_str());
    }
    if let Some(action) = filter.action {
        clause.text("action = ", action.as_str());
    }
    if let Some(actor) = like_pattern(&filter.actor) {
        clause.text("lower(actor_email) like ", actor);
    }
    clause
}
