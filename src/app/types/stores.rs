//! Store price automation as the pages and the REST API show it: stores,
//! their products and competitors, pricing runs and their decisions.

use serde::{Deserialize, Serialize};

/// Whether a store's prices can be read and changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StoreStatus {
    Connected,
    /// The store refused the token: someone must connect it again.
    Reconnect,
    /// The merchant removed the app in the store's dashboard.
    Uninstalled,
    /// Disconnected by a member: kept for its history, with no tokens.
    Disconnected,
}

impl StoreStatus {
    pub const ALL: [StoreStatus; 4] = [
        StoreStatus::Connected,
        StoreStatus::Reconnect,
        StoreStatus::Uninstalled,
        StoreStatus::Disconnected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StoreStatus::Connected => "connected",
            StoreStatus::Reconnect => "reconnect",
            StoreStatus::Uninstalled => "uninstalled",
            StoreStatus::Disconnected => "disconnected",
        }
    }

    pub fn parse(s: &str) -> Option<StoreStatus> {
        StoreStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How far a store's automation goes on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PricingMode {
    /// Runs only when a member asks; proposals wait for review.
    Manual,
    /// Runs on the cadence; proposals wait for review.
    Semi,
    /// Runs on the cadence and applies within the rules.
    Auto,
}

impl PricingMode {
    pub const ALL: [PricingMode; 3] = [PricingMode::Manual, PricingMode::Semi, PricingMode::Auto];

    pub fn as_str(self) -> &'static str {
        match self {
            PricingMode::Manual => "manual",
            PricingMode::Semi => "semi",
            PricingMode::Auto => "auto",
        }
    }

    pub fn parse(s: &str) -> Option<PricingMode> {
        PricingMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PricingMode::Manual => "Manual: run on demand, review proposals",
            PricingMode::Semi => "Semi-automatic: runs on the cadence, proposals wait for review",
            PricingMode::Auto => "Automatic: applies within the rules",
        }
    }
}

/// A store as the Stores page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StoreSummary {
    pub id: String,
    /// salla or demo
    pub platform: String,
    pub name: String,
    pub domain: String,
    pub currency: String,
    pub status: StoreStatus,
    pub status_reason: String,
    pub mode: PricingMode,
    pub paused: bool,
    pub cadence_hours: i64,
    pub max_changes_per_run: i64,
    pub products: i64,
    /// never, running, done or failed
    pub sync_state: String,
    pub sync_error: String,
    /// "Read page 3 of 12…" while a sync runs.
    pub sync_progress: String,
    /// "synced 4 Dec 2026 09:12 UTC", or "" before the first sync.
    pub synced: String,
    pub rules: PricingRulesInput,
    /// Proposals waiting for review.
    pub waiting: i64,
    /// Competitor pages waiting for a read that is under way (0 when no
    /// read is queued or running).
    pub reading: i64,
}

/// The Stores page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreList {
    pub stores: Vec<StoreSummary>,
    pub used: i64,
    pub limit: i64,
    pub can_manage: bool,
    pub can_review: bool,
    /// Salla's app credentials are configured on this server.
    pub salla_ready: bool,
    /// The easy mode (install from Salla's app store) is set up too.
    pub salla_easy: bool,
    /// The app's page in Salla's app store, or "".
    pub salla_app_page: String,
    /// The workspace's easy-mode install waiting for Salla.
    pub install: Option<PendingInstall>,
}

/// An easy-mode install waiting for Salla: the code the merchant enters in
/// the app's settings in Salla.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PendingInstall {
    /// "ABCD-EFGH"
    pub code: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Why Salla's deliveries arrived but the store did not connect, or "".
    pub error: String,
}

/// Pricing rules as a form sends them: money in major units ("95.50"),
/// percentages as numbers ("12.5").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PricingRulesInput {
    /// Least markup over cost, in percent.
    pub min_margin: String,
    /// match_lowest, beat_amount, beat_percent or median_band
    pub strategy: String,
    /// The amount or percent the strategy uses ("1.00", "2", "5").
    pub strategy_value: String,
    /// Largest change per run, in percent.
    pub max_change: String,
    /// Price ending in cents ("95", "99"), or "" to leave cents.
    pub ending: String,
    /// low, medium or high
    pub risk: String,
    pub cadence_hours: String,
    pub stale_after_hours: String,
}

/// A store's settings form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StoreSettingsInput {
    pub mode: String,
    pub max_changes_per_run: String,
    pub rules: PricingRulesInput,
}

/// A product as the Products page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductSummary {
    pub id: String,
    pub store_id: String,
    pub external_id: String,
    pub variant_id: String,
    pub sku: String,
    pub name: String,
    /// Minor units of the store's currency.
    pub price: i64,
    pub sale_price: Option<i64>,
    pub cost: Option<i64>,
    pub floor_price: Option<i64>,
    pub ceiling_price: Option<i64>,
    pub stock: Option<i64>,
    pub status: String,
    pub image_url: String,
    pub url: String,
    /// Markup over cost in basis points, when the cost is known.
    pub margin_bp: Option<i64>,
    /// The lowest fresh competitor price, and how far the price is above it
    /// in basis points (negative: below).
    pub lowest_competitor: Option<i64>,
    pub gap_bp: Option<i64>,
    pub competitors: i64,
    pub currency: String,
}

/// One page of a store's products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductPage {
    pub products: Vec<ProductSummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// Which products, in which order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct ProductFilter {
    /// Part of the name or SKU.
    #[serde(default)]
    pub q: String,
    /// "" (all), no_cost, low_margin (under the store's minimum), above
    /// (priced above the lowest competitor), below (priced below it),
    /// no_competitors
    #[serde(default)]
    pub show: String,
    /// name, price, margin or gap
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// What a merchant sets on a product that the store does not know.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductCostInput {
    /// Major units ("80.00"), or "" to clear.
    pub cost: String,
    pub floor_price: String,
    pub ceiling_price: String,
}

/// A competitor's offer of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompetitorSummary {
    pub id: String,
    pub product_id: String,
    pub url: String,
    pub label: String,
    pub selector: String,
    pub price: Option<i64>,
    /// "read 2 hours ago", or "not read yet".
    pub observed: String,
    pub error: String,
}

/// A new competitor offer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewCompetitor {
    pub url: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub selector: String,
}

/// What happened to a decision, latest first in the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DecisionOutcome {
    Proposed,
    Skipped,
    Applied,
    Rejected,
    Failed,
    Reverted,
}

impl DecisionOutcome {
    pub const ALL: [DecisionOutcome; 6] = [
        DecisionOutcome::Proposed,
        DecisionOutcome::Skipped,
        DecisionOutcome::Applied,
        DecisionOutcome::Rejected,
        DecisionOutcome::Failed,
        DecisionOutcome::Reverted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionOutcome::Proposed => "proposed",
            DecisionOutcome::Skipped => "skipped",
            DecisionOutcome::Applied => "applied",
            DecisionOutcome::Rejected => "rejected",
            DecisionOutcome::Failed => "failed",
            DecisionOutcome::Reverted => "reverted",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionOutcome> {
        DecisionOutcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One competitor price a decision rested on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SeenPrice {
    pub price: i64,
    /// Seconds old when the decision was made.
    pub age: i64,
}

/// A decision in the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DecisionSummary {
    pub id: String,
    pub run_id: String,
    pub store_id: String,
    pub product_id: String,
    pub product: String,
    pub sku: String,
    pub currency: String,
    pub cost: Option<i64>,
    pub price_before: i64,
    pub competitors: Vec<SeenPrice>,
    pub rule: String,
    pub floor_price: i64,
    pub proposed_price: Option<i64>,
    pub applied_price: Option<i64>,
    pub outcome: DecisionOutcome,
    pub reason: String,
    /// "4 Dec 2026 09:12 UTC"
    pub at: String,
    pub created_at: i64,
}

/// One page of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionPage {
    pub decisions: Vec<DecisionSummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub can_review: bool,
}

/// Which decisions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct DecisionFilter {
    #[serde(default)]
    pub store_id: String,
    /// An outcome (proposed, skipped, …) or "" for all.
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub run_id: String,
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// A pricing run and what it came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunSummary {
    pub id: String,
    pub store_id: String,
    pub store: String,
    pub trigger: String,
    pub mode: PricingMode,
    /// running, done or failed
    pub state: String,
    pub analysed: i64,
    pub proposed: i64,
    pub applied: i64,
    pub skipped: i64,
    pub failed: i64,
    pub competitors: i64,
    /// Average markup over cost of the proposed prices, in basis points.
    pub margin_bp: Option<i64>,
    pub duration_ms: Option<i64>,
    pub started: String,
    /// Why it failed, in words ("" otherwise).
    pub error: String,
}

/// Minor units as a plain amount: 9500 → "95.00".
pub fn format_amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.unsigned_abs() / 100, minor.unsigned_abs() % 100)
}

/// Basis points as a percentage without trailing zeros: 250 → "2.5%".
pub fn format_percent(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let whole = format!("{}.{:02}", bp.unsigned_abs() / 100, bp.unsigned_abs() % 100);
    format!("{sign}{}%", whole.trim_end_matches('0').trim_end_matches('.'))
}

/// One line of the price history chart: (unix seconds, minor units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceLine {
    pub label: String,
    pub points: Vec<(i64, i64)>,
}

/// A product's page: the product, its competitors, and its price against
/// theirs over the last 30 days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub product: ProductSummary,
    pub competitors: Vec<CompetitorSummary>,
    /// The store's own price first, then one line per competitor.
    pub history: Vec<PriceLine>,
    pub can_manage: bool,
}
