//! What reaches WordPress and what the workspace sees of it: terms found
//! through `term_exists`, posts scheduled in WordPress, bulk approval, and
//! the calendar; on both engines.

use crate::automation::{app_with_site, run_now, save_settings, settings, wait_for_job, wait_for_step};
use crate::fake_wordpress::FakeWordPress;
use crate::helpers::{spawn, spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use chrono::{Datelike, Days, NaiveDate, TimeZone};
use chrono_tz::Europe::Berlin;
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    a_category_the_search_misses_is_taken_from_term_exists,
    a_post_scheduled_in_wordpress_is_sent_as_future_at_its_slot,
    approving_two_posts_at_once_publishes_each_once,
    the_calendar_month_shows_a_published_post_on_its_local_day,
    the_calendar_week_shows_the_next_planned_run_at_the_schedule_s_time,
    the_calendar_refuses_an_unknown_span_and_names_the_zone_it_used,
    links_that_lead_off_the_site_are_not_shown,
);

/// A site that reports post links elsewhere (another host, `javascript:`)
/// gets its post published, but no page links to where it pointed.
async fn links_that_lead_off_the_site_are_not_shown(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    sqlx::query("update tenant set plan = 'pro'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    for base in ["javascript:alert(document.cookie)//", "https://evil.example/p/"] {
        wp.link_posts_to(base);
        let job = run_now(&app, &site).await;
        wait_for_step(&app, &job, "published").await;
        let (link,): (Option<String>,) = sqlx::query_as("select remote_url from post where job_id = $1")
            .bind(&job)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(link, None, "{base} is not kept");
    }
    let page = app
        .call_json("content/jobs", &[("list", "published"), ("site_id", ""), ("page", "1")])
        .await
        .1;
    assert_eq!(page["jobs"].as_array().unwrap().len(), 2);
    assert!(
        page["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["remote_url"].is_null()),
        "{page}"
    );
    let html = app.page_html("/app/content?list=published").await;
    assert!(
        !html.contains("evil.example") && !html.contains("javascript:alert"),
        "no link leads off the site"
    );
}

async fn a_category_the_search_misses_is_taken_from_term_exists(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let garden = wp.add_category("Garden");
    wp.hide_from_search("Garden");
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    wait_for_step(&app, &job, "published").await;

    let posts = wp.posts();
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0].categories.contains(&garden),
        "the id WordPress named in term_exists is used: {:?}",
        posts[0].categories
    );
    assert_eq!(posts[0].categories.len(), 2, "Garden and Tips");
    assert_eq!(wp.category_names(), ["Garden", "Tips"], "no second Garden");
}

async fn a_post_scheduled_in_wordpress_is_sent_as_future_at_its_slot(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "future")).await.0, 200);
    // A slot two hours ahead: within the day's lead, so it is written now.
    let slot = autopilot::server::db::now() / 60 * 60 + 7_200;
    sqlx::query("update schedule set active = 1, next_run_at = $1 where subject_id = $2")
        .bind(slot)
        .bind(&site)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let job = wait_for_job(&app, &site, slot).await;
    wait_for_step(&app, &job, "published").await;
    // The slots after this one fall inside the lead too and are written as
    // well; this slot's post is told apart by its slug.
    let (_, slug, _) = post_of(&app, &job).await;

    let at = chrono::DateTime::from_timestamp(slot, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let sent: Vec<Value> = wp
        .create_requests()
        .into_iter()
        .filter(|r| r["slug"] == slug.as_str())
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["status"], "future");
    assert_eq!(sent[0]["date_gmt"], at.as_str(), "the slot, in UTC");
    assert!(
        sent[0].get("date").is_none(),
        "no site-local date beside date_gmt: {}",
        sent[0]
    );
    let post = wp
        .posts()
        .into_iter()
        .find(|p| p.slug == slug)
        .expect("the post is on WordPress");
    assert_eq!(post.status, "future", "WordPress holds it until the slot");
    assert_eq!(post.date_gmt.as_deref(), Some(at.as_str()));
}

async fn approving_two_posts_at_once_publishes_each_once(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("review", "publish")).await.0, 200);
    let first = run_now(&app, &site).await;
    // Manual runs are keyed by the millisecond of the click.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = run_now(&app, &site).await;
    let mut posts = Vec::new();
    for job in [&first, &second] {
        wait_for_step(&app, job, "awaiting_review").await;
        posts.push(post_of(&app, job).await);
    }
    assert_eq!(wp.create_calls(), 0, "nothing is published before review");

    let ids: Vec<&str> = posts.iter().map(|(id, _, _)| id.as_str()).collect();
    let (status, approved) = app.call_with_json("content/approve", &json!({ "post_ids": ids })).await;
    assert_eq!((status, approved), (200, json!(2)));
    for job in [&first, &second] {
        wait_for_step(&app, job, "published").await;
    }

    let remote = wp.posts();
    assert_eq!(remote.len(), 2);
    assert_eq!(wp.create_calls(), 2);
    for (_, slug, title) in &posts {
        let matching: Vec<_> = remote.iter().filter(|p| &p.slug == slug).collect();
        assert_eq!(matching.len(), 1, "{slug} is on WordPress exactly once");
        assert_eq!(&matching[0].title, title);
    }
}

/// The post a job wrote: its id, slug and title.
async fn post_of(app: &TestApp, job: &str) -> (String, String, String) {
    sqlx::query_as("select id, slug, title from post where job_id = $1")
        .bind(job)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn calendar(app: &TestApp, span: &str, date: &str, zone: &str) -> (u16, Value) {
    app.call_json(
        "content/calendar",
        &[("span", span), ("date", date), ("zone", zone), ("channel", "")],
    )
    .await
}

/// The entries of one day of a calendar view: `[local time, entry]` pairs.
fn entries_of(view: &Value, index: usize) -> &Vec<Value> {
    view["days"][index]["entries"]
        .as_array()
        .expect("a day lists its entries")
}

async fn the_calendar_month_shows_a_published_post_on_its_local_day(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn(engine).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    wait_for_step(&app, &job, "published").await;
    let (title, published_at): (String, Option<i64>) =
        sqlx::query_as("select title, published_at from post where job_id = $1")
            .bind(&job)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let published = Berlin.timestamp_opt(published_at.unwrap(), 0).unwrap();
    let day = published.date_naive();

    let (status, month) = calendar(&app, "month", &day.format("%Y-%m-%d").to_string(), "Europe/Berlin").await;
    assert_eq!(status, 200, "{month}");
    assert_eq!(month["zone"], "Europe/Berlin");
    // A grid of whole weeks from the Monday on or before the 1st.
    let first = day.with_day(1).unwrap();
    let grid_start = first - Days::new(u64::from(first.weekday().num_days_from_monday()));
    let index = (day - grid_start).num_days() as usize;
    assert_eq!(month["days"][index]["label"], day.format("%a %-d").to_string());
    let found: Vec<&Value> = entries_of(&month, index)
        .iter()
        .filter(|e| e[1]["title"] == title.as_str())
        .collect();
    assert_eq!(found.len(), 1, "the post is on its day: {}", month["days"][index]);
    assert_eq!(found[0][0], published.format("%H:%M").to_string(), "at its Berlin time");
    assert_eq!(found[0][1]["step"], "published");
    assert_eq!(found[0][1]["remote_url"], wp.posts()[0].link.as_str());
    let days_with_it = month["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["entries"].to_string().contains(&title))
        .count();
    assert_eq!(days_with_it, 1, "and on no other day");
}

async fn the_calendar_week_shows_the_next_planned_run_at_the_schedule_s_time(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let (status, body) = app
        .call_json("sites/automation", &[("site_id", &site), ("on", "true")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (next,): (Option<i64>,) = sqlx::query_as("select next_run_at from schedule where subject_id = $1")
        .bind(&site)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let next = Berlin.timestamp_opt(next.unwrap(), 0).unwrap();
    let day: NaiveDate = next.date_naive();

    let (status, week) = calendar(&app, "week", &day.format("%Y-%m-%d").to_string(), "Europe/Berlin").await;
    assert_eq!(status, 200, "{week}");
    assert_eq!(week["days"].as_array().unwrap().len(), 7);
    let index = day.weekday().num_days_from_monday() as usize;
    let planned = entries_of(&week, index)
        .iter()
        .find(|e| e[1]["title"] == "Planned post")
        .unwrap_or_else(|| panic!("no planned run on {day}: {}", week["days"][index]));
    assert_eq!(planned[0], next.format("%H:%M").to_string());
    assert!(
        planned[0] == "09:00" || planned[0] == "18:30",
        "the site's daily times in its own zone: {planned}"
    );
    assert_eq!(planned[1]["step"], Value::Null, "not a job yet");
}

async fn the_calendar_refuses_an_unknown_span_and_names_the_zone_it_used(engine: Engine) {
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (status, body) = calendar(&app, "year", "", "UTC").await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("month or a week"), "{body}");
    // An unknown zone or date is not an error: the view falls back to UTC
    // and today, and says which zone it used.
    let (status, view) = calendar(&app, "week", "someday", "Mars/Olympus").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["zone"], "UTC");
    assert_eq!(view["days"].as_array().unwrap().len(), 7);
}
