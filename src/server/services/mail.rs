//! Outgoing mail and its outbox. Every message is written to `mail_outbox`;
//! with SMTP_URL it is also delivered, otherwise it stays there ("kept") for
//! the operator (`autopilot admin outbox`). Bodies carry sign-in links, so
//! they are never logged, a delivered mail's body is not kept, and a kept
//! one is blanked once the link in it has expired (housekeeping).

use crate::server::auth::PlatformAdmin;
use crate::server::db::{new_id, now};
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
