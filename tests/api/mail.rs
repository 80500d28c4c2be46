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

/// Accepts messages, one connection each, and hands back their DATA.
async fn fake_smtp() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                if let Some(data) = converse(socket).await {
                    let _ = tx.send(data);
                }
            });
        }
    });
    (port, rx)
}

/// Speaks SMTP's server side for one message.
async fn converse(socket: tokio::net::TcpStream) -> Option<String> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 fake.smtp ESMTP\r\n").await.ok()?;
    let (mut data, mut in_data) = (String::new(), false);
    while let Some(line) = lines.next_line().await.ok()? {
        if in_data {
            if line == "." {
                in_data = false;
                write.write_all(b"250 2.0.0 queued\r\n").await.ok()?;
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
                let _ = write.write_all(b"221 bye\r\n").await;
                break;
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await.ok()?;
    }
    Some(data)
}

async fn reset_mail_is_delivered_over_smtp(engine: Engine) {
    let (port, mut received) = fake_smtp().await;
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
    let message = loop {
        let m = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
            .await
            .unwrap()
            .unwrap();
        if m.contains("Subject: Reset your Autopilot password") {
            break m;
        }
    };
    assert!(message.contains("To: ada@example.com"), "{message}");
    assert!(message.contains("Subject: Reset your Autopilot password"), "{message}");
    assert!(message.contains("/reset-password?token="), "{message}");
    app.wait_for_mail("Reset", "ada@example.com").await;
    let (status, body): (String, String) =
        sqlx::query_as("select status, body_text from mail_outbox where subject like 'Reset%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "sent");
    assert!(!body.contains("token="), "a delivered link is not kept: {body}");
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
    app.wait_for_mail("Reset", "ada@example.com").await;
    let (status,): (String,) = sqlx::query_as("select status from mail_outbox where subject like 'Reset%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "failed");
}
