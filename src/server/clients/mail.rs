//! SMTP delivery through lettre (SMTP_URL). Only the adapter: what is kept
//! of each mail, and when nothing is delivered at all, is `services::mail`'s.

use crate::server::config::Config;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub struct Smtp {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Smtp(..)")
    }
}

impl Smtp {
    /// None without SMTP_URL: mail is then only kept in the outbox.
    pub fn from_config(config: &Config) -> Result<Option<Smtp>, String> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|_| "MAIL_FROM must be a mailbox like Name <a@b.c>")?;
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| "SMTP_URL must look like smtps://user:pass@host:465")?
            .build();
        Ok(Some(Smtp { from, transport }))
    }

    /// Delivers one plain-text mail; the error is for the log.
    pub async fn deliver(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e: lettre::address::AddressError| e.to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
