//! A fake OpenAI-compatible model that speaks real HTTP: an axum router on a
//! local port answering `POST /v1/chat/completions` from a script of replies
//! (status and body, in the order queued; a default post once the script runs
//! out), counting calls and keeping each request's Authorization header and
//! JSON body.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The model name the tests configure and expect to see in requests.
pub const MODEL: &str = "fake-gpt-1";
/// The API key the tests configure and expect as a bearer token.
pub const API_KEY: &str = "sk-test-4f1c2a9e";
/// The title of the post the fake writes once its script is used up.
pub const DEFAULT_TITLE: &str = "A Post From the Fake Model";

/// One scripted answer.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
}

/// What one request carried.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub authorization: Option<String>,
    /// The request body as JSON (`Null` when it was not JSON).
    pub body: Value,
}

impl Recorded {
    /// True when the request carried the test key as a bearer token and named the test model.
    pub fn is_ours(&self) -> bool {
        self.authorization.as_deref() == Some(format!("Bearer {API_KEY}").as_str()) && self.body["model"] == MODEL
    }

    /// The text of the message with this role (system or user).
    pub fn message(&self, role: &str) -> String {
        self.body["messages"]
            .as_array()
            .and_then(|messages| messages.iter().find(|m| m["role"] == role))
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    requests: Vec<Recorded>,
}

/// A running fake model; clones share the same script and records.
#[derive(Clone)]
pub struct FakeModel {
    /// What OPENAI_BASE_URL should be: `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    script: Arc<Mutex<Script>>,
}

impl FakeModel {
    pub async fn start() -> FakeModel {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake model binds a local port");
        let addr = listener.local_addr().expect("a bound listener has an address");
        let model = FakeModel {
            base_url: format!("http://{addr}/v1"),
            script: Arc::default(),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(model.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake model server failed") });
        model
    }

    /// Queues a successful completion whose message is `content`, verbatim.
    pub fn then_content(&self, content: &str) -> &Self {
        self.then(200, "application/json", completion(content).to_string())
    }

    /// Queues a successful completion carrying this post as the JSON object the client asks for.
    pub fn then_post(&self, title: &str, html: &str, excerpt: &str, tags: &[&str]) -> &Self {
        self.then_content(&post_content(title, html, excerpt, tags))
    }

    /// Queues an error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
    pub fn then_error(&self, status: u16, message: &str, kind: &str) -> &Self {
        let body = json!({"error": {"message": message, "type": kind, "param": null, "code": null}});
        self.then(status, "application/json", body.to_string())
    }

    /// Queues an answer whose body is not JSON (a proxy's page, a bare reason).
    pub fn then_text(&self, status: u16, content_type: &'static str, text: &str) -> &Self {
        self.then(status, content_type, text.to_owned())
    }

    fn then(&self, status: u16, content_type: &'static str, body: String) -> &Self {
        self.script().replies.push_back(Reply {
            status,
            content_type,
            body,
        });
        self
    }

    /// How many requests arrived.
    pub fn calls(&self) -> usize {
        self.script().requests.len()
    }

    /// Every request, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.script().requests.clone()
    }

    fn script(&self) -> MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn complete(State(model): State<FakeModel>, headers: HeaderMap, body: Bytes) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let request = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reply = {
        let mut script = model.script();
        script.requests.push(Recorded {
            authorization,
            body: request,
        });
        script.replies.pop_front()
    };
    let reply = reply.unwrap_or_else(|| Reply {
        status: 200,
        content_type: "application/json",
        body: completion(&post_content(
            DEFAULT_TITLE,
            "<p>Written by the fake model.</p>",
            "Written by the fake model.",
            &["fake"],
        ))
        .to_string(),
    });
    let status = StatusCode::from_u16(reply.status).expect("scripted statuses are valid");
    (status, [(header::CONTENT_TYPE, reply.content_type)], reply.body).into_response()
}

/// The JSON object the client asks the model for, as the message text.
pub fn post_content(title: &str, html: &str, excerpt: &str, tags: &[&str]) -> String {
    json!({"title": title, "html": html, "excerpt": excerpt, "tags": tags}).to_string()
}

/// A chat completion as OpenAI returns it.
fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-fake0001",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": MODEL,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "logprobs": null,
            "finish_reason": "stop",
        }],
        "usage": {"prompt_tokens": 180, "completion_tokens": 520, "total_tokens": 700},
    })
}
