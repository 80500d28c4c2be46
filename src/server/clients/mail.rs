//! Outgoing mail. Every message is written to `mail_outbox`; with SMTP_URL
//! it is also delivered through lettre, otherwise it stays there ("kept")
//! for the operator (`autopilot admin outbox`). Bodies are never logged:
//! they carry sign-in links.

use crate::server::config::Config;
use crate::server::db::{new_id, now, Db};
use crate::server::error::{ServerError, ServerResult};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub struct Mailer {
    db: Db,
    from: Mailbox,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

impl Mailer {
    pub fn new(config: &Config, db: Db) -> Result<Mailer, String> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|_| "MAIL_FROM must be a mailbox like Name <a@b.c>")?;
        let smtp = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| "SMTP_URL must look like smtps://user:pass@host:465")?
                    .build(),
            ),
            None => None,
        };
        Ok(Mailer { db, from, smtp })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> ServerResult<()> {
        let status = match &self.smtp {
            None => {
                tracing::info!(subject, "no SMTP_URL: mail kept in the outbox");
                "kept"
            }
            Some(smtp) => match self.deliver(smtp, to, subject, body).await {
                Ok(()) => "sent",
                Err(cause) => {
                    tracing::error!(subject, %cause, "mail delivery failed");
                    "failed"
                }
            },
        };
        // A delivered mail's link is the recipient's alone: keep only its envelope.
        let kept_body = if status == "sent" {
            "(delivered; the body is not kept)"
        } else {
            body
        };
        sqlx::query(
            "insert into mail_outbox (id, to_address, subject, body_text, status, created_at) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(to)
        .bind(subject)
        .bind(kept_body)
        .bind(status)
        .bind(now())
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    async fn deliver(
        &self,
        smtp: &AsyncSmtpTransport<Tokio1Executor>,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e: lettre::address::AddressError| e.to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        smtp.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
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

pub async fn recent_outbox(db: &Db, limit: i64) -> ServerResult<Vec<OutboxMail>> {
    sqlx::query_as(
        "select to_address, subject, body_text, status, created_at from mail_outbox \
         order by created_at desc, id desc limit $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await
    .map_err(ServerError::from)
}
