//! Social posts over real HTTP: the composer keeps drafts, names every
//! platform's problems before a post is sent for review, reads times in the
//! workspace's zone; the review queue approves (one or many) and rejects;
//! an approved post to the demo channel is published once by the job
//! runner; captions are written from a brief, a product or a template;
//! another workspace's accounts and posts are not found, and roles hold.

use crate::billing::join_as;
use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    a_post_to_the_demo_channel_is_reviewed_and_published_once,
    every_platform_problem_is_named_and_drafts_keep_unfinished_work,
    captions_come_from_a_brief_a_product_or_a_template,
    another_workspaces_posts_and_accounts_are_not_found_and_roles_hold,
    a_scheduled_post_follows_the_zone_shows_on_the_calendar_moves_and_is_deleted_with_its_jobs,
);

/// A JPEG's first bytes, then some more.
fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend((0..1_000u32).map(|i| (i % 251) as u8));
    bytes
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend([0u8; 64]);
    bytes
}

/// Uploads through the composer's route, as the page does.
async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/app/social/media?name={name}")))
        .header("origin", app.url(""))
        .header("cookie", app.cookie().unwrap_or_default())
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn connect_demo(app: &TestApp) -> String {
    let (status, id) = app.call_json("social/connect_demo", &[]).await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_string()
}

/// An Instagram account connected earlier through Facebook's sign-in.
async fn instagram_account(app: &TestApp, tenant: &str) -> String {
    let id = format!("ig-{tenant}");
    sqlx::query(
        "insert into social_account (id, tenant_id, platform, external_id, name, username, access_token_sealed, \
         connected_at, created_at, updated_at) values ($1, $2, 'instagram', '17841400000001', 'Bakery', \
         '@standin.bakery', 'v1:sealed', 1, 1, 1)",
    )
    .bind(&id)
    .bind(tenant)
    .execute(&app.db.pool)
    .await
    .unwrap();
    id
}

async fn tenant_of(app: &TestApp) -> String {
    app.me().await["workspace"]["id"].as_str().unwrap().to_string()
}

async fn save(app: &TestApp, input: Value) -> (u16, Value) {
    app.call_with_json("social/save", &json!({ "input": input })).await
}

async fn posts(app: &TestApp, list: &str) -> Value {
    let (status, page) = app
        .call_json("social/posts", &[("list", list), ("account_id", ""), ("page", "1")])
        .await;
    assert_eq!(status, 200, "{page}");
    page
}

/// This minute, as the composer's time field writes it in UTC (the zone a
/// new workspace has): at most a minute past, which a post may still take.
fn this_minute() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string()
}

/// Waits for the job runner to take the target to `state`.
async fn wait_for_target(app: &TestApp, post_id: &str, state: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        let page = posts(app, "all").await;
        let post = page["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == post_id)
            .cloned()
            .unwrap();
        if post["targets"].as_array().unwrap().iter().all(|t| t["state"] == state) {
            return post;
        }
        last = post;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("post {post_id} never reached {state}; last seen {last}");
}

async fn a_post_to_the_demo_channel_is_reviewed_and_published_once(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let demo = connect_demo(&app).await;
    let (status, media) = upload(&app, "cake.jpg", jpeg()).await;
    assert_eq!(status, 201, "{media}");

    // A draft first: no time yet, nothing checked against the platforms.
    let (status, post_id) = save(&app, json!({ "account_ids": [demo], "body": "" })).await;
    assert_eq!(status, 200, "{post_id}");
    let post_id = post_id.as_str().unwrap().to_string();
    assert_eq!(posts(&app, "drafts").await["total"], 1);
    let composer = app.call_json("social/composer", &[("post_id", &post_id)]).await.1;
    assert_eq!(composer["post"]["account_ids"], json!([demo]));

    // Sent for review without a time: refused, and the draft is kept.
    let (status, refused) = save(
        &app,
        json!({ "post_id": post_id, "account_ids": [demo], "body": "Fresh rose cake", "intent": "review" }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused.to_string().contains("Choose when the post goes out"),
        "{refused}"
    );
    assert_eq!(posts(&app, "drafts").await["total"], 1);

    let (status, same) = save(
        &app,
        json!({
            "post_id": post_id, "account_ids": [demo], "body": "Fresh rose cake today.",
            "hashtags": "#bakery, roses", "media_id": media["id"], "publish_at": this_minute(),
            "intent": "review", "generated": true
        }),
    )
    .await;
    assert_eq!((status, same.as_str()), (200, Some(post_id.as_str())), "{same}");
    let queue = posts(&app, "review").await;
    assert_eq!(queue["total"], 1);
    let waiting = &queue["posts"][0];
    assert_eq!(waiting["hashtags"], "bakery roses");
    assert_eq!(waiting["source"], "generated");
    assert_eq!(waiting["targets"][0]["state"], "Waiting for review");
    assert_eq!(waiting["media"]["kind"], "image");
    assert_eq!(
        app.count("select count(*) from job where kind = 'social-publish'")
            .await,
        0
    );
    // The content page's review queue shows it too.
    let html = app.page_html("/app/content?list=review").await;
    assert!(html.contains("Social posts waiting for review"));

    let (status, approved) = app
        .call_with_json("social/approve", &json!({ "post_ids": [post_id] }))
        .await;
    assert_eq!((status, approved), (200, json!(1)));
    let published = wait_for_target(&app, &post_id, "Published").await;
    assert_eq!(published["review"], "approved");
    let (remote,): (Option<String>,) = sqlx::query_as("select remote_id from social_post_target where post_id = $1")
        .bind(&post_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(remote.unwrap().starts_with("demo-"));
    assert_eq!(posts(&app, "published").await["total"], 1);
    assert_eq!(posts(&app, "review").await["total"], 0);

    // Approving again changes nothing: one job, published once.
    let (_, again) = app
        .call_with_json("social/approve", &json!({ "post_ids": [post_id] }))
        .await;
    assert_eq!(again, json!(0));
    assert_eq!(
        app.count("select count(*) from job where kind = 'social-publish'")
            .await,
        1
    );
    // An approved post is no longer edited.
    let (status, refused) = save(
        &app,
        json!({ "post_id": post_id, "account_ids": [demo], "body": "Changed" }),
    )
    .await;
    assert_eq!(status, 409, "{refused}");

    // Two more wait for review; one is edited there. Both are approved at
    // once, with the published one, which changes nothing.
    let mut waiting = Vec::new();
    for body in ["Rye on Monday.", "Spelt on Tuesday."] {
        let input = json!({ "account_ids": [demo], "body": body, "publish_at": this_minute(), "intent": "review" });
        let (status, id) = save(&app, input).await;
        assert_eq!(status, 200, "{id}");
        waiting.push(id.as_str().unwrap().to_string());
    }
    let edit = json!({
        "post_id": waiting[1], "account_ids": [demo], "body": "Spelt on Wednesday.",
        "publish_at": this_minute(), "intent": "review"
    });
    let (status, edited) = save(&app, edit).await;
    assert_eq!((status, edited.as_str()), (200, Some(waiting[1].as_str())), "{edited}");
    let queue = posts(&app, "review").await;
    assert_eq!(queue["total"], 2);
    let text = queue.to_string();
    assert!(
        text.contains("Spelt on Wednesday.") && !text.contains("Spelt on Tuesday."),
        "{text}"
    );
    let (status, approved) = app
        .call_with_json(
            "social/approve",
            &json!({ "post_ids": [waiting[0], waiting[1], post_id] }),
        )
        .await;
    assert_eq!((status, approved), (200, json!(2)));
    for id in &waiting {
        wait_for_target(&app, id, "Published").await;
    }
    assert_eq!(posts(&app, "published").await["total"], 3);
}

async fn every_platform_problem_is_named_and_drafts_keep_unfinished_work(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    // Room for two accounts.
    let tenant = tenant_of(&app).await;
    sqlx::query("update tenant set social_accounts_limit_override = 5 where id = $1")
        .bind(&tenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let demo = connect_demo(&app).await;
    let instagram = instagram_account(&app, &tenant).await;

    let (status, refused) = save(
        &app,
        json!({ "account_ids": [demo, instagram], "body": "Hello", "publish_at": this_minute(), "intent": "review" }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused.to_string().contains("Instagram needs a photo or video."),
        "{refused}"
    );

    let (_, photo) = upload(&app, "cake.png", png()).await;
    let many: Vec<String> = (0..31).map(|i| format!("tag{i}")).collect();
    let long = "é".repeat(2_201);
    let (status, refused) = save(
        &app,
        json!({
            "account_ids": [instagram], "body": long, "hashtags": many.join(" "), "media_id": photo["id"],
            "publish_at": this_minute(), "intent": "review"
        }),
    )
    .await;
    assert_eq!(status, 422);
    let said = refused.to_string();
    for problem in ["JPEG", "2200 characters", "allows 30 hashtags"] {
        assert!(said.contains(problem), "{problem} in {said}");
    }
    // Instagram's own text replaces the long one; the demo keeps it.
    let (status, refused) = save(
        &app,
        json!({
            "account_ids": [instagram], "body": "ok", "hashtags": "cake", "media_id": photo["id"],
            "texts": [{ "platform": "instagram", "body": long }], "publish_at": this_minute(), "intent": "review"
        }),
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.to_string().contains("2200 characters"), "{refused}");

    for (field, value, words) in [
        ("hashtags", "two-words", "is not a hashtag"),
        ("link", "javascript:alert(1)", "web address"),
        ("publish_at", "next week", "a date and a time"),
    ] {
        let mut input = json!({ "account_ids": [demo], "body": "Hi" });
        input[field] = json!(value);
        let (status, refused) = save(&app, input).await;
        assert_eq!(status, 422, "{field}");
        assert!(refused.to_string().contains(words), "{field}: {refused}");
    }
    let (status, refused) = save(&app, json!({ "account_ids": [], "body": "Hi" })).await;
    assert_eq!(status, 422);
    assert!(refused.to_string().contains("at least one account"));
    let (status, refused) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Hi", "publish_at": "2020-01-01T10:00", "intent": "review" }),
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.to_string().contains("The time has passed"), "{refused}");
    // Nothing refused was kept; an unfinished draft is.
    assert_eq!(app.count("select count(*) from social_post").await, 0);
    let (status, _) = save(&app, json!({ "account_ids": [instagram], "body": "" })).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count("select count(*) from social_post where review = 'draft'")
            .await,
        1
    );
}

async fn captions_come_from_a_brief_a_product_or_a_template(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (status, written) = app
        .call_with_json(
            "social/caption",
            &json!({ "request": {
                "product_name": "Rose cake", "product_description": "Layers of rose sponge.",
                "price": "SAR 49", "url": "https://shop.example/rose"
            }}),
        )
        .await;
    assert_eq!(status, 200, "{written}");
    let body = written["body"].as_str().unwrap();
    assert!(body.contains("Rose cake") && body.contains("SAR 49"), "{body}");
    assert_eq!(written["link"], "https://shop.example/rose");
    assert!(written["hashtags"].as_str().unwrap().contains("rose"));
    assert_eq!(written["writer"], "the built-in writer");

    let (status, refused) = app.call_with_json("social/caption", &json!({ "request": {} })).await;
    assert_eq!(status, 422, "{refused}");

    let (status, refused) = app
        .call_json(
            "social/template_save",
            &[("id", ""), ("name", "New"), ("body", "{prodcut} now"), ("hashtags", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused.to_string().contains("{prodcut}"), "{refused}");
    let (status, template) = app
        .call_json(
            "social/template_save",
            &[
                ("id", ""),
                ("name", "New in"),
                ("body", "New in: {product}, {price}. {link}"),
                ("hashtags", "#newin shop"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{template}");
    let (status, taken) = app
        .call_json(
            "social/template_save",
            &[("id", ""), ("name", "new IN"), ("body", "x"), ("hashtags", "")],
        )
        .await;
    assert_eq!(status, 409, "{taken}");
    let (_, filled) = app
        .call_with_json(
            "social/caption",
            &json!({ "request": {
                "template_id": template, "product_name": "Rose cake", "price": "SAR 49",
                "url": "https://shop.example/rose"
            }}),
        )
        .await;
    assert_eq!(filled["body"], "New in: Rose cake, SAR 49. https://shop.example/rose");
    assert_eq!(filled["hashtags"], "newin shop");
    let html = app.page_html("/app/social/templates").await;
    assert!(html.contains("New in: {product}"));
    let (status, _) = app
        .call_json("social/template_delete", &[("id", template.as_str().unwrap())])
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.count("select count(*) from caption_template").await, 0);
}

async fn another_workspaces_posts_and_accounts_are_not_found_and_roles_hold(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let acme = tenant_of(&app).await;
    let demo = connect_demo(&app).await;
    let (_, post_id) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Ours", "publish_at": this_minute(), "intent": "review" }),
    )
    .await;
    let post_id = post_id.as_str().unwrap().to_string();
    let year = chrono::Utc::now().format("%Y").to_string().parse::<i32>().unwrap() + 1;
    let (status, scheduled) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Later", "publish_at": format!("{year}-03-01T09:00"), "intent": "schedule" }),
    )
    .await;
    assert_eq!(status, 200, "{scheduled}");
    let scheduled = scheduled.as_str().unwrap().to_string();
    let (_, template) = app
        .call_json(
            "social/template_save",
            &[("id", ""), ("name", "Ours"), ("body", "{product}"), ("hashtags", "")],
        )
        .await;
    let ada = app.cookie();

    app.set_cookie(None);
    app.sign_up("eve@example.com", PASSWORD, "Other").await;
    let eve_demo = connect_demo(&app).await;
    let (status, _) = save(&app, json!({ "account_ids": [demo], "body": "Theirs" })).await;
    assert_eq!(status, 404, "another workspace's account");
    let (status, _) = save(
        &app,
        json!({ "post_id": post_id, "account_ids": [eve_demo], "body": "Taken over" }),
    )
    .await;
    assert_eq!(status, 404, "another workspace's post");
    let (status, _) = app.call_json("social/composer", &[("post_id", &post_id)]).await;
    assert_eq!(status, 404);
    let (_, approved) = app
        .call_with_json("social/approve", &json!({ "post_ids": [post_id] }))
        .await;
    assert_eq!(approved, json!(0));
    for endpoint in ["social/reject", "social/delete"] {
        let (status, _) = app.call_json(endpoint, &[("post_id", &post_id)]).await;
        assert_eq!(status, 404, "{endpoint}");
    }
    let (status, _) = app
        .call_with_json("social/caption", &json!({ "request": { "template_id": template } }))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call_json("social/template_delete", &[("id", template.as_str().unwrap())])
        .await;
    assert_eq!(status, 404);
    assert_eq!(posts(&app, "all").await["total"], 0);
    assert_eq!(
        app.count("select count(*) from social_post where review = 'pending'")
            .await,
        1
    );

    // In Acme: a viewer writes nothing, a member cannot schedule or approve.
    join_as(&app, &acme, "vic@example.com", "viewer").await;
    assert_eq!(posts(&app, "review").await["total"], 1, "viewers see the queue");
    let (status, _) = save(&app, json!({ "account_ids": [demo], "body": "Hi" })).await;
    assert_eq!(status, 403);
    join_as(&app, &acme, "mo@example.com", "member").await;
    let (status, _) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Hi", "publish_at": this_minute(), "intent": "schedule" }),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call_with_json("social/approve", &json!({ "post_ids": [post_id] }))
        .await;
    assert_eq!(status, 403);
    let (status, _) = save(&app, json!({ "account_ids": [demo], "body": "Hi" })).await;
    assert_eq!(status, 200, "members write drafts");
    let (status, _) = app.call_json("social/delete", &[("post_id", &scheduled)]).await;
    assert_eq!(status, 403, "cancelling what a reviewer scheduled is a reviewer's call");

    app.set_cookie(ada);
    let (status, _) = app.call_json("social/reject", &[("post_id", &post_id)]).await;
    assert_eq!(status, 200);
    let (status, again) = app.call_json("social/reject", &[("post_id", &post_id)]).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(posts(&app, "rejected").await["total"], 1);
}

async fn a_scheduled_post_follows_the_zone_shows_on_the_calendar_moves_and_is_deleted_with_its_jobs(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let demo = connect_demo(&app).await;
    let (status, refused) = app
        .call_json(
            "social/voice_save",
            &[("time_zone", "Mars/Olympus"), ("tone", "friendly")],
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let (status, _) = app
        .call_json(
            "social/voice_save",
            &[("time_zone", "Asia/Riyadh"), ("tone", "playful")],
        )
        .await;
    assert_eq!(status, 200);
    let (_, voice) = app.call_json("social/voice", &[]).await;
    assert_eq!(
        (voice["time_zone"].as_str(), voice["tone"].as_str()),
        (Some("Asia/Riyadh"), Some("playful"))
    );

    // 18:00 in Riyadh (UTC+3), a year ahead: scheduled at once by a reviewer.
    let year = chrono::Utc::now().format("%Y").to_string().parse::<i32>().unwrap() + 1;
    let local = format!("{year}-06-01T18:00");
    let (status, post_id) = save(
        &app,
        json!({ "account_ids": [demo], "body": "Summer menu", "publish_at": local, "intent": "schedule" }),
    )
    .await;
    assert_eq!(status, 200, "{post_id}");
    let post_id = post_id.as_str().unwrap().to_string();
    let expected = chrono::NaiveDate::from_ymd_opt(year, 6, 1)
        .unwrap()
        .and_hms_opt(15, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let (publish_at, run_at_ms): (i64, i64) = sqlx::query_as(
        "select p.publish_at, j.run_at_ms from social_post p join social_post_target t on t.post_id = p.id \
         join job j on j.subject_id = t.id and j.kind = 'social-publish' where p.id = $1",
    )
    .bind(&post_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((publish_at, run_at_ms), (expected, expected * 1000));
    let scheduled = posts(&app, "scheduled").await;
    assert_eq!(scheduled["total"], 1);
    assert!(scheduled["posts"][0]["when"].as_str().unwrap().contains("18:00"));
    assert_eq!(scheduled["posts"][0]["targets"][0]["state"], "Scheduled");
    let composer = app.call_json("social/composer", &[("post_id", "")]).await.1;
    assert_eq!(composer["time_zone"], "Asia/Riyadh");

    // On the calendar, on its local day and time, for its channel only.
    let month = format!("{year}-06-01");
    let calendar = |channel: &'static str| {
        let (app, month) = (&app, month.clone());
        async move {
            app.call_json(
                "content/calendar",
                &[
                    ("span", "month"),
                    ("date", &month),
                    ("zone", "Asia/Riyadh"),
                    ("channel", channel),
                ],
            )
            .await
        }
    };
    let (status, view) = calendar("").await;
    assert_eq!(status, 200, "{view}");
    let day = view["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == month)
        .unwrap()
        .clone();
    let (time, entry) = (&day["entries"][0][0], &day["entries"][0][1]);
    assert_eq!(time, "18:00");
    assert_eq!(
        (
            entry["channel"].as_str(),
            entry["movable"].as_bool(),
            entry["social_post_id"].as_str()
        ),
        (Some("demo"), Some(true), Some(post_id.as_str()))
    );
    let (_, only_instagram) = calendar("instagram").await;
    assert!(!only_instagram.to_string().contains("Summer menu"));
    let (status, _) = calendar("myspace").await;
    assert_eq!(status, 400);

    // Dragged to the next day: same time, and its job moves with it.
    let next_day = format!("{year}-06-02");
    let (status, moved) = app
        .call_json(
            "content/move",
            &[("post_id", &post_id), ("date", &next_day), ("zone", "Asia/Riyadh")],
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    let (publish_at, run_at_ms): (i64, i64) = sqlx::query_as(
        "select p.publish_at, j.run_at_ms from social_post p join social_post_target t on t.post_id = p.id \
         join job j on j.subject_id = t.id and j.kind = 'social-publish' where p.id = $1",
    )
    .bind(&post_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((publish_at, run_at_ms), (expected + 86_400, (expected + 86_400) * 1000));
    let (status, _) = app
        .call_json(
            "content/move",
            &[("post_id", &post_id), ("date", "2020-01-01"), ("zone", "Asia/Riyadh")],
        )
        .await;
    assert_eq!(status, 422, "not into the past");

    let (status, _) = app.call_json("social/delete", &[("post_id", &post_id)]).await;
    assert_eq!(status, 200);
    assert_eq!(app.count("select count(*) from social_post").await, 0);
    assert_eq!(
        app.count("select count(*) from job where kind = 'social-publish'")
            .await,
        0
    );
}
