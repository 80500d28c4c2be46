//! Outgoing webhooks as the pages show them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookEndpointSummary {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    /// While a rolled secret still signs: until when, in words.
    pub previous_secret_until: Option<String>,
    pub created_at: i64,
    /// The last delivery's outcome, in words ("Delivered · 200", "Failing · 500").
    pub last_delivery: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookDeliverySummary {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event: String,
    pub attempts: i64,
    pub response_code: Option<i64>,
    pub response_excerpt: String,
    pub error: String,
    pub created_at: i64,
    /// When the event happened, in words (UTC).
    pub when: String,
    pub last_attempt_at: Option<i64>,
    /// delivered, retrying, failed or pending
    pub status: String,
    /// When the runner tries again, while it still will, in words.
    pub next_attempt: Option<String>,
}

/// The webhooks page: the endpoints, and one page of one endpoint's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookPage {
    pub endpoints: Vec<WebhookEndpointSummary>,
    pub events: Vec<String>,
    pub can_manage: bool,
    pub deliveries: Vec<WebhookDeliverySummary>,
    pub page: i64,
    pub pages: i64,
    /// The new-endpoint form as it was refused, to fill it again.
    pub draft: super::FormDraft,
}
