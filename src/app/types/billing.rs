//! What the billing page and the payment banner show.

use super::{Plan, PlanLimits, PlanSummary};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingOverview {
    /// The plan paid for.
    pub plan: Plan,
    /// The plan whose limits apply: Free once an unpaid invoice outlasts the grace period.
    pub effective_plan: Plan,
    /// Limits in force, with any override a platform admin granted.
    pub limits: PlanLimits,
    /// Stripe's subscription status in words ("Active", "Trial", "Payment overdue", …).
    pub status: String,
    /// No STRIPE_SECRET_KEY, test mode on: plan changes apply at once and
    /// nothing is charged.
    pub test_mode: bool,
    /// Neither Stripe nor test mode: plans cannot be changed on this server.
    pub unavailable: bool,
    /// Owners and admins may change the plan; others read.
    pub can_manage: bool,
    /// A Stripe customer exists, so "Manage billing" can open the portal.
    pub has_customer: bool,
    /// "Trial ends on 5 Dec 2026", "Renews on …", "Ends on … (cancelled)".
    pub period_note: Option<String>,
    pub cancel_at_period_end: bool,
    pub alert: Option<BillingAlert>,
    pub usage: Vec<UsageBar>,
    pub invoices: InvoicePage,
    pub plans: Vec<PlanSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoicePage {
    pub lines: Vec<InvoiceLine>,
    pub page: i64,
    pub pages: i64,
}

/// A payment that needs the customer: shown as a banner on every page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingAlert {
    pub message: String,
    /// Stripe's page to pay the open invoice.
    pub payment_url: Option<String>,
    /// The grace period is over and the free limits apply.
    pub downgraded: bool,
    /// The viewer may open billing (and gets the pay link).
    pub can_view_billing: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageBar {
    pub label: String,
    pub used: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub id: String,
    pub number: String,
    /// The invoice's date, e.g. "21 Nov 2026".
    pub date: String,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    pub hosted_url: String,
}

impl InvoiceLine {
    /// "$29.00", or "29.00 EUR" for other currencies.
    pub fn amount_label(&self) -> String {
        let amount = format!("{}.{:02}", self.amount_cents / 100, (self.amount_cents % 100).abs());
        match self.currency.as_str() {
            "usd" => format!("${amount}"),
            other => format!("{amount} {}", other.to_uppercase()),
        }
    }
}

/// What choosing a plan did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlanChange {
    /// The change is in force (test mode, or a change to an existing subscription).
    Applied { message: String },
    /// Payment details are needed: continue on Stripe Checkout.
    Checkout { url: String },
}

/// How a Checkout the workspace started has ended, for the return page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutResult {
    pub complete: bool,
    pub plan: Plan,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_money() {
        let line = |amount_cents, currency: &str| InvoiceLine {
            id: "in_1".into(),
            number: String::new(),
            date: String::new(),
            amount_cents,
            currency: currency.into(),
            status: "paid".into(),
            hosted_url: String::new(),
        };
        assert_eq!(line(2_900, "usd").amount_label(), "$29.00");
        assert_eq!(line(905, "eur").amount_label(), "9.05 EUR");
    }
}
