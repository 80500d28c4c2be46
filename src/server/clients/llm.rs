//! An OpenAI-compatible chat-completions endpoint (OPENAI_BASE_URL), asked
//! for one post as JSON. Retries within one write for rate limits and brief
//! outages; answers are read with a size cap. Which writer a deployment
//! uses is `writing`'s choice.

use super::outbound::{read_capped, ReadError, MAX_REPLY_BYTES};
use crate::server::config::OpenAiConfig;
use crate::server::writing::caption::{CaptionBrief, CaptionDraft};
use crate::server::writing::generator::{Brief, Draft};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Attempts per write inside the client, for rate limits and brief outages;
/// the job's own retries (minutes apart) come on top.
const ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// Passing trouble (rate limit, timeout, 5xx): try the job again later.
    #[error("the writing model is unavailable: {0}")]
    Unavailable(String),
    /// The endpoint refused the request itself (bad key, unknown model).
    #[error("the writing model refused the request: {0}")]
    Refused(String),
    /// The endpoint sent more than any post could be: not worth retrying.
    #[error("the writing model's answer was larger than {} MiB", MAX_REPLY_BYTES / (1024 * 1024))]
    TooLarge,
}

#[derive(Deserialize)]
struct PostJson {
    title: String,
    #[serde(alias = "body", alias = "content")]
    html: String,
    #[serde(default)]
    excerpt: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// The model client: one HTTP client and the endpoint's settings.
#[derive(Clone, Debug)]
pub struct OpenAi {
    http: reqwest::Client,
    config: OpenAiConfig,
}

impl OpenAi {
    pub fn new(config: &OpenAiConfig) -> OpenAi {
        OpenAi {
            http: reqwest::Client::builder()
                .timeout(config.timeout)
                .connect_timeout(Duration::from_secs(10))
                .build()
                .expect("a TLS backend is compiled in"),
            config: config.clone(),
        }
    }

    pub fn describe(&self) -> String {
        format!("{} at {}", self.config.model, self.config.base_url)
    }

    /// One post, retrying passing trouble a few times with a growing pause.
    pub async fn write(&self, brief: &Brief) -> Result<Draft, LlmError> {
        let body = request_body(&self.config.model, brief);
        retrying(|| async { post_from(&ask(&self.http, &self.config, &body).await?) }).await
    }

    /// One social caption with its hashtags, retried as `write` is.
    pub async fn caption(&self, brief: &CaptionBrief) -> Result<CaptionDraft, LlmError> {
        let body = caption_body(&self.config.model, brief);
        retrying(|| async { caption_from(&ask(&self.http, &self.config, &body).await?) }).await
    }
}

/// Runs `attempt` until it succeeds, is refused, or has failed `ATTEMPTS`
/// times, pausing longer after each failure.
async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, LlmError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, LlmError>>,
{
    let mut wait = Duration::from_secs(1);
    let mut last = LlmError::Unavailable("no attempt made".into());
    for n in 1..=ATTEMPTS {
        match attempt().await {
            Ok(answer) => return Ok(answer),
            Err(e @ (LlmError::Refused(_) | LlmError::TooLarge)) => return Err(e),
            Err(e) => last = e,
        }
        if n < ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
    Err(last)
}

/// Sends one chat completion and returns the answer's content.
async fn ask(http: &reqwest::Client, config: &OpenAiConfig, request: &Value) -> Result<String, LlmError> {
    let url = format!("{}/chat/completions", config.base_url.as_str().trim_end_matches('/'));
    let response = http
        .post(url)
        .bearer_auth(config.api_key.as_deref().unwrap_or_default())
        .json(request)
        .send()
        .await
        .map_err(|e| {
            LlmError::Unavailable(if e.is_timeout() {
                "timed out".into()
            } else {
                "unreachable".into()
            })
        })?;
    let status = response.status();
    if status.as_u16() == 429 || status.is_server_error() {
        return Err(LlmError::Unavailable(format!("HTTP {}", status.as_u16())));
    }
    // A refusal is a refusal whatever its body looks like: retrying a 4xx
    // cannot succeed, so an unreadable error body is still `Refused`.
    let body: Option<Value> = match read_capped(response, MAX_REPLY_BYTES).await {
        Ok(bytes) => serde_json::from_slice(&bytes).ok(),
        Err(ReadError::TooLarge) => return Err(LlmError::TooLarge),
        Err(ReadError::Transport(_)) => None,
    };
    if !status.is_success() {
        let message = body
            .as_ref()
            .and_then(|b| b["error"]["message"].as_str())
            .unwrap_or("no reason given");
        return Err(LlmError::Refused(format!("HTTP {}: {message}", status.as_u16())));
    }
    let body = body.ok_or_else(|| LlmError::Unavailable("unreadable answer".into()))?;
    body["choices"][0]["message"]["content"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| LlmError::Unavailable("answer without content".into()))
}

fn post_from(content: &str) -> Result<Draft, LlmError> {
    let post: PostJson = serde_json::from_str(strip_fence(content))
        .map_err(|_| LlmError::Unavailable("answer was not the requested JSON".into()))?;
    if post.title.trim().is_empty() || post.html.trim().is_empty() {
        return Err(LlmError::Unavailable("answer had an empty title or body".into()));
    }
    Ok(Draft {
        title: post.title,
        html: post.html,
        excerpt: post.excerpt,
        tags: post.tags,
    })
}

#[derive(Deserialize)]
struct CaptionJson {
    #[serde(alias = "text")]
    caption: String,
    #[serde(default)]
    hashtags: Vec<String>,
}

fn caption_from(content: &str) -> Result<CaptionDraft, LlmError> {
    let answer: CaptionJson = serde_json::from_str(strip_fence(content))
        .map_err(|_| LlmError::Unavailable("answer was not the requested JSON".into()))?;
    if answer.caption.trim().is_empty() {
        return Err(LlmError::Unavailable("answer had an empty caption".into()));
    }
    Ok(CaptionDraft {
        body: answer.caption.trim().to_owned(),
        hashtags: answer.hashtags,
    })
}

fn caption_body(model: &str, brief: &CaptionBrief) -> Value {
    let system = "You write captions for social media posts (Instagram, Facebook, TikTok). Answer with one JSON \
                  object with the keys caption (plain text, at most 1,500 characters, no hashtags in it) and \
                  hashtags (3 to 8 single words without '#').";
    let mut user = format!("Tone: {}\n", brief.tone);
    if !brief.brief.trim().is_empty() {
        user.push_str(&format!("Brief: {}\n", brief.brief.trim()));
    }
    if !brief.product.trim().is_empty() {
        user.push_str(&format!(
            "Product: {}\nDescription: {}\nPrice: {}\nLink (say it is in the post; do not repeat it): {}\n",
            brief.product.trim(),
            brief.description.trim(),
            brief.price.trim(),
            brief.link.trim()
        ));
    }
    json!({
        "model": model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "response_format": {"type": "json_object"},
        "temperature": 0.8,
    })
}

fn request_body(model: &str, brief: &Brief) -> Value {
    let topics = if brief.topics.is_empty() {
        brief.niche.clone()
    } else {
        brief.topics.join("; ")
    };
    let system = "You write blog posts for WordPress sites. Answer with one JSON object with the keys \
                  title (plain text), html (the body as HTML using p, h2, h3, ul, ol, li, strong, em, a, \
                  blockquote; no h1, no scripts), excerpt (one or two plain sentences) and tags (3 to 5 short \
                  lowercase strings).";
    let user = format!(
        "Niche: {}\nPick one of these topics (vary between posts; variation seed {}): {}\nTone: {}\n\
         Language: {}\nLength: about {} words.",
        brief.niche, brief.seed, topics, brief.tone, brief.language, brief.target_words
    );
    json!({
        "model": model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "response_format": {"type": "json_object"},
        "temperature": 0.8,
    })
}

/// Some compatible servers wrap JSON in a Markdown fence despite being asked not to.
fn strip_fence(content: &str) -> &str {
    let trimmed = content.trim();
    let Some(inner) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let inner = inner.strip_prefix("json").unwrap_or(inner);
    inner.strip_suffix("```").unwrap_or(inner).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_json_is_unwrapped() {
        assert_eq!(strip_fence("```json\n{\"a\":1}\n```"), "{\"a\":1}");
        assert_eq!(strip_fence(" {\"a\":1} "), "{\"a\":1}");
    }

    #[test]
    fn the_request_names_model_brief_and_json_format() {
        let brief = Brief {
            niche: "gardening".into(),
            topics: vec!["roses".into(), "tomatoes".into()],
            tone: "friendly".into(),
            language: "German".into(),
            target_words: 700,
            seed: 7,
        };
        let body = request_body("m-1", &brief);
        assert_eq!(body["model"], "m-1");
        assert_eq!(body["response_format"]["type"], "json_object");
        let user = body["messages"][1]["content"].as_str().unwrap();
        assert!(user.contains("roses; tomatoes") && user.contains("German") && user.contains("700"));
    }
}
