//! Outgoing webhooks: a workspace registers endpoints for some of its
//! events; each event becomes one signed delivery per endpoint, sent by the
//! job runner (`delivery::Deliver`) with its retries and back-off, and kept
//! in a log with the answers it got. A delivery can be re-sent; a secret can
//! be rolled, both secrets signing for a grace period (`signature`).
//!
//! Endpoints are tenant-supplied URLs: https only (plain http only where
//! OUTBOUND_ALLOW_PRIVATE says this is local testing), and every call goes
//! through the outbound guard, so a workspace cannot make the server call
//! into its own network.

pub mod delivery;
pub mod signature;

use crate::app::types::{
    AuditAction, Permission, TenantId, WebhookDeliverySummary, WebhookEndpointSummary, WebhookPage,
};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, now_ms, Where};
use crate::server::domain::format_in_zone;
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, NewJob, Start};
use crate::server::secrets::Binding;
use crate::server::services::audit::{self, Event};
use crate::server::services::quota;
use crate::server::state::AppState;

/// The events a workspace can subscribe to.
pub const EVENTS: [&str; 5] = [
    "post.published",
    "post.failed",
    "job.dead",
    "site.needs_attention",
    "plan.changed",
];
/// Endpoints one workspace may have.
pub const MAX_ENDPOINTS: i64 = 10;
/// How long the secret before a roll keeps signing.
pub const ROLL_GRACE_SECONDS: i64 = 24 * 3600;

fn binding<'a>(tenant_id: &'a TenantId, endpoint_id: &'a str) -> Binding<'a> {
    Binding {
        purpose: "webhook-secret",
        tenant_id: tenant_id.as_str(),
        row_id: endpoint_id,
    }
}

/// An endpoint as a form or a program gives it.
pub struct NewEndpoint {
    pub url: url::Url,
    pub description: String,
    pub events: Vec<&'static str>,
}

impl NewEndpoint {
    /// Checks the address and the events. `local_testing` allows plain
    /// http (OUTBOUND_ALLOW_PRIVATE).
    pub fn parse(url: &str, description: &str, events: &[String], local_testing: bool) -> ServerResult<NewEndpoint> {
        let url = url::Url::parse(url.trim()).map_err(|_| {
            ServerError::Validation("Enter the endpoint's full address, starting with https://.".into())
        })?;
        let scheme_ok = url.scheme() == "https" || (local_testing && url.scheme() == "http");
        if !scheme_ok || url.host().is_none() {
            return Err(ServerError::Validation(
                "Webhooks are sent to https:// addresses only.".into(),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ServerError::Validation(
                "Leave credentials out of the address: check the signature instead.".into(),
            ));
        }
        crate::server::clients::outbound::check_literal_host(&url, local_testing)
            .map_err(|_| ServerError::Validation("That address is not on the public internet.".into()))?;
        let mut chosen = Vec::new();
        for name in events
            .iter()
            .flat_map(|e| e.split([' ', ',']))
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let known = EVENTS.iter().find(|e| **e == name).ok_or_else(|| {
                ServerError::Validation(format!("{name:?} is not an event. Events: {}.", EVENTS.join(", ")))
            })?;
            if !chosen.contains(known) {
                chosen.push(*known);
            }
        }
        if chosen.is_empty() {
            return Err(ServerError::Validation("Choose at least one event.".into()));
        }
        let description = description.trim();
        if description.chars().count() > 200 {
            return Err(ServerError::Validation(
                "Keep the description under 200 characters.".into(),
            ));
        }
        Ok(NewEndpoint {
            url,
            description: description.to_owned(),
            events: chosen,
        })
    }
}

/// A new endpoint and its secret, which is shown this once.
pub struct Created {
    pub id: String,
    pub secret: String,
}

pub async fn create(ctx: &TenantContext, state: &AppState, input: NewEndpoint) -> ServerResult<Created> {
    ctx.require(Permission::ManageWorkspace)?;
    let id = new_id();
    let secret = signature::new_secret();
    let sealed = state.sealer.seal(&secret, &binding(ctx.tenant_id(), &id));
    let mut tx = state.db.begin_write().await?;
    // Two adds at once cannot both pass the count (PostgreSQL).
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    let (count,): (i64,) = sqlx::query_as("select count(*) from webhook_endpoint where tenant_id = $1")
        .bind(ctx.tenant_id())
        .fetch_one(&mut *tx)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(ServerError::Conflict(format!(
            "A workspace can have {MAX_ENDPOINTS} endpoints. Remove one first."
        )));
    }
    let at = now();
    sqlx::query(
        "insert into webhook_endpoint (id, tenant_id, url, description, events, secret_sealed, created_by, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(input.url.as_str())
    .bind(&input.description)
    .bind(input.events.join(" "))
    .bind(&sealed)
    .bind(ctx.user_id())
    .bind(at)
    .execute(&mut *tx)
    .await?;
    // The host only: a full webhook address is often itself a secret.
    let event =
        Event::new(AuditAction::WebhookAdded, "webhook", &id).detail(input.url.host_str().unwrap_or("").to_owned());
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(Created { id, secret })
}

/// Gives the endpoint a new secret; the old one keeps signing alongside it
/// for ROLL_GRACE_SECONDS, so receivers can switch without missing any.
pub async fn roll_secret(ctx: &TenantContext, state: &AppState, endpoint_id: &str) -> ServerResult<String> {
    ctx.require(Permission::ManageWorkspace)?;
    let mut tx = state.db.begin_write().await?;
    let current: Option<(String, Option<i64>)> = sqlx::query_as(
        "select secret_sealed, previous_valid_until from webhook_endpoint where id = $1 and tenant_id = $2",
    )
    .bind(endpoint_id)
    .bind(ctx.tenant_id())
    .fetch_optional(&mut *tx)
    .await?;
    let (old_sealed, grace) = current.ok_or(ServerError::NotFound)?;
    if grace.is_some_and(|until| until > now()) {
        // A second roll would end the secret receivers still use at once.
        return Err(ServerError::Conflict(
            "This endpoint's secret was rolled in the last 24 hours; both secrets sign until that grace ends. Roll again after it."
                .into(),
        ));
    }
    let secret = signature::new_secret();
    let sealed = state.sealer.seal(&secret, &binding(ctx.tenant_id(), endpoint_id));
    let at = now();
    // Only over the secret just read: of two rolls at once, one wins and
    // the other is told, rather than handing out a secret already replaced.
    let rolled = sqlx::query(
        "update webhook_endpoint set secret_sealed = $1, previous_secret_sealed = $2, previous_valid_until = $3, \
         updated_at = $4 where id = $5 and tenant_id = $6 and secret_sealed = $2",
    )
    .bind(&sealed)
    .bind(&old_sealed)
    .bind(at + ROLL_GRACE_SECONDS)
    .bind(at)
    .bind(endpoint_id)
    .bind(ctx.tenant_id())
    .execute(&mut *tx)
    .await?;
    if rolled.rows_affected() == 0 {
        return Err(ServerError::Conflict(
            "This endpoint's secret was rolled a moment ago. Reload the page to see it.".into(),
        ));
    }
    audit::by_member(
        ctx,
        &mut *tx,
        Event::new(AuditAction::WebhookSecretRolled, "webhook", endpoint_id),
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

pub async fn remove(ctx: &TenantContext, state: &AppState, endpoint_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ManageWorkspace)?;
    let mut tx = state.db.begin_write().await?;
    // Its deliveries still waiting would only fail now.
    sqlx::query(
        "delete from job where tenant_id = $1 and kind = $2 and state = 'queued' and subject_id in \
         (select id from webhook_delivery where endpoint_id = $3 and tenant_id = $1)",
    )
    .bind(ctx.tenant_id())
    .bind(delivery::KIND)
    .bind(endpoint_id)
    .execute(&mut *tx)
    .await?;
    let event = Event::new(AuditAction::WebhookRemoved, "webhook", endpoint_id);
    audit::delete_recorded(ctx, &mut tx, "webhook_endpoint", endpoint_id, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Attempts a delivery gets before it is failed: with the runner's back-off
/// (JOB_RETRY_BASE_SECONDS doubling up to JOB_RETRY_MAX_SECONDS) about three
/// hours of trying at the defaults.
pub const DELIVERY_ATTEMPTS: i64 = 10;

/// Queues one delivery per endpoint of `tenant_id` that takes `event`, in
/// its own transaction. For events whose cause has already been written;
/// it never fails the caller's work over a webhook (errors are logged).
/// Never call it with a write transaction open (on SQLite it would wait on
/// itself); inside one, use `emit_in`.
pub async fn emit(state: &AppState, tenant_id: &TenantId, event: &'static str, data: serde_json::Value) {
    // Most workspaces have no endpoints: look before taking the write lock.
    let listening = sqlx::query_as::<_, (i64,)>("select count(*) from webhook_endpoint where tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&state.db.pool)
        .await;
    if matches!(listening, Ok((0,))) {
        return;
    }
    let queued = async {
        let mut tx = state.db.begin_write().await?;
        let n = emit_in(&mut tx, tenant_id, event, data).await?;
        tx.commit().await?;
        Ok::<usize, ServerError>(n)
    };
    match queued.await {
        Ok(0) => {}
        Ok(_) => state.wake.notify_one(),
        Err(e) => tracing::warn!(error = %e, %tenant_id, event, "could not queue webhook deliveries"),
    }
}

/// `emit` inside the caller's transaction, so the event and its deliveries
/// are written together or not at all. The body is fixed here: every
/// attempt and re-send sends the same bytes. Returns how many were queued.
pub async fn emit_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant_id: &TenantId,
    event: &'static str,
    data: serde_json::Value,
) -> ServerResult<usize> {
    // On PostgreSQL the rows are held until commit: an endpoint removed at
    // this moment is either skipped here or waits, never half-referenced
    // (its deliveries would fail their key and with them the caller's
    // publish or plan change). SQLite writers are serialized already.
    let hold = if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        " for share"
    } else {
        ""
    };
    let endpoints: Vec<(String, String)> = sqlx::query_as(&format!(
        "select id, events from webhook_endpoint where tenant_id = $1{hold}"
    ))
    .bind(tenant_id)
    .fetch_all(&mut **tx)
    .await?;
    let wanted: Vec<String> = endpoints
        .into_iter()
        .filter(|(_, events)| events.split(' ').any(|e| e == event))
        .map(|(id, _)| id)
        .collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let event_id = format!("evt_{}", new_id().replace('-', ""));
    let payload = serde_json::json!({
        "id": event_id,
        "type": event,
        "created_at": now(),
        "workspace_id": tenant_id,
        "data": data,
    })
    .to_string();
    for endpoint_id in &wanted {
        queue_delivery(tx, tenant_id, endpoint_id, &event_id, event, &payload).await?;
    }
    Ok(wanted.len())
}

async fn queue_delivery(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant_id: &TenantId,
    endpoint_id: &str,
    event_id: &str,
    event: &str,
    payload: &str,
) -> ServerResult<String> {
    let id = new_id();
    sqlx::query(
        "insert into webhook_delivery (id, tenant_id, endpoint_id, event_id, event, payload, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(endpoint_id)
    .bind(event_id)
    .bind(event)
    .bind(payload)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    let job = NewJob {
        tenant_id,
        kind: delivery::KIND,
        subject_id: &id,
        slot: 0,
        run_at_ms: now_ms(),
        max_attempts: DELIVERY_ATTEMPTS,
    };
    enqueue(&mut **tx, &job, Start::Queued).await?;
    Ok(id)
}

/// Sends a delivery again, as a new delivery of the same event (same
/// `webhook-id`, so a receiver that got it already can drop it).
pub async fn resend(ctx: &TenantContext, state: &AppState, delivery_id: &str) -> ServerResult<String> {
    ctx.require(Permission::ManageWorkspace)?;
    let mut tx = state.db.begin_write().await?;
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "select endpoint_id, event_id, event, payload from webhook_delivery where id = $1 and tenant_id = $2",
    )
    .bind(delivery_id)
    .bind(ctx.tenant_id())
    .fetch_optional(&mut *tx)
    .await?;
    let (endpoint_id, event_id, event, payload) = row.ok_or(ServerError::NotFound)?;
    let id = queue_delivery(&mut tx, ctx.tenant_id(), &endpoint_id, &event_id, &event, &payload).await?;
    audit::by_member(
        ctx,
        &mut *tx,
        Event::new(AuditAction::WebhookResent, "webhook", &endpoint_id).detail(event_id),
    )
    .await?;
    tx.commit().await?;
    state.wake.notify_one();
    Ok(id)
}

/// Deliveries per page of the log.
pub const PER_PAGE: i64 = 25;

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    url: String,
    description: String,
    events: String,
    previous_valid_until: Option<i64>,
    created_at: i64,
    last_code: Option<i64>,
    last_delivered_at: Option<i64>,
    last_attempt_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    endpoint_id: String,
    event_id: String,
    event: String,
    attempts: i64,
    response_code: Option<i64>,
    response_excerpt: String,
    error: String,
    created_at: i64,
    last_attempt_at: Option<i64>,
    delivered_at: Option<i64>,
    job_state: Option<String>,
    run_at_ms: Option<i64>,
}

impl DeliveryRow {
    fn into_summary(self) -> WebhookDeliverySummary {
        let status = match (self.delivered_at, self.job_state.as_deref()) {
            (Some(_), _) => "delivered",
            (None, Some("dead")) => "failed",
            (None, Some("queued")) if self.attempts > 0 => "retrying",
            _ => "pending",
        };
        let when = |t: i64| format_in_zone(t, chrono_tz::UTC);
        WebhookDeliverySummary {
            next_attempt: (status == "retrying")
                .then(|| self.run_at_ms.map(|ms| when(ms / 1000)))
                .flatten(),
            when: when(self.created_at),
            status: status.into(),
            id: self.id,
            endpoint_id: self.endpoint_id,
            event_id: self.event_id,
            event: self.event,
            attempts: self.attempts,
            response_code: self.response_code,
            response_excerpt: self.response_excerpt,
            error: self.error,
            created_at: self.created_at,
            last_attempt_at: self.last_attempt_at,
        }
    }
}

/// The workspace's endpoints, oldest first, each with its last answer.
pub async fn endpoints(ctx: &TenantContext, state: &AppState) -> ServerResult<Vec<WebhookEndpointSummary>> {
    // Endpoint addresses (a Slack or Discord URL is itself a credential) and
    // answers are for those who see the audit log, not every viewer.
    ctx.require(Permission::ViewAudit)?;
    let rows: Vec<EndpointRow> = sqlx::query_as(
        "select e.id, e.url, e.description, e.events, e.previous_valid_until, e.created_at, \
         l.response_code as last_code, l.delivered_at as last_delivered_at, l.last_attempt_at \
         from webhook_endpoint e left join webhook_delivery l on l.id = (select d.id from webhook_delivery d \
         where d.endpoint_id = e.id and d.last_attempt_at is not null order by d.last_attempt_at desc, d.id desc limit 1) \
         where e.tenant_id = $1 order by e.created_at, e.id",
    )
    .bind(ctx.tenant_id())
    .fetch_all(&state.db.pool)
    .await?;
    let at = now();
    Ok(rows
        .into_iter()
        .map(|e| WebhookEndpointSummary {
            last_delivery: e.last_attempt_at.map(|_| match (e.last_delivered_at, e.last_code) {
                (Some(_), Some(code)) => format!("Delivered · {code}"),
                (_, Some(code)) => format!("Failing · {code}"),
                _ => "Failing · no answer".to_owned(),
            }),
            events: e.events.split(' ').map(str::to_owned).collect(),
            previous_secret_until: e
                .previous_valid_until
                .filter(|until| *until > at)
                .map(|until| format_in_zone(until, chrono_tz::UTC)),
            id: e.id,
            url: e.url,
            description: e.description,
            created_at: e.created_at,
        })
        .collect())
}

/// The webhooks page: the endpoints, and a page of `endpoint_id`'s log
/// (the first endpoint's when None), newest first.
pub async fn page(
    ctx: &TenantContext,
    state: &AppState,
    endpoint_id: Option<&str>,
    page: i64,
) -> ServerResult<WebhookPage> {
    let endpoints = endpoints(ctx, state).await?;
    let shown = match endpoint_id {
        Some(id) if !endpoints.iter().any(|e| e.id == id) => return Err(ServerError::NotFound),
        Some(id) => Some(id.to_owned()),
        None => endpoints.first().map(|e| e.id.clone()),
    };
    let (deliveries, page, pages) = match shown {
        None => (Vec::new(), 1, 1),
        Some(endpoint) => {
            let clause = {
                let mut w = Where::new_text("d.tenant_id = ", ctx.tenant_id().as_str());
                w.text("d.endpoint_id = ", endpoint);
                w
            };
            let query = (
                "d.id, d.endpoint_id, d.event_id, d.event, d.attempts, d.response_code, d.response_excerpt, d.error, \
                 d.created_at, d.last_attempt_at, d.delivered_at, j.state as job_state, j.run_at_ms",
                "from webhook_delivery d left join job j on j.kind = 'webhook' and j.subject_id = d.id \
                 and j.tenant_id = d.tenant_id",
                "d.created_at desc, d.id desc",
            );
            let found = clause
                .fetch_page::<DeliveryRow>(&state.db.pool, query, PER_PAGE, page)
                .await?;
            let (page, pages) = (found.page, found.pages);
            (
                found.rows.into_iter().map(DeliveryRow::into_summary).collect(),
                page,
                pages,
            )
        }
    };
    Ok(WebhookPage {
        endpoints,
        events: EVENTS.iter().map(|e| e.to_string()).collect(),
        can_manage: ctx.can(Permission::ManageWorkspace),
        deliveries,
        page,
        pages,
        draft: Default::default(),
    })
}
