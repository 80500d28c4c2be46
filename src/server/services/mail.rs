//! Outgoing mail and its outbox. Every message is written to `mail_outbox`;
//! with SMTP_URL it is also delivered, otherwise it stays there ("kept") for
//! the operator (`autopilot admin outbox`). Bodies carry sign-in links, so
//! they are never logged, a delivered mail's body is not kept, and a kept
//! one is blanked once the link in it has expired (housekeeping).

use crate::app::types::OutboxEntry;
use crate::server::auth::PlatformAdmin;
use crate::server::db::{new_id, now};
use crate::server::domain::format_in_zone;
use crate::server::error::ServerResult;
use crate::server::state::AppState;

/// What replaces a body the outbox no longer keeps.
const DELIVERED: &str = "(delivered; the body is not kept)";
const EXPIRED: &str = "(the link in this mail has expired; the body is not kept)";

/// A mail to send. `link_expires_at` (unix seconds) is when a link in the
/// body stops working; the body is kept no longer than that.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub link_expires_at: Option<i64>,
}

pub async fn send(state: &AppState, mail: &Mail<'_>) -> ServerResult<()> {
    let status = match &state.smtp {
        None => {
            tracing::info!(subject = mail.subject, "no SMTP_URL: mail kept in the outbox");
            "kept"
        }
        Some(smtp) => match smtp.deliver(mail.to, mail.subject, mail.body).await {
            Ok(()) => "sent",
            Err(cause) => {
                tracing::error!(subject = mail.subject, %cause, "mail delivery failed");
                "failed"
            }
        },
    };
    crate::server::telemetry::mail_handled(status);
    let kept_body = if status == "sent" { DELIVERED } else { mail.body };
    sqlx::query(
        "insert into mail_outbox (id, to_address, subject, body_text, status, created_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(mail.to)
    .bind(mail.subject)
    .bind(kept_body)
    .bind(status)
    .bind(now())
    .bind(mail.link_expires_at)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Blanks the bodies of kept mails whose links have expired. Returns how many.
pub async fn forget_expired_links(state: &AppState) -> ServerResult<u64> {
    let done = sqlx::query(
        "update mail_outbox set body_text = $1, expires_at = null where expires_at is not null and expires_at <= $2",
    )
    .bind(EXPIRED)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// A mail as the outbox keeps it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMail {
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub created_at: i64,
}

/// The newest mails, for the operator.
pub async fn recent(_admin: &PlatformAdmin, state: &AppState, limit: i64) -> ServerResult<Vec<OutboxMail>> {
    // A body whose link has expired is not shown even before housekeeping blanks it.
    Ok(sqlx::query_as(
        "select to_address, subject, case when expires_at is not null and expires_at <= $2 then $3 \
         else body_text end as body_text, status, created_at from mail_outbox \
         order by created_at desc, id desc limit $1",
    )
    .bind(limit.clamp(1, 1_000))
    .bind(now())
    .bind(EXPIRED)
    .fetch_all(&state.db.pool)
    .await?)
}

/// The newest mails for the admin pages. A body whose link still works is
/// not shown: a sign-in or reset link on a page would let whoever sees it
/// act as the recipient (the operator's command line still shows it).
pub async fn outbox(admin: &PlatformAdmin, state: &AppState, limit: i64) -> ServerResult<Vec<OutboxEntry>> {
    let rows: Vec<(String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "select to_address, subject, body_text, status, created_at, expires_at from mail_outbox \
         order by created_at desc, id desc limit $1",
    )
    .bind(limit.clamp(1, 1_000))
    .fetch_all(&state.db.pool)
    .await?;
    let _ = admin;
    let at = now();
    Ok(rows
        .into_iter()
        .map(|(to, subject, body, status, created_at, expires_at)| OutboxEntry {
            to,
            subject,
            status,
            created: format_in_zone(created_at, chrono_tz::UTC),
            body: match expires_at {
                Some(expires) if expires > at => None,
                Some(_) => Some(EXPIRED.into()),
                None => Some(body),
            },
        })
        .collect())
}
