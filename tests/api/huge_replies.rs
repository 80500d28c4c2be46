//! A host that answers with a gigabyte: a WordPress site or a model
//! endpoint gone wrong (or hostile). The reply is refused with a plain
//! message after a few MiB, so memory stays flat: the host is cut off long
//! before it has sent what it meant to.

use crate::fake_model::{API_KEY, MODEL};
use crate::helpers::{spawn, Engine, PASSWORD};
use crate::on_both_engines;
use autopilot::server::clients::llm::LlmError;
use autopilot::server::config::OpenAiConfig;
use autopilot::server::writing::{Brief, Writer};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_engines!(a_site_answering_a_gigabyte_is_refused_in_words);

const GIGABYTE: u64 = 1 << 30;
/// Far below the gigabyte: what the kernel's buffers can hold plus the cap.
const CUT_OFF_BEFORE: u64 = 64 << 20;

/// An HTTP server that answers every request 200 with a gigabyte of JSON
/// whitespace, either announced (Content-Length) or streamed in chunks.
/// Returns its base URL and how many body bytes it managed to send.
async fn gigabyte_server(announced: bool) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let head = if announced {
                    format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {GIGABYTE}\r\n\r\n")
                } else {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".into()
                };
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let framed = [
                    format!("{:x}\r\n", chunk.len()).into_bytes(),
                    chunk.clone(),
                    b"\r\n".to_vec(),
                ]
                .concat();
                let mut total = 0;
                while total < GIGABYTE {
                    let piece = if announced { &chunk } else { &framed };
                    if socket.write_all(piece).await.is_err() {
                        return;
                    }
                    total += chunk.len() as u64;
                    counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (url, sent)
}

fn model_at(base_url: &str) -> Writer {
    Writer::from_config(&OpenAiConfig {
        api_key: Some(API_KEY.into()),
        base_url: url::Url::parse(&format!("{base_url}/v1")).unwrap(),
        model: MODEL.into(),
        timeout: Duration::from_secs(60),
    })
}

fn brief() -> Brief {
    Brief {
        niche: "Home gardening".into(),
        topics: vec!["roses".into()],
        tone: "friendly".into(),
        language: "English".into(),
        target_words: 300,
        seed: 7,
    }
}

#[tokio::test]
async fn a_model_answering_a_gigabyte_is_refused_without_retrying() {
    for announced in [false, true] {
        let (url, sent) = gigabyte_server(announced).await;
        let err = model_at(&url).write(&brief()).await.unwrap_err();
        assert_eq!(err, LlmError::TooLarge, "announced: {announced}");
        assert!(err.to_string().contains("larger than 4 MiB"), "{err}");
        assert!(
            sent.load(Ordering::Relaxed) < CUT_OFF_BEFORE,
            "the model was cut off early: {} bytes",
            sent.load(Ordering::Relaxed)
        );
    }
}

async fn a_site_answering_a_gigabyte_is_refused_in_words(engine: Engine) {
    let (url, sent) = gigabyte_server(false).await;
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let form = [
        ("name", "Huge"),
        ("url", url.as_str()),
        ("username", "editor"),
        ("password", "abcd efgh"),
    ];
    let (status, site) = app.call_json("sites/add", &form).await;
    assert_eq!(status, 200, "{site}");
    let (status, check) = app
        .call_json("sites/test", &[("site_id", site.as_str().unwrap())])
        .await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["ok"], false);
    assert_eq!(check["outcome"], "Unexpected answer");
    assert!(
        check["detail"].as_str().unwrap().contains("larger than 4 MiB"),
        "{check}"
    );
    assert!(
        sent.load(Ordering::Relaxed) < CUT_OFF_BEFORE,
        "the site was cut off early"
    );
}
