//! Publishing to a Facebook Page and an Instagram account through the Meta
//! stand-in over real HTTP (which fetches the media from the app's public
//! address, as Meta does): each target is published once with its link;
//! an Instagram publish whose answer was lost is found among the account's
//! media, not published twice; the publishing limit, media Meta cannot
//! fetch and a withdrawn permission end in words.

use crate::helpers::{media_dir_for, spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use crate::social_oauth::{location, platforms, sign_in, Platforms};
use autopilot::server::standins::meta::MetaStandIn;
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    a_page_post_and_an_instagram_post_go_out_once_with_their_links,
    a_lost_publish_answer_ends_with_one_instagram_post,
    a_lost_or_throttled_page_post_ends_with_one_facebook_post,
    limits_unfetchable_media_and_withdrawn_permissions_are_named,
    a_tiktok_video_goes_out_once_even_when_the_answer_to_its_init_is_lost,
    an_expired_instagram_container_is_made_again_and_published_once,
);

const PAGE: &str = "1010";
const INSTAGRAM: &str = "17841400000001";

struct Connected {
    meta: MetaStandIn,
    app: TestApp,
    page: String,
    instagram: String,
}

/// An app on an address the platforms can fetch media from, signed up,
/// with room for ten accounts.
pub async fn fetchable_app(p: &Platforms, engine: Engine) -> TestApp {
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
    app
}

/// An app Meta can fetch media from, with the stand-in Bakery Page and its
/// Instagram account connected.
async fn connected(engine: Engine) -> Connected {
    let p = platforms().await;
    let app = fetchable_app(&p, engine).await;
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

/// An MP4's first box, then some more.
pub fn mp4() -> Vec<u8> {
    let mut bytes = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    bytes.extend((0..4_000u32).map(|i| (i % 241) as u8));
    bytes
}

pub async fn upload(app: &TestApp) -> Value {
    upload_bytes(app, "bread.jpg", jpeg()).await
}

pub async fn upload_bytes(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/app/social/media?name={name}")))
        .header("origin", app.url(""))
        .header("cookie", app.cookie().unwrap_or_default())
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    res.json().await.unwrap()
}

/// Schedules a post for this minute (a reviewer's "Approve and schedule").
pub async fn schedule(app: &TestApp, accounts: &[&str], body: &str, extra: Value) -> String {
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

/// Waits until every target of the post has finished: failed, or published
/// with its link (the demo channel has none).
pub async fn finished(app: &TestApp, post_id: &str) -> Vec<Value> {
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
        // A target reads Published as soon as its id is kept, in the job's
        // own transaction; the job then asks the platform for the post's
        // address, which the stand-ins always give.
        let done = |t: &Value| {
            t["state"] == "Failed"
                || (t["state"] == "Published" && (t["platform"] == "demo" || t["permalink"].is_string()))
        };
        if targets.iter().all(done) {
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

async fn a_lost_or_throttled_page_post_ends_with_one_facebook_post(engine: Engine) {
    let c = connected(engine).await;
    let media = upload(&c.app).await;
    // A photo post carries its link after the text; Meta makes it and the
    // answer is lost. The retry finds it by the text it sent.
    c.meta.lose_next_publish_answer();
    let post = schedule(
        &c.app,
        &[&c.page],
        "Rye today",
        json!({ "media_id": media["id"], "link": "https://bakery.example/rye" }),
    )
    .await;
    let targets = finished(&c.app, &post).await;
    assert_eq!(targets[0]["state"], "Published", "{}", targets[0]);
    let posts = c.meta.page_posts(PAGE);
    assert_eq!(posts.len(), 1, "one Page post: {posts:?}");
    assert_eq!(posts[0].1, "Rye today\n\nhttps://bakery.example/rye");
    assert_eq!(c.meta.calls("/photos"), 1, "sent once");
    let (remote,): (String,) = sqlx::query_as("select remote_id from social_post_target")
        .fetch_one(&c.app.db.pool)
        .await
        .unwrap();
    assert_eq!(remote, posts[0].0, "the retry found the post");

    // A feed post (text and link) whose answer is lost: found, not sent again.
    c.meta.lose_next_publish_answer();
    let post = schedule(
        &c.app,
        &[&c.page],
        "Our story",
        json!({ "link": "https://bakery.example/story" }),
    )
    .await;
    assert_eq!(finished(&c.app, &post).await[0]["state"], "Published");
    assert_eq!(c.meta.page_posts(PAGE).len(), 2);
    assert_eq!(c.meta.calls("/feed"), 1, "sent once");

    // Meta asks Autopilot to slow down (code 4): the post backs off, then
    // goes out once.
    c.meta.throttle(1);
    let post = schedule(&c.app, &[&c.page], "Slow and steady", json!({})).await;
    let targets = finished(&c.app, &post).await;
    assert_eq!(targets[0]["state"], "Published", "{}", targets[0]);
    let posts = c.meta.page_posts(PAGE);
    assert_eq!((posts.len(), posts[0].1.as_str()), (3, "Slow and steady"));
    assert_eq!(
        c.meta.calls("/feed"),
        3,
        "the lost one, the throttled one and its retry"
    );
}

async fn limits_unfetchable_media_and_withdrawn_permissions_are_named(engine: Engine) {
    let c = connected(engine).await;
    let media = upload(&c.app).await;

    // The account has used its 24-hour limit: the post waits, without
    // using up its attempts, and goes out when there is room.
    c.meta.set_publishing_limit(0);
    let post = schedule(&c.app, &[&c.instagram], "Limited", json!({ "media_id": media["id"] })).await;
    let mut waiting = Value::Null;
    for _ in 0..400 {
        let (_, page) = c
            .app
            .call_json("social/posts", &[("list", "all"), ("account_id", ""), ("page", "1")])
            .await;
        waiting = page["posts"][0]["targets"][0].clone();
        if waiting["state"] == "Waiting" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(waiting["state"], "Waiting", "{waiting}");
    assert!(
        waiting["error"]
            .as_str()
            .unwrap()
            .contains("Instagram allows 0 posts in 24 hours"),
        "{waiting}"
    );
    let (attempt, run_at_ms): (i64, i64) =
        sqlx::query_as("select attempt, run_at_ms from job where kind = 'social-publish'")
            .fetch_one(&c.app.db.pool)
            .await
            .unwrap();
    assert_eq!(attempt, 0, "a wait is not an attempt");
    assert!(
        run_at_ms > chrono::Utc::now().timestamp_millis() + 600_000,
        "it waits minutes"
    );
    assert_eq!(c.meta.calls("/media"), 0, "no container past the limit");
    c.meta.set_publishing_limit(100);
    // Time passes: the job's turn comes again.
    sqlx::query("update job set run_at_ms = 0 where kind = 'social-publish'")
        .execute(&c.app.db.pool)
        .await
        .unwrap();
    assert_eq!(finished(&c.app, &post).await[0]["state"], "Published");

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
    assert_eq!(c.meta.instagram_media(INSTAGRAM).len(), 1, "only the post that waited");
    // The photo is back: a retry sends the failed post, once.
    std::fs::write(media_dir_for(&c.app.database_url).join(&tenant).join(&id), jpeg()).unwrap();
    let (status, retried) = c.app.call_json("social/retry", &[("post_id", &post)]).await;
    assert_eq!((status, retried), (200, json!(1)));
    assert_eq!(finished(&c.app, &post).await[0]["state"], "Published");
    assert_eq!(c.meta.instagram_media(INSTAGRAM).len(), 2);
    let (status, _) = c.app.call_json("social/retry", &[("post_id", &post)]).await;
    assert_eq!(status, 409, "nothing failed any more");

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

async fn a_tiktok_video_goes_out_once_even_when_the_answer_to_its_init_is_lost(engine: Engine) {
    let p = platforms().await;
    let app = fetchable_app(&p, engine).await;
    assert_eq!(sign_in(&app, "tiktok", "allow").await, "/app/channels?notice=connected");
    let (account,): (String,) = sqlx::query_as("select id from social_account where platform = 'tiktok'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let video = upload_bytes(&app, "bake.mp4", mp4()).await;
    assert_eq!(video["kind"], "video");

    let post = schedule(
        &app,
        &[&account],
        "Watch us bake",
        json!({ "media_id": video["id"], "hashtags": "bakery" }),
    )
    .await;
    let target = &finished(&app, &post).await[0];
    assert_eq!(target["state"], "Published", "{target}");
    assert!(target["permalink"].as_str().unwrap().contains("/video/"), "{target}");
    let videos = p.tiktok.videos();
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0].1, "Watch us bake\n\n#bakery");

    // TikTok starts the publish and the answer never arrives: the retry
    // finds the video on the account instead of sending it again.
    p.tiktok.lose_next_init_answer();
    let post = schedule(&app, &[&account], "Second batch", json!({ "media_id": video["id"] })).await;
    let target = &finished(&app, &post).await[0];
    assert_eq!(target["state"], "Published", "{target}");
    let videos = p.tiktok.videos();
    assert_eq!(videos.len(), 2, "one video per post");
    let (remote,): (String,) = sqlx::query_as("select t.remote_id from social_post_target t where t.post_id = $1")
        .bind(&post)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(remote, videos[0].0);

    // TikTok refuses an init: nothing was made, so a retry sends it again.
    p.tiktok.refuse_next_init();
    let post = schedule(&app, &[&account], "Third batch", json!({ "media_id": video["id"] })).await;
    let target = &finished(&app, &post).await[0];
    assert_eq!(target["state"], "Failed");
    let error = target["error"].as_str().unwrap();
    assert!(
        error.contains("TikTok refused the post") && !error.contains("may have gone out"),
        "{error}"
    );
    let (status, _) = app.call_json("social/retry", &[("post_id", &post)]).await;
    assert_eq!(status, 200);
    assert_eq!(finished(&app, &post).await[0]["state"], "Published");
    assert_eq!(p.tiktok.videos().len(), 3);

    // A photo cannot go to TikTok: refused before review, naming why.
    let photo = upload(&app).await;
    let (status, refused) = app
        .call_with_json(
            "social/save",
            &json!({ "input": { "account_ids": [account], "body": "x", "media_id": photo["id"],
                     "publish_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string(), "intent": "review" } }),
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused.to_string().contains("TikTok needs a video."), "{refused}");
}

async fn an_expired_instagram_container_is_made_again_and_published_once(engine: Engine) {
    let c = connected(engine).await;
    let media = upload(&c.app).await;
    // Meta keeps processing the container until it expires (24 hours on).
    c.meta.set_processing_polls(u32::MAX);
    let post = schedule(&c.app, &[&c.instagram], "Slow oven", json!({ "media_id": media["id"] })).await;
    let mut stored = None;
    for _ in 0..400 {
        let (container,): (Option<String>,) = sqlx::query_as("select container_id from social_post_target")
            .fetch_one(&c.app.db.pool)
            .await
            .unwrap();
        if container.is_some() {
            stored = container;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first = stored.expect("the container is stored before it is published");
    c.meta.set_processing_polls(0);
    c.meta.expire_containers();
    let target = &finished(&c.app, &post).await[0];
    assert_eq!(target["state"], "Published", "{target}");
    let (container,): (Option<String>,) = sqlx::query_as("select container_id from social_post_target")
        .fetch_one(&c.app.db.pool)
        .await
        .unwrap();
    assert_ne!(container.as_deref(), Some(first.as_str()), "a new container");
    assert_eq!((c.meta.calls("/media"), c.meta.calls("/media_publish")), (2, 1));
    assert_eq!(c.meta.instagram_media(INSTAGRAM).len(), 1);
}
