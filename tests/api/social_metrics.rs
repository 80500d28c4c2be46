//! Posting times and metrics over real HTTP: an account's posting times
//! (the schedule engine) take the posts waiting in its queue one slot at a
//! time; the metrics job reads Facebook's post insights, Instagram's media
//! insights and TikTok's video counts from the stand-ins and keeps the
//! latest figures; Analytics draws them (per account, per post, by hour)
//! and the REST API lists posts and figures; another workspace sees none
//! of it.

use crate::helpers::{spawn, state_on, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use crate::rest::key_of;
use crate::social_oauth::{location, platforms, sign_in};
use crate::social_publish::{fetchable_app, finished, schedule, upload, upload_bytes};
use autopilot::server::standins::meta::Stats;
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    posting_times_take_the_queue_one_post_a_slot,
    metrics_are_read_from_each_platform_and_drawn_on_analytics,
    the_api_lists_posts_and_metrics_of_its_own_workspace_only,
);

async fn connect_demo(app: &TestApp) -> String {
    let (status, id) = app.call_json("social/connect_demo", &[]).await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_string()
}

async fn save(app: &TestApp, input: Value) -> (u16, Value) {
    app.call_with_json("social/save", &json!({ "input": input })).await
}

async fn times(app: &TestApp, account: &str, cron: &str, active: &str) -> (u16, Value) {
    app.call_json(
        "social/times/save",
        &[
            ("account_id", account),
            ("kind", "cron"),
            ("times", ""),
            ("cron", cron),
            ("time_zone", "Europe/Berlin"),
            ("active", active),
        ],
    )
    .await
}

async fn post_of(app: &TestApp, post_id: &str) -> Value {
    let (status, post) = app
        .call_json("social/posts", &[("list", "all"), ("account_id", ""), ("page", "1")])
        .await;
    assert_eq!(status, 200, "{post}");
    post["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == post_id)
        .cloned()
        .unwrap()
}

/// Makes the account's next posting time due now, as the clock would.
async fn slot_comes(app: &TestApp, account: &str) -> i64 {
    let slot = autopilot::server::db::now();
    sqlx::query("update schedule set next_run_at = $1 where job_kind = 'social-publish' and subject_id = $2")
        .bind(slot)
        .bind(account)
        .execute(&app.db.pool)
        .await
        .unwrap();
    slot
}

async fn posting_times_take_the_queue_one_post_a_slot(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let demo = connect_demo(&app).await;

    // Without posting times, a post cannot wait for the next one.
    let queued = |body: &str| json!({ "account_ids": [demo], "body": body, "queued": true, "intent": "schedule" });
    let (status, refused) = save(&app, queued("First")).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("has posting times"), "{refused}");

    // A cron that is not one, then "3 posts a week at 18:00".
    let (status, bad) = times(&app, &demo, "18 * *", "on").await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(times(&app, &demo, "0 18 * * 1,3,5", "on").await.0, 200);
    let (_, page) = app.call_json("social/times", &[]).await;
    let account = &page["accounts"][0];
    assert_eq!(
        (account["active"].clone(), account["cron"].clone()),
        (json!(true), json!("0 18 * * 1,3,5"))
    );
    let next: Vec<String> = account["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert_eq!(next.len(), 5, "{next:?}");
    for slot in &next {
        assert!(slot.contains("18:00"), "{slot}");
        assert!(["Mon", "Wed", "Fri"].iter().any(|d| slot.starts_with(d)), "{slot}");
    }

    // Two posts wait in the queue, oldest first; no job exists yet.
    let (status, first) = save(&app, queued("First")).await;
    assert_eq!(status, 200, "{first}");
    let (_, second) = save(&app, queued("Second")).await;
    let (first, second) = (
        first.as_str().unwrap().to_string(),
        second.as_str().unwrap().to_string(),
    );
    let waiting = post_of(&app, &first).await;
    assert_eq!(waiting["when"], "At the next posting time");
    assert_eq!(waiting["targets"][0]["state"], "In the queue");
    assert_eq!(
        app.count("select count(*) from job where kind = 'social-publish'")
            .await,
        0
    );
    let (_, scheduled) = app
        .call_json(
            "social/posts",
            &[("list", "scheduled"), ("account_id", ""), ("page", "1")],
        )
        .await;
    assert_eq!(scheduled["total"], 2);
    assert_eq!(app.call_json("social/times", &[]).await.1["accounts"][0]["waiting"], 2);

    // A slot comes: the oldest goes out at it, the other keeps waiting.
    let slot = slot_comes(&app, &demo).await;
    let mut published = Value::Null;
    for _ in 0..400 {
        published = post_of(&app, &first).await;
        if published["targets"][0]["state"] == "Published" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(published["targets"][0]["state"], "Published", "{published}");
    assert_eq!(published["publish_at"], slot);
    assert_eq!(post_of(&app, &second).await["targets"][0]["state"], "In the queue");
    // The schedule moved on to its next slot (a Monday, Wednesday or Friday).
    let (next,): (Option<i64>,) =
        sqlx::query_as("select next_run_at from schedule where job_kind = 'social-publish' and subject_id = $1")
            .bind(&demo)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(next.unwrap() > slot);

    // The same slot handed over again (a second scheduler read it before
    // the first moved it on, or the move failed): it is served once.
    sqlx::query("update schedule set next_run_at = $1 where job_kind = 'social-publish' and subject_id = $2")
        .bind(slot)
        .bind(&demo)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let second_scheduler = state_on(&app.database_url, &[]).await;
    let kinds = autopilot::server::services::job_kinds();
    autopilot::server::scheduler::enqueue_due(&second_scheduler, &kinds)
        .await
        .unwrap();
    assert_eq!(post_of(&app, &second).await["targets"][0]["state"], "In the queue");
    assert_eq!(
        app.count("select count(*) from job where kind = 'social-publish'")
            .await,
        1
    );

    // A stopped schedule takes nothing; a post sent for review waits for
    // approval, then for a slot.
    assert_eq!(times(&app, &demo, "0 18 * * 1,3,5", "off").await.0, 200);
    let (_, page) = app.call_json("social/times", &[]).await;
    assert_eq!(page["accounts"][0]["next"], json!([]));
    let (_, third) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Third", "queued": true, "intent": "review" }),
    )
    .await;
    assert!(
        third.to_string().contains("has posting times"),
        "a stopped schedule is no posting time: {third}"
    );
    assert_eq!(times(&app, &demo, "0 18 * * 1,3,5", "on").await.0, 200);
    let (status, third) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Third", "queued": true, "intent": "review" }),
    )
    .await;
    assert_eq!(status, 200, "{third}");
    let third = third.as_str().unwrap().to_string();
    let (status, approved) = app
        .call_with_json("social/approve", &json!({ "post_ids": [third] }))
        .await;
    assert_eq!((status, approved), (200, json!(1)));
    assert_eq!(post_of(&app, &third).await["targets"][0]["state"], "In the queue");
    assert_eq!(
        app.count("select count(*) from job where kind = 'social-publish'")
            .await,
        1
    );
    // The page shows the account's times and queue.
    let html = app.page_html("/app/social/times").await;
    assert!(html.contains("2 posts wait in its queue."), "the second and the third");
}

/// Waits until no metrics read is waiting or running.
async fn metrics_read(app: &TestApp) {
    for _ in 0..400 {
        let (status, left) = app.call_json("social/metrics/progress", &[]).await;
        assert_eq!(status, 200, "{left}");
        if left == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the metrics reads never finished");
}

async fn analytics(app: &TestApp, account: &str) -> Value {
    let filter = json!({ "filter": { "days": 30, "account_id": account, "page": 1, "zone": "UTC" } });
    let (status, report) = app.call_with_json("social/analytics", &filter).await;
    assert_eq!(status, 200, "{report}");
    report
}

/// (platform, views, reach, likes, comments, shares, saves)
type Figures = (String, Option<i64>, Option<i64>, i64, i64, Option<i64>, Option<i64>);

async fn metrics_are_read_from_each_platform_and_drawn_on_analytics(engine: Engine) {
    let p = platforms().await;
    let app = fetchable_app(&p, engine).await;
    assert_eq!(sign_in(&app, "meta", "allow").await, "/app/channels/pick");
    let picks = [("account", "facebook:1010"), ("account", "instagram:17841400000001")];
    assert_eq!(
        location(&app.browser_form("/app/channels/pick/save", &picks).await),
        "/app/channels?notice=connected"
    );
    assert_eq!(sign_in(&app, "tiktok", "allow").await, "/app/channels?notice=connected");
    let id_of = |platform: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            let (id,): (String,) = sqlx::query_as("select id from social_account where platform = $1")
                .bind(platform)
                .fetch_one(&pool)
                .await
                .unwrap();
            id
        }
    };
    let (page, instagram, tiktok) = (id_of("facebook").await, id_of("instagram").await, id_of("tiktok").await);
    // Each account got its metrics schedule when it connected.
    assert_eq!(
        app.count("select count(*) from schedule where job_kind = 'social-metrics' and active = 1")
            .await,
        3
    );

    // Nothing published yet: the section says so.
    let empty = analytics(&app, "").await;
    assert_eq!(empty["posts"], 0);
    assert!(app.page_html("/app/analytics").await.contains("No figures yet"));

    let photo = upload(&app).await;
    let post = schedule(
        &app,
        &[&page, &instagram],
        "Fresh bread at seven.",
        json!({ "media_id": photo["id"] }),
    )
    .await;
    finished(&app, &post).await;
    let video = upload_bytes(&app, "clip.mp4", crate::social_publish::mp4()).await;
    let clip = schedule(
        &app,
        &[&tiktok],
        "Kneading, slowly.",
        json!({ "media_id": video["id"] }),
    )
    .await;
    assert_eq!(finished(&app, &clip).await[0]["state"], "Published");

    let remote = |account: String| {
        let pool = app.db.pool.clone();
        async move {
            let (id,): (String,) = sqlx::query_as("select remote_id from social_post_target where account_id = $1")
                .bind(account)
                .fetch_one(&pool)
                .await
                .unwrap();
            id
        }
    };
    p.meta.set_stats(
        &remote(page.clone()).await,
        Stats {
            views: 400,
            reach: 200,
            likes: 8,
            comments: 3,
            shares: 1,
            saves: 0,
        },
    );
    p.meta.set_stats(
        &remote(instagram.clone()).await,
        Stats {
            views: 1_000,
            reach: 500,
            likes: 40,
            comments: 5,
            shares: 2,
            saves: 3,
        },
    );
    p.tiktok.set_counts(&remote(tiktok.clone()).await, (2_000, 90, 6, 4));

    // "Fetch now" reads every account through the job runner.
    let (status, queued) = app.call_json("social/metrics/fetch", &[]).await;
    assert_eq!(status, 200, "{queued}");
    assert!(queued.as_i64().unwrap() >= 1);
    metrics_read(&app).await;
    let figures: Vec<Figures> = sqlx::query_as(
        "select a.platform, m.views, m.reach, m.likes, m.comments, m.shares, m.saves from social_metric m \
         join social_account a on a.id = m.account_id order by a.platform",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        figures,
        vec![
            ("facebook".into(), Some(400), Some(200), 8, 3, Some(1), None),
            ("instagram".into(), Some(1_000), Some(500), 40, 5, Some(2), Some(3)),
            ("tiktok".into(), Some(2_000), None, 90, 6, Some(4), None),
        ]
    );
    assert!(p.meta.calls("/insights") >= 2);

    // Analytics: per account, per post, and the hour they went out.
    let report = analytics(&app, "").await;
    assert_eq!(
        (report["posts"].clone(), report["views"].clone()),
        (json!(3), json!(3_400))
    );
    assert_eq!(report["engagements"], 12 + 50 + 100);
    let rate = |name_part: &str| {
        report["per_account"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["platform"] == name_part)
            .map(|a| a["engagement_rate_bp"].clone())
            .unwrap()
    };
    // Facebook 12 / 200 reached, Instagram 50 / 500, TikTok 100 / 2,000 views.
    assert_eq!(
        (rate("facebook"), rate("instagram"), rate("tiktok")),
        (json!(600), json!(1_000), json!(500))
    );
    assert_eq!(report["top_posts"][0]["platform"], "tiktok");
    let hour = chrono::Utc::now().format("%H").to_string();
    let best = report["best_hours"].as_array().unwrap();
    assert_eq!(best.len(), 24);
    let this_hour = best.iter().find(|h| h[0] == format!("{hour}:00")).unwrap();
    assert!(this_hour[1].as_i64().unwrap() > 0, "{this_hour}");
    assert!(report["best_hour"]
        .as_str()
        .unwrap()
        .contains(&format!("from {hour}:00")));
    assert_eq!(report["demo"], false);
    // One account only.
    let only = analytics(&app, &instagram).await;
    assert_eq!(
        (only["posts"].clone(), only["engagement_rate_bp"].clone()),
        (json!(1), json!(1_000))
    );
    // The page draws them as charts.
    let html = app.page_html("/app/analytics").await;
    for chart in [
        "chart-social-accounts",
        "chart-social-rates",
        "chart-social-hours",
        "chart-social-posts",
    ] {
        assert!(html.contains(chart), "{chart}");
    }
    assert!(html.contains("10.00%"), "Instagram's rate in the table");
    assert!(html.contains("<svg"));

    // A withdrawn permission asks for a reconnect and keeps the figures.
    p.meta.revoke();
    p.meta.set_stats(&remote(instagram.clone()).await, Stats::default());
    app.call_json("social/metrics/fetch", &[]).await;
    metrics_read(&app).await;
    let (status,): (String,) = sqlx::query_as("select status from social_account where id = $1")
        .bind(&instagram)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "reconnect");
    assert_eq!(analytics(&app, &instagram).await["engagement_rate_bp"], 1_000);
}

async fn rest(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1{path}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn the_api_lists_posts_and_metrics_of_its_own_workspace_only(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let demo = connect_demo(&app).await;
    let (status, post) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Rose cake", "intent": "schedule",
                "publish_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string() }),
    )
    .await;
    assert_eq!(status, 200, "{post}");
    let post = post.as_str().unwrap().to_string();
    for _ in 0..400 {
        if post_of(&app, &post).await["targets"][0]["state"] == "Published" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.call_json("social/metrics/fetch", &[]).await;
    metrics_read(&app).await;
    let key = key_of(&app, "read").await;

    let (status, list) = rest(&app, &key, "/social/posts?list=published").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["data"][0]["id"], post.as_str());
    assert_eq!(list["data"][0]["targets"][0]["state"], "Published");
    assert_eq!(list["next_cursor"], Value::Null);
    let (status, one) = rest(&app, &key, &format!("/social/posts/{post}")).await;
    assert_eq!((status, one["body"].clone()), (200, json!("Rose cake")));
    let (status, bad) = rest(&app, &key, "/social/posts?list=everything").await;
    assert_eq!(status, 422, "{bad}");

    // The demo channel's figures are invented, and say so on the page.
    let (status, metrics) = rest(&app, &key, "/social/metrics?days=7").await;
    assert_eq!(status, 200, "{metrics}");
    let figures = &metrics["data"][0];
    assert_eq!(figures["post_id"], post.as_str());
    assert!(figures["reach"].as_i64().unwrap() > 0, "{figures}");
    assert!(figures["engagement_rate_bp"].as_i64().is_some());
    assert_eq!(rest(&app, &key, "/social/metrics?days=12").await.0, 422);
    assert!(app.page_html("/app/analytics").await.contains("figures are invented"));

    // Another workspace: its key sees none of it.
    app.set_cookie(None);
    app.sign_up("grace@example.com", PASSWORD, "Globex").await;
    let other = key_of(&app, "read").await;
    assert_eq!(rest(&app, &other, &format!("/social/posts/{post}")).await.0, 404);
    assert_eq!(rest(&app, &other, "/social/posts").await.1["data"], json!([]));
    assert_eq!(rest(&app, &other, "/social/metrics").await.1["data"], json!([]));
    assert_eq!(
        rest(&app, &other, &format!("/social/metrics?account_id={demo}"))
            .await
            .1["data"],
        json!([])
    );
    // Nor its posting times: saving them for Acme's account is not found.
    assert_eq!(times(&app, &demo, "0 18 * * *", "on").await.0, 404);
    let (_, analytics) = app
        .call_with_json(
            "social/analytics",
            &json!({ "filter": { "days": 30, "account_id": demo, "page": 1, "zone": "" } }),
        )
        .await;
    assert_eq!(analytics["posts"], 0);
}
