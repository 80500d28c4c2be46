//! One delivery attempt, as a job of the runner: sign the stored body with
//! the endpoint's secret(s), POST it through the outbound guard, and note
//! the answer on the delivery. A 2xx ends it; anything else is retried with
//! the runner's back-off until its attempts are used up.

use super::{binding, signature};
use crate::app::types::{Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::clients::outbound::{check_literal_host, is_blocked, read_capped, tenant_client};
use crate::server::db::now;
use crate::server::error::ServerResult;
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::state::AppState;
use std::time::Duration;

pub const KIND: &str = "webhook";
/// How long an endpoint has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer the log keeps.
const EXCERPT_BYTES: usize = 1024;

pub struct Deliver;

#[derive(sqlx::FromRow)]
struct Row {
    event_id: String,
    payload: String,
    url: String,
    endpoint_id: String,
    secret_sealed: String,
    previous_secret_sealed: Option<String>,
    previous_valid_until: Option<i64>,
}

/// How an attempt went, for the log.
struct Answer {
    code: Option<i64>,
    excerpt: String,
    error: String,
    /// Trying again cannot help (the address is refused).
    hopeless: bool,
}

#[async_trait::async_trait]
impl JobKind for Deliver {
    fn name(&self) -> &'static str {
        KIND
    }

    /// A delivery that failed for good is in the log; it tells no one else.
    async fn on_dead(&self, _state: &AppState, _job: &ClaimedJob, _reason: &str) {}

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        let row: Option<Row> = sqlx::query_as(
            "select d.event_id, d.payload, e.url, e.id as endpoint_id, e.secret_sealed, e.previous_secret_sealed, \
             e.previous_valid_until from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id \
             where d.id = $1 and d.tenant_id = $2",
        )
        .bind(&job.subject_id)
        .bind(ctx.tenant_id())
        .fetch_optional(&state.db.pool)
        .await
        .map_err(crate::server::error::ServerError::from)?;
        let Some(row) = row else {
            return Err(Failure::Stop("The endpoint was removed.".into()));
        };
        let secrets = secrets_of(state, ctx.tenant_id(), &row).map_err(|e| {
            tracing::error!(error = %e, endpoint_id = %row.endpoint_id, "a webhook secret does not open");
            Failure::Stop("The endpoint's secret could not be read; roll it.".into())
        })?;
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let timestamp = now();
        let signature = signature::header(&secrets, &row.event_id, timestamp, row.payload.as_bytes());
        let answer = send(state, &row, timestamp, &signature).await;
        let delivered = answer.code.is_some_and(|c| (200..300).contains(&c));
        sqlx::query(
            "update webhook_delivery set attempts = attempts + 1, response_code = $1, response_excerpt = $2, \
             error = $3, last_attempt_at = $4, delivered_at = coalesce($5, delivered_at) \
             where id = $6 and tenant_id = $7",
        )
        .bind(answer.code)
        .bind(&answer.excerpt)
        .bind(&answer.error)
        .bind(timestamp)
        .bind(delivered.then_some(timestamp))
        .bind(&job.subject_id)
        .bind(ctx.tenant_id())
        .execute(&state.db.pool)
        .await
        .map_err(crate::server::error::ServerError::from)?;
        if delivered {
            Ok(Done::Complete(Step::Done))
        } else if answer.hopeless {
            Err(Failure::Stop(answer.error))
        } else {
            Err(Failure::Retry(answer.error))
        }
    }
}

/// The secrets that sign now: the current one, and the one before it while
/// its grace lasts.
fn secrets_of(state: &AppState, tenant_id: &TenantId, row: &Row) -> ServerResult<Vec<String>> {
    let open = |sealed: &str| {
        state
            .sealer
            .open(sealed, &binding(tenant_id, &row.endpoint_id))
            .map_err(crate::server::error::ServerError::internal)
    };
    let mut secrets = vec![open(&row.secret_sealed)?];
    if let (Some(previous), Some(until)) = (&row.previous_secret_sealed, row.previous_valid_until) {
        if until > now() {
            secrets.push(open(previous)?);
        }
    }
    Ok(secrets)
}

async fn send(state: &AppState, row: &Row, timestamp: i64, signature: &str) -> Answer {
    let allow_private = state.config.outbound_allow_private;
    // A refused address reads like an unreachable one: the log must not
    // tell a workspace which names lead inside the server's network.
    const UNREACHABLE: &str = "The endpoint could not be reached.";
    let failed = |error: &str, hopeless: bool| Answer {
        code: None,
        excerpt: String::new(),
        error: error.to_owned(),
        hopeless,
    };
    let Ok(url) = url::Url::parse(&row.url) else {
        return failed("The endpoint's address is not valid.", true);
    };
    if check_literal_host(&url, allow_private).is_err() {
        return failed(UNREACHABLE, true);
    }
    let sent = tenant_client(allow_private, TIMEOUT)
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &row.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(row.payload.clone())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let code = i64::from(response.status().as_u16());
            let excerpt = match read_capped(response, 64 * 1024).await {
                Ok(body) => String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]).into_owned(),
                Err(_) => "(the answer was too long to keep)".into(),
            };
            let error = if (200..300).contains(&code) {
                String::new()
            } else {
                format!("The endpoint answered {code}.")
            };
            Answer {
                code: Some(code),
                excerpt,
                error,
                hopeless: false,
            }
        }
        Err(e) if is_blocked(&e) => failed(UNREACHABLE, true),
        Err(e) if e.is_timeout() => failed("The endpoint did not answer within 10 seconds.", false),
        Err(e) => {
            tracing::info!(error = %e.without_url(), "webhook delivery failed");
            failed(UNREACHABLE, false)
        }
    }
}
