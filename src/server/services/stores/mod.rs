//! Store price automation: the stores a workspace prices (Salla stores, or
//! the demo store that lives inside Autopilot), their settings and rules.
//! The number of stores is a plan limit; a disconnected store keeps its row
//! and so its decisions' history, with its tokens cleared.

use crate::app::types::{
    AuditAction, Permission, PricingMode, PricingRulesInput, StoreList, StoreSettingsInput, StoreStatus, StoreSummary,
    TenantId,
};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, now_ms, Tx};
use crate::server::domain::format_in_zone;
use crate::server::domain::pricing::{self, Risk, Rules, Strategy};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, NewJob, Start};
use crate::server::services::audit::{self, Event};
use crate::server::services::quota;
use crate::server::state::AppState;

pub mod catalogue;
pub mod competitors;
pub mod decisions;
pub mod demo;
pub mod install;
mod live;
pub mod page_price;
pub mod review;
pub mod runs;
pub mod salla;
pub mod sync;

/// A store row as the pages and the services read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct StoreRow {
    pub id: String,
    pub platform: String,
    pub name: String,
    pub domain: String,
    pub currency: String,
    pub status: String,
    pub status_reason: String,
    pub mode: String,
    pub paused: i16,
    pub max_changes_per_run: i64,
    pub rules: String,
    pub sync_state: String,
    pub sync_error: String,
    pub sync_progress: String,
    pub synced_at: Option<i64>,
}

pub(super) const STORE_COLUMNS: &str = "id, platform, name, domain, currency, status, status_reason, mode, paused, \
     max_changes_per_run, rules, sync_state, sync_error, sync_progress, synced_at";

impl StoreRow {
    pub(super) fn rules(&self) -> Rules {
        serde_json::from_str(&self.rules).unwrap_or_default()
    }

    pub(super) fn mode(&self) -> PricingMode {
        PricingMode::parse(&self.mode).unwrap_or(PricingMode::Manual)
    }

    pub(super) fn status(&self) -> StoreStatus {
        StoreStatus::parse(&self.status).unwrap_or(StoreStatus::Disconnected)
    }

    pub(super) fn is_demo(&self) -> bool {
        self.platform == demo::PLATFORM
    }

    fn into_summary(self, (products, waiting, reading): (i64, i64, i64)) -> StoreSummary {
        let rules = self.rules();
        StoreSummary {
            status: self.status(),
            mode: self.mode(),
            paused: self.paused == 1,
            cadence_hours: rules.cadence_hours,
            synced: self
                .synced_at
                .map(|at| format!("synced {}", format_in_zone(at, chrono_tz::UTC)))
                .unwrap_or_default(),
            rules: rules_input(&rules),
            products,
            waiting,
            reading,
            id: self.id,
            platform: self.platform,
            name: self.name,
            domain: self.domain,
            currency: self.currency,
            status_reason: self.status_reason,
            max_changes_per_run: self.max_changes_per_run,
            sync_state: self.sync_state,
            sync_error: self.sync_error,
            sync_progress: self.sync_progress,
        }
    }
}

/// The workspace's store `id`; another workspace's is not found.
pub(super) async fn load<'c>(
    exec: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant_id: &TenantId,
    id: &str,
) -> ServerResult<StoreRow> {
    sqlx::query_as(&format!(
        "select {STORE_COLUMNS} from store where id = $1 and tenant_id = $2"
    ))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(exec)
    .await?
    .ok_or(ServerError::NotFound)
}

/// Stores that count against the plan: every one still connected or
/// waiting to be reconnected.
pub async fn counted<'c>(
    exec: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant_id: &TenantId,
) -> ServerResult<i64> {
    let (n,): (i64,) =
        sqlx::query_as("select count(*) from store where tenant_id = $1 and status in ('connected', 'reconnect')")
            .bind(tenant_id)
            .fetch_one(exec)
            .await?;
    Ok(n)
}

/// The Stores page.
pub async fn page(ctx: &TenantContext, state: &AppState) -> ServerResult<StoreList> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<StoreRow> = sqlx::query_as(&format!(
        "select {STORE_COLUMNS} from store where tenant_id = $1 \
         order by case when status in ('connected', 'reconnect') then 0 else 1 end, created_at, id"
    ))
    .bind(ctx.tenant_id())
    .fetch_all(&state.db.pool)
    .await?;
    let counts: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "select s.id, (select count(*) from store_product p where p.tenant_id = s.tenant_id and p.store_id = s.id \
         and p.removed = 0), (select count(*) from price_decision d where d.tenant_id = s.tenant_id \
         and d.store_id = s.id and d.outcome = 'proposed'), \
         case when exists (select 1 from job j where j.tenant_id = s.tenant_id and j.kind = $2 \
         and j.subject_id = s.id and j.state in ('queued', 'running')) then (select count(*) from competitor c \
         where c.tenant_id = s.tenant_id and c.store_id = s.id and c.checked_at is null) else 0 end \
         from store s where s.tenant_id = $1",
    )
    .bind(ctx.tenant_id())
    .bind(competitors::KIND)
    .fetch_all(&state.db.pool)
    .await?;
    let count_of = |id: &str| counts.iter().find(|c| c.0 == id).map_or((0, 0, 0), |c| (c.1, c.2, c.3));
    let stores: Vec<StoreSummary> = rows
        .into_iter()
        .map(|row| {
            let counts = count_of(&row.id);
            row.into_summary(counts)
        })
        .collect();
    let used = stores
        .iter()
        .filter(|s| matches!(s.status, StoreStatus::Connected | StoreStatus::Reconnect))
        .count() as i64;
    Ok(StoreList {
        stores,
        used,
        limit: quota::in_force(ctx, state).await?.limits.stores,
        can_manage: ctx.can(Permission::ManageSites),
        can_review: ctx.can(Permission::ReviewContent),
        salla_ready: state.config.salla.app.is_some(),
        salla_easy: state.config.salla.app.is_some() && state.config.salla.webhook_secret.is_some(),
        salla_app_page: state
            .config
            .salla
            .app_page
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        install: install::pending(ctx, state).await?,
    })
}

/// Queues a store's job of `kind` to run now, unless one already waits.
pub(super) async fn queue_now(state: &AppState, tenant_id: &TenantId, kind: &str, store_id: &str) -> ServerResult<()> {
    let (waiting,): (i64,) = sqlx::query_as(
        "select count(*) from job where tenant_id = $1 and kind = $2 and subject_id = $3 and state = 'queued'",
    )
    .bind(tenant_id)
    .bind(kind)
    .bind(store_id)
    .fetch_one(&state.db.pool)
    .await?;
    if waiting > 0 {
        return Ok(());
    }
    let at = now_ms();
    let job = NewJob {
        tenant_id,
        kind,
        subject_id: store_id,
        slot: at,
        run_at_ms: at,
        max_attempts: state.config.worker.max_attempts,
    };
    enqueue(&state.db.pool, &job, Start::Queued).await?;
    state.wake.notify_one();
    Ok(())
}

/// Attaches a store's recurring job of `kind` on a UTC cron rule, in the
/// connecting transaction.
pub(super) async fn attach_cron(
    ctx: &TenantContext,
    conn: &mut sqlx::AnyConnection,
    kind: &'static str,
    cron: &str,
    store_id: &str,
) -> ServerResult<()> {
    let schedule = crate::server::domain::Schedule::parse("cron", "", cron, "UTC")?;
    let attachment = crate::server::services::schedules::Attachment {
        job_kind: kind,
        subject_id: store_id,
        schedule: &schedule,
        lead_seconds: 0,
    };
    crate::server::services::schedules::ensure_in(ctx, conn, &attachment).await
}

/// A store a platform's sign-in (or the demo) named, ready to be kept.
pub struct FoundStore {
    pub platform: &'static str,
    pub external_id: String,
    pub name: String,
    pub domain: String,
    pub currency: String,
}

/// Keeps a connected store: a new row, or the same store's row again (its
/// history stays with it). A store that does not count yet is checked
/// against the plan's limit. Returns its id.
pub(super) async fn keep(
    ctx: &TenantContext,
    state: &AppState,
    tx: &mut Tx,
    found: &FoundStore,
) -> ServerResult<String> {
    ctx.require(Permission::ManageSites)?;
    quota::lock(ctx, tx, state.db.backend).await?;
    let existing: Option<(String, String)> =
        sqlx::query_as("select id, status from store where tenant_id = $1 and platform = $2 and external_id = $3")
            .bind(ctx.tenant_id())
            .bind(found.platform)
            .bind(&found.external_id)
            .fetch_optional(&mut **tx)
            .await?;
    let counts = existing
        .as_ref()
        .is_some_and(|(_, status)| matches!(status.as_str(), "connected" | "reconnect"));
    if !counts {
        let used = counted(&mut **tx, ctx.tenant_id()).await?;
        let limit = quota::in_force_in(ctx, &state.config, tx).await?.limits.stores;
        if used + 1 > limit {
            return Err(ServerError::Conflict(format!(
                "Your plan allows {limit} store{} and {used} {} in use. Disconnect one or upgrade to add more.",
                if limit == 1 { "" } else { "s" },
                if used == 1 { "is" } else { "are" }
            )));
        }
    }
    let at = now();
    let id = match existing {
        Some((id, _)) => id,
        None => {
            let id = new_id();
            sqlx::query(
                // Connected by the update below, which tells a store another
                // workspace holds apart from any other failure.
                "insert into store (id, tenant_id, platform, external_id, name, rules, status, connected_at, \
                 created_at, updated_at) values ($1, $2, $3, $4, $5, $6, 'disconnected', $7, $7, $7)",
            )
            .bind(&id)
            .bind(ctx.tenant_id())
            .bind(found.platform)
            .bind(&found.external_id)
            .bind(&found.name)
            .bind(serde_json::to_string(&Rules::default()).map_err(ServerError::internal)?)
            .bind(at)
            .execute(&mut **tx)
            .await?;
            id
        }
    };
    let connected = sqlx::query(
        "update store set status = 'connected', status_reason = '', name = $3, domain = $4, currency = $5, \
         connected_by = $6, connected_at = $7, disconnected_at = null, updated_at = $7 \
         where id = $1 and tenant_id = $2",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(&found.name)
    .bind(&found.domain)
    .bind(&found.currency)
    .bind(ctx.user_id())
    .bind(at)
    .execute(&mut **tx)
    .await;
    match connected {
        // store_salla_live_idx: another workspace acts for this store.
        Err(e) if crate::server::db::is_unique_violation(&e) => {
            return Err(ServerError::Conflict(format!(
                "{} is connected to another workspace on this server. Disconnect it there first.",
                found.name
            )))
        }
        other => other?,
    };
    let event = Event::new(AuditAction::StoreConnected, "store", &id).detail(found.name.clone());
    audit::by_member(ctx, &mut **tx, event).await?;
    Ok(id)
}

/// Disconnects a store: automation stops, its tokens are cleared and it
/// no longer counts against the plan; its products and decisions stay.
pub async fn disconnect(ctx: &TenantContext, state: &AppState, id: &str) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let mut tx = state.db.begin_write().await?;
    let store = load(&mut *tx, ctx.tenant_id(), id).await?;
    if store.status() == StoreStatus::Disconnected {
        return Ok(());
    }
    sqlx::query(
        "update store set status = 'disconnected', status_reason = 'Disconnected by a member.', \
         access_token_sealed = null, refresh_token_sealed = null, token_expires_at = null, token_lock = null, \
         token_locked_until = null, disconnected_at = $3, updated_at = $3 where id = $1 and tenant_id = $2",
    )
    .bind(id)
    .bind(ctx.tenant_id())
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit::by_member(
        ctx,
        &mut *tx,
        Event::new(AuditAction::StoreDisconnected, "store", id).detail(store.name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves a store's mode and rules.
pub async fn save_settings(
    ctx: &TenantContext,
    state: &AppState,
    id: &str,
    input: StoreSettingsInput,
) -> ServerResult<StoreSummary> {
    ctx.require(Permission::ManageSites)?;
    let mode = PricingMode::parse(&input.mode)
        .ok_or_else(|| ServerError::Validation("Choose a mode: manual, semi-automatic or automatic.".into()))?;
    let cap = input
        .max_changes_per_run
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .ok_or_else(|| ServerError::Validation("Change 1 to 100,000 products per automatic run.".into()))?;
    let rules = parse_rules(&input.rules)?;
    let mut tx = state.db.begin_write().await?;
    load(&mut *tx, ctx.tenant_id(), id).await?;
    sqlx::query(
        "update store set mode = $3, max_changes_per_run = $4, rules = $5, updated_at = $6 \
         where id = $1 and tenant_id = $2",
    )
    .bind(id)
    .bind(ctx.tenant_id())
    .bind(mode.as_str())
    .bind(cap)
    .bind(serde_json::to_string(&rules).map_err(ServerError::internal)?)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let detail = format!("{}; {}", mode.as_str(), describe(&rules));
    audit::by_member(
        ctx,
        &mut *tx,
        Event::new(AuditAction::StoreSettingsChanged, "store", id).detail(detail),
    )
    .await?;
    let row = load(&mut *tx, ctx.tenant_id(), id).await?;
    tx.commit().await?;
    Ok(row.into_summary((0, 0, 0)))
}

/// The instant pause switch: a paused store's automation proposes and
/// applies nothing until it is resumed.
pub async fn set_paused(ctx: &TenantContext, state: &AppState, id: &str, paused: bool) -> ServerResult<()> {
    ctx.require(Permission::ReviewContent)?;
    let done = sqlx::query("update store set paused = $3, updated_at = $4 where id = $1 and tenant_id = $2")
        .bind(id)
        .bind(ctx.tenant_id())
        .bind(i16::from(paused))
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    let action = if paused {
        AuditAction::StorePaused
    } else {
        AuditAction::StoreResumed
    };
    audit::by_member(ctx, &state.db.pool, Event::new(action, "store", id)).await?;
    Ok(())
}

/// The rules in words, for the audit log.
fn describe(rules: &Rules) -> String {
    format!(
        "margin at least {}, largest change {}, {} risk",
        pricing::percent(rules.min_margin_bp),
        pricing::percent(rules.max_change_bp),
        rules.risk.as_str()
    )
}

/// A form's rules, checked: every field says what to enter when it is wrong.
pub fn parse_rules(input: &PricingRulesInput) -> ServerResult<Rules> {
    let bp = |raw: &str, what: &str| {
        parse_percent(raw).ok_or_else(|| ServerError::Validation(format!("Enter {what} as a percentage, like 15.")))
    };
    let hours = |raw: &str, what: &str| {
        raw.trim()
            .parse::<i64>()
            .map_err(|_| ServerError::Validation(format!("Enter {what} in whole hours.")))
    };
    let value = input.strategy_value.trim();
    let strategy = match input.strategy.as_str() {
        "match_lowest" => Strategy::MatchLowest,
        "beat_amount" => Strategy::BeatByAmount {
            amount: parse_money(value)?
                .ok_or_else(|| ServerError::Validation("Enter the amount to beat the lowest price by.".into()))?,
        },
        "beat_percent" => Strategy::BeatByPercent {
            bp: bp(value, "how far to beat the lowest price")?,
        },
        "median_band" => Strategy::MedianBand {
            bp: bp(value, "the band around the median")?,
        },
        _ => return Err(ServerError::Validation("Choose a strategy.".into())),
    };
    let ending = match input.ending.trim() {
        "" => None,
        raw => Some(
            raw.trim_start_matches('.')
                .parse::<i64>()
                .map_err(|_| ServerError::Validation("A price ending is two digits, like 95 or 99.".into()))?,
        ),
    };
    Rules {
        min_margin_bp: bp(&input.min_margin, "the minimum margin")?,
        strategy,
        max_change_bp: bp(&input.max_change, "the largest change per run")?,
        ending,
        risk: Risk::parse(input.risk.trim())?,
        cadence_hours: hours(&input.cadence_hours, "the cadence")?,
        stale_after_hours: hours(&input.stale_after_hours, "when competitor prices go stale")?,
    }
    .check()
}

/// Rules as the form shows them.
pub fn rules_input(rules: &Rules) -> PricingRulesInput {
    let (strategy, value) = match rules.strategy {
        Strategy::MatchLowest => ("match_lowest", String::new()),
        Strategy::BeatByAmount { amount } => ("beat_amount", pricing::amount(amount)),
        Strategy::BeatByPercent { bp } => ("beat_percent", percent_number(bp)),
        Strategy::MedianBand { bp } => ("median_band", percent_number(bp)),
    };
    PricingRulesInput {
        min_margin: percent_number(rules.min_margin_bp),
        strategy: strategy.into(),
        strategy_value: value,
        max_change: percent_number(rules.max_change_bp),
        ending: rules.ending.map(|e| format!("{e:02}")).unwrap_or_default(),
        risk: rules.risk.as_str().into(),
        cadence_hours: rules.cadence_hours.to_string(),
        stale_after_hours: rules.stale_after_hours.to_string(),
    }
}

fn percent_number(bp: i64) -> String {
    pricing::percent(bp).trim_end_matches('%').to_string()
}

/// "12.5" → 1250 basis points; at most two decimals.
pub fn parse_percent(raw: &str) -> Option<i64> {
    parse_money(raw.trim().trim_end_matches('%')).ok().flatten()
}

/// A money amount typed in major units ("95", "95.5", "95.50") as minor
/// units; "" is None. Anything else is refused with what to type.
pub fn parse_money(raw: &str) -> ServerResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let refuse = || ServerError::Validation(format!("\"{raw}\" is not an amount; write it like 95.50."));
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || fraction.len() > 2 || !digits(whole) || !digits(fraction) {
        return Err(refuse());
    }
    let cents = format!("{fraction:0<2}").parse::<i64>().map_err(|_| refuse())?;
    Ok(Some(whole.parse::<i64>().map_err(|_| refuse())? * 100 + cents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_percentages_typed_in_forms() {
        assert_eq!(parse_money("95").unwrap(), Some(9_500));
        assert_eq!(parse_money(" 95.5 ").unwrap(), Some(9_550));
        assert_eq!(parse_money("").unwrap(), None);
        for bad in ["-1", "9.999", "1,000", "abc", ".5"] {
            assert!(parse_money(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_percent("12.5"), Some(1_250));
        assert_eq!(parse_percent("15%"), Some(1_500));
    }

    #[test]
    fn rules_go_through_the_form_and_back() {
        let rules = Rules {
            strategy: Strategy::BeatByAmount { amount: 150 },
            ending: Some(95),
            risk: Risk::Medium,
            ..Rules::default()
        };
        let form = rules_input(&rules);
        assert_eq!((form.strategy_value.as_str(), form.ending.as_str()), ("1.50", "95"));
        assert_eq!(parse_rules(&form).unwrap(), rules);
        let bad = PricingRulesInput {
            min_margin: "lots".into(),
            ..form
        };
        assert!(parse_rules(&bad).unwrap_err().to_string().contains("minimum margin"));
    }
}
