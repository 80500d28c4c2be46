//! Bad input gets a plain 4xx, never a 500 or a panic: malformed bodies to
//! every server function, and extreme values to every one that takes a
//! date, a number or a page.

use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::{json, Value};

on_both_engines!(
    malformed_bodies_to_every_server_function_answer_4xx,
    extreme_dates_numbers_and_pages_answer_4xx_or_a_clamped_page,
);

/// Every server function the app registers, as (path, method).
fn server_functions() -> Vec<String> {
    // Referencing the app makes sure its server functions are linked in.
    let _ = autopilot::app::App;
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    paths.sort();
    paths
}

async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .post(app.url(path))
        .header("origin", app.base.as_str())
        .header("content-type", content_type)
        .header("accept", "application/json")
        .header("cookie", app.cookie().unwrap_or_default())
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The app's error as JSON (`{"BadRequest": "…"}`, `"NotFound"`), never the internal one.
fn is_plain_error(body: &str) -> bool {
    serde_json::from_str::<Value>(body).is_ok_and(|v| (v.is_object() || v.is_string()) && v != "Internal")
}

async fn malformed_bodies_to_every_server_function_answer_4xx(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let paths = server_functions();
    assert!(paths.len() >= 25, "the server functions are registered: {paths:?}");
    let bodies = [
        (
            "application/x-www-form-urlencoded",
            "page=-99999999999999999999&site_id=%ZZ&on=perhaps",
        ),
        ("application/x-www-form-urlencoded", "\u{0}\u{1}%%%&&=="),
        ("application/json", "{\"post_ids\": \"not a list\", \"settings\": 7"),
        ("application/json", "settings=garbage"),
        ("text/plain", "[]"),
    ];
    let form = "application/x-www-form-urlencoded";
    let mut with_arguments = 0;
    for path in paths.iter().filter(|p| !p.ends_with("/log_out")) {
        // A function with arguments refuses an empty body; one without runs.
        let takes_arguments = post_raw(&app, path, form, "").await.0 == 400;
        with_arguments += usize::from(takes_arguments);
        for (content_type, body) in bodies {
            let (status, text) = post_raw(&app, path, content_type, body).await;
            assert!(
                status < 500,
                "{path} with {content_type} {body:?} answered {status}: {text}"
            );
            if takes_arguments {
                // Refused as unreadable (400), or read leniently and then
                // refused for what it names (404 and the like).
                assert!(status >= 400, "{path} with {content_type} {body:?}: {text}");
            }
            if status >= 400 {
                assert!(is_plain_error(&text), "{path} answered {text}");
            }
        }
    }
    assert!(with_arguments >= 15, "most functions take arguments: {with_arguments}");
    // The ones named in the security review, exactly.
    let (status, text) = post_raw(
        &app,
        "/api/content/jobs",
        "application/x-www-form-urlencoded",
        "list=all&site_id=&page=-99999999999999999999",
    )
    .await;
    assert_eq!(status, 400, "{text}");
    let (status, text) = post_raw(
        &app,
        "/api/sites/settings",
        "application/x-www-form-urlencoded",
        "settings=garbage",
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(
        app.me().await["user"]["email"],
        "ada@example.com",
        "nothing broke the session"
    );
}

async fn extreme_dates_numbers_and_pages_answer_4xx_or_a_clamped_page(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let numbers = [
        "-99999999999999999999",
        "99999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "-1",
        "0",
        "1e400",
        "NaN",
        "",
    ];
    for page in numbers {
        for (endpoint, form) in [
            ("content/jobs", vec![("list", "all"), ("site_id", ""), ("page", page)]),
            ("billing", vec![("page", page)]),
        ] {
            let (status, body) = app.call_json(endpoint, &form).await;
            assert!(
                status == 200 || status == 400,
                "{endpoint} page={page:?} answered {status}: {body}"
            );
            if status == 200 && endpoint == "content/jobs" {
                let shown = body["page"].as_i64().unwrap();
                assert!((1..=10_000).contains(&shown), "page {page:?} was clamped: {body}");
            }
        }
        let limits = [
            ("workspace_id", "x"),
            ("posts", page),
            ("sites", page),
            ("members", page),
            ("social_accounts", page),
        ];
        let (status, body) = app.call_json("admin/workspace-limits", &limits).await;
        assert!(
            status == 400 || status == 404,
            "limits={page:?} answered {status}: {body}"
        );
        let mut settings = crate::automation::settings("review", "publish");
        settings["target_words"] = serde_json::from_str(page).unwrap_or(json!(page));
        let (status, body) = app
            .call_with_json("sites/settings", &json!({"site_id": "nope", "settings": settings}))
            .await;
        assert!(
            (400..500).contains(&status),
            "target_words={page:?} answered {status}: {body}"
        );
    }
    for date in [
        "+262143-12-15",
        "-262143-01-01",
        "+10000-01-01",
        "0000-00-00",
        "9999-99-99",
        "2026-02-30",
        "0001-01-01",
        "9999-12-31",
        "",
        "yesterday",
    ] {
        for span in ["month", "week"] {
            let form = [
                ("span", span),
                ("date", date),
                ("zone", "Pacific/Kiritimati"),
                ("channel", ""),
            ];
            let (status, body) = app.call_json("content/calendar", &form).await;
            assert!(
                status == 200 || status == 400,
                "calendar {span} {date:?} answered {status}: {body}"
            );
        }
    }
    let (status, body) = app
        .call_json(
            "content/calendar",
            &[
                ("span", "month"),
                ("date", "+262143-12-15"),
                ("zone", "UTC"),
                ("channel", ""),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["BadRequest"].as_str().is_some_and(|m| m.contains("date")),
        "{body}"
    );
}
