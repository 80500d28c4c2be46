//! Plans and payments of a workspace. With Stripe configured, a first paid
//! plan goes through Checkout, later changes update the subscription, and
//! the Billing Portal handles cards and cancelling (`change`); Stripe's
//! webhooks (`webhook`) keep the workspace in step. Without
//! STRIPE_SECRET_KEY the same page runs in test mode and plan changes
//! apply at once. This file holds what the page reads, the payment banner,
//! owner mail and the limit overrides of platform admins.

mod change;
pub mod signature;
mod sync;
pub mod webhook;

pub use change::{checkout_result, choose_plan, portal};

use crate::app::types::{
    AuditAction, BillingAlert, BillingOverview, InvoiceLine, InvoicePage, Permission, Plan, PlanSummary, TenantId,
    UsageBar,
};
use crate::server::auth::{PlatformAdmin, TenantContext};
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::domain::format_day;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::audit::{self, Event};
use crate::server::services::mail;
use crate::server::services::quota::{self, InForce};
use crate::server::state::AppState;

pub const INVOICES_PER_PAGE: i64 = 12;

#[derive(Debug, Clone, Default, sqlx::FromRow)]
struct BillingRow {
    customer_id: Option<String>,
    subscription_id: Option<String>,
    status: String,
    period_end: Option<i64>,
    trial_end: Option<i64>,
    cancel_at_period_end: crate::server::db::Flag,
    trial_used: crate::server::db::Flag,
    payment_failed_at: Option<i64>,
    payment_url: Option<String>,
    synced_at_ms: i64,
}

async fn billing_row(db: &Db, tenant_id: &TenantId) -> ServerResult<BillingRow> {
    Ok(sqlx::query_as(
        "select customer_id, subscription_id, status, period_end, trial_end, cancel_at_period_end, trial_used, \
         payment_failed_at, payment_url, synced_at_ms from billing where tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(&db.pool)
    .await?
    .unwrap_or_else(|| BillingRow {
        status: "none".into(),
        ..BillingRow::default()
    }))
}

/// The plans with the limits this deployment enforces.
pub fn plans(config: &Config) -> Vec<PlanSummary> {
    Plan::ALL
        .into_iter()
        .map(|plan| PlanSummary {
            plan,
            name: plan.name().into(),
            monthly_price_cents: plan.monthly_price_cents(),
            limits: config.plan_limits(plan),
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn overview(ctx: &TenantContext, state: &AppState, invoice_page: i64) -> ServerResult<BillingOverview> {
    ctx.require(Permission::ViewBilling)?;
    let (db, config) = (&state.db, &state.config);
    let row = billing_row(db, ctx.tenant_id()).await?;
    let in_force = quota::in_force(ctx, state).await?;
    let usage = quota::usage(ctx, state, &in_force.limits).await?;
    let (members,): (i64,) = sqlx::query_as("select count(*) from membership where tenant_id = $1")
        .bind(ctx.tenant_id())
        .fetch_one(&db.pool)
        .await?;
    Ok(BillingOverview {
        plan: in_force.paid,
        effective_plan: in_force.plan,
        limits: in_force.limits,
        status: status_label(&row, config.billing.test_mode()),
        test_mode: config.billing.test_mode(),
        unavailable: config.billing.unavailable(),
        can_manage: ctx.can(Permission::ManageBilling),
        has_customer: row.customer_id.is_some() && !config.billing.test_mode(),
        period_note: period_note(&row),
        cancel_at_period_end: row.cancel_at_period_end.0,
        alert: alert_for(&row, &in_force, config),
        usage: vec![
            bar(
                "Posts this month",
                usage.posts_this_month,
                in_force.limits.posts_per_month,
            ),
            bar("Sites", usage.sites, in_force.limits.sites),
            bar("Members", members, in_force.limits.members),
            bar(
                "Social accounts",
                crate::server::services::social::connected(&db.pool, ctx.tenant_id()).await?,
                in_force.limits.social_accounts,
            ),
            bar(
                "Stores",
                crate::server::services::stores::counted(&db.pool, ctx.tenant_id()).await?,
                in_force.limits.stores,
            ),
        ],
        invoices: invoices(db, ctx.tenant_id(), invoice_page).await?,
        plans: plans(config),
    })
}

fn bar(label: &str, used: i64, limit: i64) -> UsageBar {
    UsageBar {
        label: label.into(),
        used,
        limit,
    }
}

fn status_label(row: &BillingRow, test_mode: bool) -> String {
    let label = match row.status.as_str() {
        "none" | "canceled" | "incomplete_expired" => "No subscription",
        "active" => "Active",
        "trialing" => "Free trial",
        "past_due" => "Payment overdue",
        "unpaid" => "Unpaid",
        "incomplete" => "Waiting for payment",
        "paused" => "Paused",
        _ => "Unknown",
    };
    if test_mode {
        format!("{label} (test mode)")
    } else {
        label.into()
    }
}

fn period_note(row: &BillingRow) -> Option<String> {
    if row.status == "trialing" {
        return row.trial_end.map(|t| format!("Trial ends on {}", format_day(t)));
    }
    if !sync::is_live(&row.status) {
        return None;
    }
    row.period_end.map(|t| {
        if row.cancel_at_period_end.0 {
            format!("Ends on {}, then the Free plan", format_day(t))
        } else {
            format!("Renews on {}", format_day(t))
        }
    })
}

fn alert_for(row: &BillingRow, in_force: &InForce, config: &Config) -> Option<BillingAlert> {
    let failed = row.payment_failed_at?;
    let downgraded = in_force.plan != in_force.paid;
    let message = if downgraded {
        format!(
            "Your payment is overdue, so this workspace has the Free plan's limits and automation beyond them is paused. \
             Pay the open invoice to restore {}.",
            in_force.paid.name()
        )
    } else {
        let until = failed + config.billing.dunning_grace_days * 86_400;
        format!(
            "Your last payment failed. Pay by {} to keep the {} plan's limits.",
            format_day(until),
            in_force.paid.name()
        )
    };
    Some(BillingAlert {
        message,
        payment_url: row.payment_url.clone(),
        downgraded,
        can_view_billing: true,
    })
}

/// The banner every page of the workspace shows while a payment is due;
/// the pay link only for those who may see billing.
pub async fn alert(ctx: &TenantContext, state: &AppState) -> ServerResult<Option<BillingAlert>> {
    let row = billing_row(&state.db, ctx.tenant_id()).await?;
    if row.payment_failed_at.is_none() {
        return Ok(None);
    }
    let in_force = quota::in_force(ctx, state).await?;
    let mut alert = alert_for(&row, &in_force, &state.config);
    if let Some(alert) = alert.as_mut().filter(|_| !ctx.can(Permission::ViewBilling)) {
        alert.payment_url = None;
        alert.can_view_billing = false;
        alert.message = if alert.downgraded {
            "A payment is overdue, so this workspace has the Free plan's limits for now. An owner can restore the plan."
        } else {
            "The workspace's last payment failed. An owner has been told and can settle it from the billing page."
        }
        .into();
    }
    Ok(alert)
}

async fn invoices(db: &Db, tenant_id: &TenantId, page: i64) -> ServerResult<InvoicePage> {
    let (total,): (i64,) = sqlx::query_as("select count(*) from invoice where tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&db.pool)
        .await?;
    let pages = ((total + INVOICES_PER_PAGE - 1) / INVOICES_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let rows: Vec<(String, String, i64, i64, String, String, String)> = sqlx::query_as(&format!(
        "select id, number, created_at, amount_cents, currency, status, hosted_url from invoice \
         where tenant_id = $1 order by created_at desc, id desc limit {INVOICES_PER_PAGE} offset {}",
        (page - 1) * INVOICES_PER_PAGE
    ))
    .bind(tenant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(InvoicePage {
        lines: rows
            .into_iter()
            .map(
                |(id, number, created_at, amount_cents, currency, status, hosted_url)| InvoiceLine {
                    id,
                    number,
                    date: format_day(created_at),
                    amount_cents,
                    currency,
                    status,
                    hosted_url,
                },
            )
            .collect(),
        page,
        pages,
    })
}

/// Mails every owner of the workspace; a failure is logged, never raised,
/// since the event it reports is already stored.
pub(crate) async fn mail_owners(state: &AppState, tenant_id: &TenantId, subject: &str, text: &str) {
    let owners: Vec<(String,)> = match sqlx::query_as(
        "select u.email from membership m join app_user u on u.id = m.user_id \
         where m.tenant_id = $1 and m.role = 'owner'",
    )
    .bind(tenant_id)
    .fetch_all(&state.db.pool)
    .await
    {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(%tenant_id, error = %e, "could not list the owners to mail");
            return;
        }
    };
    for (email,) in owners {
        let mail = mail::Mail {
            to: &email,
            subject,
            body: text,
            link_expires_at: None,
        };
        if let Err(e) = mail::send(state, &mail).await {
            tracing::error!(%tenant_id, error = %e, "billing mail failed");
        }
    }
}

/// Limits a platform admin grants one workspace (None restores the plan's).
pub struct Overrides {
    pub posts: Option<i64>,
    pub sites: Option<i64>,
    pub members: Option<i64>,
    pub social_accounts: Option<i64>,
    pub stores: Option<i64>,
}

/// The limits an admin can override, by the names the CLI and the REST
/// API use, with the column holding each.
pub const LIMIT_NAMES: [(&str, &str); 5] = [
    ("posts", "posts_limit_override"),
    ("sites", "sites_limit_override"),
    ("members", "members_limit_override"),
    ("social_accounts", "social_accounts_limit_override"),
    ("stores", "stores_limit_override"),
];

fn check_limit(value: i64) -> ServerResult<()> {
    if (0..=1_000_000).contains(&value) {
        Ok(())
    } else {
        Err(ServerError::Validation(
            "A limit must be between 0 and 1,000,000.".into(),
        ))
    }
}

/// Overrides one limit of a workspace (`None`: it follows the plan again),
/// leaving the others as they are.
pub async fn override_limit(
    admin: &PlatformAdmin,
    state: &AppState,
    tenant_id: &TenantId,
    name: &str,
    value: Option<i64>,
) -> ServerResult<()> {
    let (_, column) = LIMIT_NAMES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        ServerError::Validation("The limit must be posts, sites, members, social_accounts or stores.".into())
    })?;
    value.map(check_limit).transpose()?;
    let mut tx = state.db.pool.begin().await?;
    let done = sqlx::query(&format!("update tenant set {column} = $2 where id = $1"))
        .bind(tenant_id)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    let shown = value.map(|n| n.to_string()).unwrap_or_else(|| "plan's".into());
    let event =
        Event::new(AuditAction::LimitsOverridden, "workspace", tenant_id.as_str()).detail(format!("{name}: {shown}"));
    audit::by_admin(admin, &mut *tx, Some(tenant_id), event).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a workspace's limit overrides: a platform admin's word about one workspace.
pub async fn set_overrides(
    admin: &PlatformAdmin,
    state: &AppState,
    tenant_id: &TenantId,
    o: &Overrides,
) -> ServerResult<()> {
    for value in [o.posts, o.sites, o.members, o.social_accounts, o.stores]
        .into_iter()
        .flatten()
    {
        check_limit(value)?;
    }
    let mut tx = state.db.pool.begin().await?;
    let done = sqlx::query(
        "update tenant set posts_limit_override = $2, sites_limit_override = $3, members_limit_override = $4, \
         social_accounts_limit_override = $5, stores_limit_override = $6 where id = $1",
    )
    .bind(tenant_id)
    .bind(o.posts)
    .bind(o.sites)
    .bind(o.members)
    .bind(o.social_accounts)
    .bind(o.stores)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    let shown = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_else(|| "plan's".into());
    let event = Event::new(AuditAction::LimitsOverridden, "workspace", tenant_id.as_str()).detail(format!(
        "posts a month: {}, sites: {}, members: {}, social accounts: {}, stores: {}",
        shown(o.posts),
        shown(o.sites),
        shown(o.members),
        shown(o.social_accounts),
        shown(o.stores)
    ));
    audit::by_admin(admin, &mut *tx, Some(tenant_id), event).await?;
    tx.commit().await?;
    Ok(())
}
