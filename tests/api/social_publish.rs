//! Publishing to a Facebook Page and an Instagram account through the Meta
//! stand-in over real HTTP (which fetches the media from the app's public
//! address, as Meta does): each target is published once with its link;
//! an Instagram publish whose answer was lost is found among the account's
//! media, not published twice; the publishing limit, media Meta cannot
//! fetch and a withdrawn permission end in words.

use crate::helpers::{media_dir_for, spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use crate::social_oauth::{location, platforms, sign_in};
use autopilot::server::standins::meta::MetaStandIn;
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    a_page_post_and_an_instagram_post_go_out_once_with_their_links,
    a_lost_publish_answer_ends_with_one_instagram_post,
    limits_unfetchable_media_and_withdrawn_permissions_are_named,
);

const PAGE: &str = "1010";
const INSTAGRAM: &str = "17841400000001";

struct Connected {
    meta: MetaStandIn,
    app: TestApp,
    page: String,
    instagram: String,
}

/// An app on an address Meta can fetch media from, with the stand-in
/// Bakery Page and its Instagram account connected.
async fn connected(engine: Engine) -> Connected {
    let p = platforms().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (bind, url) = (format!("127.0.0.1:{port}"), format!("http://127.0.0.1:{port}"));
    let mut vars = p.vars();
    vars.extend([("BIND_ADDR", bind.as_str()), ("APP_URL", url.as_str())]);
    let app = spawn_with(engine, &vars).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    sqlx::query("update tenant set social_accounts_limit_override = 10")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(sign_in(&app, "meta", "allow").await, "/app/channels/pick");
    let picks = [
        ("account", format!("facebook:{PAGE}")),
        ("account", format!("instagram:{INSTAGRAM}")),
    ];
    let picks: Vec<(&str, &str)> = picks.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.browser_form("/app/channels/pick/save", &picks).await;
    assert_eq!(location(&res), "/app/channels?notice=connected");
    let id_of = |platform: &str| {
        let platform = platform.to_string();
        let app = &app;
        async move {
            let (id,): (String,) = sqlx::query_as("select id from social_account where platform = $1")
                .bind(platform)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            id
        }
    };
    let (page, instagram) = (id_of("facebook").await, id_of("instagram").await);
    Connected {
        meta: p.meta,
        app,
        page,
        instagram,
    }
}

fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend((0..1_000u32).map(|i| (i % 251) as u8));
    bytes
}

async fn upload(app: &TestApp) -> Value {
    let res = reqwest::Client::new()
        .post(app.url("/app/social/media?name=bread.jpg"))
        .header("origin", app.url(""))
        .header("cookie", app.cookie().unwrap_or_default())
        .body(jpeg())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    res.json().await.unwrap()
}

/// Schedules a post for this minute (a reviewer's "Approve and schedule").
async fn schedule(app: &TestApp, accounts: &[&str], body: &str, extra: Value) -> String {
    let mut input = json!({
        "account_ids": accounts, "body": body,
        "publish_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string(), "intent": "schedule"
    });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    let (status, id) = app.call_with_json("social/save", &json!({ "input": input })).await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_string()
}

/// Waits until every target of the post has finished (published or failed).
async fn finished(app: &TestApp, post_id: &str) -> Vec<Value> {
    let mut last = Value::Null;
    for _ in 0..600 {
        let (_, page) = app
            .call_json("social/posts", &[("list", "all"), ("account_id", ""), ("page", "1")])
            .await;
        let post = page["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == post_id)
            .cloned()
            .unwrap();
        let targets = post["targets"].as_array().unwrap().clone();
        if targets
            .iter()
            .all(|t| t["state"] == "Published" || t["state"] == "Failed")
        {
            return targets;
        }
        last = post;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("post {post_id} never finished; last seen {last}");
}

async fn a_page_post_and_an_instagram_post_go_out_once_with_their_links(engine: Engine) {
    let c = connected(engine).await;
    let media = upload(&c.app).await;
    let post = schedule(
        &c.app,
        &[&c.page, &c.instagram],
        "Fresh bread at seven.",
        json!({ "hashtags": "bakery", "media_id": media["id"] }),
    )
    .await;
    let targets = finished(&c.app, &post).await;
    for target in &targets {
        assert_eq!(target["state"], "Published", "{target}");
        let link = target["permalink"].as_str().unwrap();
        assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    }
    let caption = "Fresh bread at seven.\n\n#bakery";
    let page_posts = c.meta.page_posts(PAGE);
    let instagram = c.meta.instagram_media(INSTAGRAM);
    assert_eq!(page_posts.len(), 1);
    assert_eq!(page_posts[0].1, caption);
    assert_eq!(instagram.len(), 1);
    assert_eq!(instagram[0].1, caption);
    let stored: Vec<(String,)> = sqlx::query_as("select remote_id from social_post_target order by remote_id")
        .fetch_all(&c.app.db.pool)
        .await
        .unwrap();
    let mut expected = vec![page_posts[0].0.clone(), instagram[0].0.clone()];
    expected.sort();
    assert_eq!(stored.into_iter().map(|r| r.0).collect::<Vec<_>>(), expected);
    // The photo went to the Page as a photo; the container was polled
    // while Meta processed it.
    assert_eq!((c.meta.calls("/photos"), c.meta.calls("/media_publish")), (1, 1));
    assert!(c.meta.calls("/object") >= 2);

    // Text and a link go to the feed.
    let post = schedule(
        &c.app,
        &[&c.page],
        "Our story",
        json!({ "link": "https://bakery.example/story" }),
    )
    .await;
    assert_eq!(finished(&c.app, &post).await[0]["state"], "Published");
    assert_eq!(c.meta.page_posts(PAGE)[0].1, "Our story");
    assert_eq!(c.meta.calls("/feed"), 1);
}

async fn a_lost_publish_answer_ends_with_one_instagram_post(engine: Engine) {
    let c = connected(engine).await;
    let media = upload(&c.app).await;
    // Meta publishes, and the answer never arrives: as if the worker died
    // between media_publish and storing what it said.
    c.meta.lose_next_publish_answer();
    let post = schedule(&c.app, &[&c.instagram], "Rye today", json!({ "media_id": media["id"] })).await;
    let targets = finished(&c.app, &post).await;
    assert_eq!(targets[0]["state"], "Published", "{}", targets[0]);
    let media = c.meta.instagram_media(INSTAGRAM);
    assert_eq!(media.len(), 1, "one Instagram post");
    let (remote, attempts): (String, i64) = sqlx::query_as(
        "select t.remote_id, j.attempt from social_post_target t join job j on j.subject_id = t.id \
         where j.kind = 'social-publish'",
    )
    .fetch_one(&c.app.db.pool)
    .await
    .unwrap();
    assert_eq!(remote, media[0].0, "the retry found the post");
    assert!(attempts >= 2);
    assert_eq!(
        (c.meta.calls("/media"), c.meta.calls("/media_publish")),
        (1, 1),
        "one container, published once"
    );
}

async fn limits_unfetchable_media_and_withdrawn_permissions_are_named(engine: Engine) {
    let c = connected(engine).await;
    let media = upload(&c.app).await;

    c.meta.set_publishing_limit(0);
    let post = schedule(&c.app, &[&c.instagram], "Limited", json!({ "media_id": media["id"] })).await;
    let target = &finished(&c.app, &post).await[0];
    assert_eq!(target["state"], "Failed");
    assert!(
        target["error"]
            .as_str()
            .unwrap()
            .contains("Instagram allows 0 posts in 24 hours"),
        "{target}"
    );
    assert_eq!(c.meta.calls("/media"), 0, "no container past the limit");
    c.meta.set_publishing_limit(100);

    // Meta cannot fetch the photo: the container ends in ERROR.
    let (tenant, id): (String, String) = sqlx::query_as("select tenant_id, id from social_media")
        .fetch_one(&c.app.db.pool)
        .await
        .unwrap();
    std::fs::remove_file(media_dir_for(&c.app.database_url).join(&tenant).join(&id)).unwrap();
    let post = schedule(
        &c.app,
        &[&c.instagram],
        "Missing photo",
        json!({ "media_id": media["id"] }),
    )
    .await;
    let target = &finished(&c.app, &post).await[0];
    assert!(
        target["error"]
            .as_str()
            .unwrap()
            .contains("Instagram could not use the media"),
        "{target}"
    );
    assert!(c.meta.instagram_media(INSTAGRAM).is_empty());

    // The person withdraws the app: the account asks to be reconnected.
    c.meta.revoke();
    let post = schedule(&c.app, &[&c.page], "After revoking", json!({})).await;
    let target = &finished(&c.app, &post).await[0];
    assert!(
        target["error"].as_str().unwrap().contains("Reconnect Facebook Page"),
        "{target}"
    );
    let (status, reason): (String, String) =
        sqlx::query_as("select status, status_reason from social_account where id = $1")
            .bind(&c.page)
            .fetch_one(&c.app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "reconnect");
    assert!(reason.contains("no longer accepts"), "{reason}");
    assert!(c.meta.page_posts(PAGE).is_empty());
}
