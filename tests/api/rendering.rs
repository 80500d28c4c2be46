//! Server-rendered pages finish streaming while other apps start in the
//! same process, as they do throughout this test binary. Starting an app
//! reads its routes, which sets leptos's process-wide "suppress resource
//! loads" switch; an app that read them on every start left about one page
//! in 200 rendered meanwhile waiting forever on a resource that never
//! loaded (see `startup::page_routes`).

use crate::helpers::{spawn, Engine, PASSWORD};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_finish_while_other_apps_start_in_the_same_process() {
    let app = spawn(Engine::Sqlite).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let cookie = app.cookie().unwrap();
    let starting = tokio::spawn(async {
        for _ in 0..60 {
            drop(spawn(Engine::Sqlite).await);
        }
    });
    // A stalled page shows as a body that never ends: give each 10 s.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let room = Arc::new(tokio::sync::Semaphore::new(8));
    let mut loads = tokio::task::JoinSet::new();
    for i in 0..1200 {
        let permit = room.clone().acquire_owned().await.unwrap();
        let url = format!("{}{}", app.base, ["/app", "/app/analytics", "/app/stores"][i % 3]);
        let (http, cookie) = (http.clone(), cookie.clone());
        loads.spawn(async move {
            let _permit = permit;
            let page = http
                .get(&url)
                .header("cookie", cookie)
                .header("accept", "text/html")
                .send()
                .await;
            let finished = match page {
                Ok(res) if res.status() == 200 => res.text().await.is_ok_and(|html| html.contains("</html>")),
                Ok(_) => false,
                Err(_) => false,
            };
            (url, finished)
        });
    }
    let mut stalled = Vec::new();
    while let Some(load) = loads.join_next().await {
        let (url, finished) = load.unwrap();
        if !finished {
            stalled.push(url);
        }
    }
    starting.await.unwrap();
    assert!(stalled.is_empty(), "pages that never finished: {stalled:?}");
}
