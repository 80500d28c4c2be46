//! Mail through SMTP_URL, against a small SMTP server speaking the real
//! protocol over TCP.

use crate::helpers::{spawn_with, Engine, PASSWORD};
use crate::on_both_engines;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

on_both_engines!(
    reset_mail_is_delivered_over_smtp,
    an_unreachable_mail_server_is_recorded_not_revealed
);

/// Accepts one message and hands back its DATA.
async fn fake_smtp() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 fake.smtp ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Some(line) = lines.next_line().await.unwrap() {
            if in_data {
                if line == "." {
                    in_data = false;
                    write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 fake.smtp\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await.unwrap();
        }
        let _ = tx.send(data);
    });
    (port, rx)
}

async fn reset_mail_is_delivered_over_smtp(engine: Engine) {
    let (port, received) = fake_smtp().await;
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = spawn_with(
        engine,
        &[("SMTP_URL", &smtp), ("MAIL_FROM", "Autopilot <robot@autopilot.test>")],
    )
    .await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (status, _) = app
        .call_json("auth/request_password_reset", &[("email", "ada@example.com")])
        .await;
    assert_eq!(status, 200);
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), received)
        .await
        .unwrap()
        .unwrap();
    assert!(message.contains("To: ada@example.com"), "{message}");
    assert!(message.contains("Subject: Reset your Autopilot password"), "{message}");
    assert!(message.contains("/reset-password?token="), "{message}");
    let (status,): (String,) = sqlx::query_as("select status from mail_outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "sent");
}

async fn an_unreachable_mail_server_is_recorded_not_revealed(engine: Engine) {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = spawn_with(engine, &[("SMTP_URL", &smtp)]).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (status, _) = app
        .call_json("auth/request_password_reset", &[("email", "ada@example.com")])
        .await;
    assert_eq!(status, 200, "the visitor learns nothing about delivery");
    let (status,): (String,) = sqlx::query_as("select status from mail_outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "failed");
}
