//! Business rules and the SQL behind them, one folder or file per area.
//! Server functions, REST handlers and job kinds all call these; each
//! public function takes the scope (`TenantContext`) first and the state
//! second. Steps that join a caller's transaction take the connection
//! instead of the state.

pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod billing;
pub mod calendar;
pub mod content;
pub mod digest;
pub mod email_links;
pub mod housekeeping;
pub mod mail;
pub mod members;
pub mod publishing;
pub mod quota;
pub mod review;
pub mod schedules;
pub mod sign_ins;
pub mod sites;
pub mod social;
pub mod stores;
pub mod tokens;
pub mod webhooks;
pub mod workspaces;

use crate::server::queue::Kinds;
use std::sync::Arc;

/// Every job kind, registered by the module that owns the work: the one
/// table the runner dispatches from.
pub fn job_kinds() -> Kinds {
    Kinds::new(vec![
        Arc::new(publishing::PostJob),
        Arc::new(housekeeping::Sweep),
        Arc::new(digest::FailureDigest),
        Arc::new(webhooks::delivery::Deliver),
        Arc::new(social::refresh::RefreshJob),
        Arc::new(social::publish::PublishJob),
        Arc::new(social::metrics::MetricsJob),
        Arc::new(stores::competitors::ReadJob),
        Arc::new(stores::runs::PricingJob),
        Arc::new(stores::salla::RefreshJob),
        Arc::new(stores::sync::SyncJob),
    ])
}
