//! The writing model's client against a fake OpenAI-compatible server over
//! real HTTP: what it sends, what it accepts, what it retries and what it
//! gives up on; and a site publishing what the configured model wrote.

use crate::automation::{app_with_site, run_now, save_settings, settings, wait_for_step};
use crate::fake_model::{FakeModel, API_KEY, MODEL};
use crate::fake_wordpress::FakeWordPress;
use crate::helpers::{spawn_with, Engine};
use crate::on_both_engines;
use autopilot::server::clients::llm::LlmError;
use autopilot::server::config::OpenAiConfig;
use autopilot::server::writing::generator::{Brief, Draft};
use autopilot::server::writing::Writer;
use std::time::Duration;

fn writer(model: &FakeModel) -> Writer {
    Writer::from_config(&OpenAiConfig {
        api_key: Some(API_KEY.into()),
        base_url: url::Url::parse(&model.base_url).unwrap(),
        model: MODEL.into(),
        timeout: Duration::from_secs(10),
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
async fn the_model_s_post_is_returned_and_the_request_carries_key_model_and_json_mode() {
    let model = FakeModel::start().await;
    model.then_post(
        "Roses in Winter",
        "<p>Mulch them well.</p>",
        "Keep roses warm.",
        &["roses", "winter"],
    );
    let draft = writer(&model).write(&brief()).await.expect("the model's post");
    assert_eq!(
        draft,
        Draft {
            title: "Roses in Winter".into(),
            html: "<p>Mulch them well.</p>".into(),
            excerpt: "Keep roses warm.".into(),
            tags: vec!["roses".into(), "winter".into()],
        }
    );
    assert_eq!(model.calls(), 1);
    let sent = &model.requests()[0];
    assert!(
        sent.is_ours(),
        "key and model are sent: {:?} {}",
        sent.authorization,
        sent.body
    );
    assert_eq!(sent.body["response_format"]["type"], "json_object");
    assert!(sent.message("user").contains("Home gardening"), "{}", sent.body);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_until_the_model_answers() {
    let model = FakeModel::start().await;
    model
        .then_error(429, "Rate limit reached for requests", "requests")
        .then_error(
            500,
            "The server had an error while processing your request.",
            "server_error",
        )
        .then_post("Third Time Lucky", "<p>Body.</p>", "", &[]);
    let draft = writer(&model)
        .write(&brief())
        .await
        .expect("the third attempt succeeds");
    assert_eq!(draft.title, "Third Time Lucky");
    assert_eq!(model.calls(), 3);
}

#[tokio::test]
async fn a_401_from_the_model_is_refused_without_retrying() {
    let model = FakeModel::start().await;
    model.then_error(401, "Incorrect API key provided", "invalid_request_error");
    let err = writer(&model).write(&brief()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Refused(reason) if reason.contains("Incorrect API key provided")),
        "{err:?}"
    );
    assert_eq!(model.calls(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn a_4xx_without_a_json_body_is_still_refused_without_retrying() {
    let model = FakeModel::start().await;
    model.then_text(400, "text/plain", "bad request");
    let err = writer(&model).write(&brief()).await.unwrap_err();
    assert!(matches!(err, LlmError::Refused(_)), "{err:?}");
    assert_eq!(model.calls(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn a_post_wrapped_in_a_json_fence_is_accepted() {
    let model = FakeModel::start().await;
    let post = crate::fake_model::post_content("Fenced", "<p>Inside a fence.</p>", "Fenced in.", &["fences"]);
    model.then_content(&format!("```json\n{post}\n```"));
    let draft = writer(&model).write(&brief()).await.expect("the fence is stripped");
    assert_eq!(draft.title, "Fenced");
    assert_eq!(draft.html, "<p>Inside a fence.</p>");
    assert_eq!(model.calls(), 1);
}

#[tokio::test]
async fn a_model_that_stays_unavailable_is_given_up_after_three_attempts() {
    let model = FakeModel::start().await;
    let page = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>";
    for _ in 0..3 {
        model.then_text(503, "text/html", page);
    }
    let err = writer(&model).write(&brief()).await.unwrap_err();
    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
    assert_eq!(model.calls(), 3);
}

on_both_engines!(
    a_site_publishes_what_the_configured_model_wrote,
    markup_in_the_model_s_title_excerpt_and_tags_reaches_wordpress_escaped,
    the_model_s_own_words_about_a_refusal_stay_in_the_log,
);

/// A model that puts markup, escaped or not, into the title, excerpt and
/// tags: WordPress shows those as HTML, so none of it may arrive as a tag.
async fn markup_in_the_model_s_title_excerpt_and_tags_reaches_wordpress_escaped(engine: Engine) {
    let model = FakeModel::start().await;
    model.then_post(
        "<b>Roses</b> &lt;script&gt;alert(1)&lt;/script&gt; \"quoted\"",
        "<p>Body.</p>",
        "&lt;img src=x onerror=alert(1)&gt; <em>fine</em>",
        &["&lt;i&gt;shade&lt;/i&gt;", "<b>sun</b>"],
    );
    let wp = FakeWordPress::start().await;
    let app = spawn_with(
        engine,
        &[
            ("OPENAI_API_KEY", API_KEY),
            ("OPENAI_BASE_URL", model.base_url.as_str()),
            ("OPENAI_MODEL", MODEL),
        ],
    )
    .await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    wait_for_step(&app, &job, "published").await;
    let sent = &wp.create_requests()[0];
    for field in ["title", "excerpt"] {
        let text = sent[field].as_str().unwrap();
        assert!(!text.contains(['<', '>', '"']), "{field}: {text}");
    }
    assert_eq!(
        sent["title"], "Roses ‹script›alert(1)‹/script› ”quoted”",
        "readable, and no tag"
    );
    for tag in wp.tag_names() {
        assert!(!tag.contains(['<', '>']), "tag {tag:?}");
    }
}

/// A refusal's text can quote keys, prompts or account details: the job
/// says in plain words what happened, the log has the rest.
async fn the_model_s_own_words_about_a_refusal_stay_in_the_log(engine: Engine) {
    let model = FakeModel::start().await;
    model.then_error(
        401,
        "Incorrect API key provided: sk-live-abc***xyz. Org org-secret42.",
        "invalid_request_error",
    );
    let wp = FakeWordPress::start().await;
    let app = spawn_with(
        engine,
        &[
            ("OPENAI_API_KEY", API_KEY),
            ("OPENAI_BASE_URL", model.base_url.as_str()),
            ("OPENAI_MODEL", MODEL),
        ],
    )
    .await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    let (state, _, error) = wait_for_step(&app, &job, "failed").await;
    assert_eq!(state, "dead");
    let error = error.unwrap();
    assert!(error.contains("refused the request"), "{error}");
    assert!(!error.contains("sk-live") && !error.contains("org-secret"), "{error}");
    let page = app
        .call_json("content/jobs", &[("list", "failed"), ("site_id", ""), ("page", "1")])
        .await
        .1;
    assert!(!page.to_string().contains("org-secret"), "{page}");
}

async fn a_site_publishes_what_the_configured_model_wrote(engine: Engine) {
    let model = FakeModel::start().await;
    model.then_post(
        "Five Roses for Shade",
        "<p>Try these.</p><script>steal()</script>",
        "Roses that cope with shade.",
        &["shade roses"],
    );
    let wp = FakeWordPress::start().await;
    let app = spawn_with(
        engine,
        &[
            ("OPENAI_API_KEY", API_KEY),
            ("OPENAI_BASE_URL", model.base_url.as_str()),
            ("OPENAI_MODEL", MODEL),
        ],
    )
    .await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    let job = run_now(&app, &site).await;
    wait_for_step(&app, &job, "published").await;

    assert_eq!(model.calls(), 1);
    let sent = &model.requests()[0];
    assert!(
        sent.is_ours(),
        "key and model are sent: {:?} {}",
        sent.authorization,
        sent.body
    );
    assert!(
        sent.message("user").contains("Home gardening"),
        "the brief comes from the site's settings: {}",
        sent.body
    );
    let posts = wp.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].title, "Five Roses for Shade");
    assert_eq!(posts[0].excerpt, "Roses that cope with shade.");
    assert!(posts[0].content.contains("Try these."), "{}", posts[0].content);
    assert!(!posts[0].content.contains("script"), "the model's HTML was sanitised");
    assert!(
        wp.tag_names().iter().any(|t| t == "shade roses"),
        "the model's tags are added: {:?}",
        wp.tag_names()
    );
}
