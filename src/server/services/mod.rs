//! Business rules and the SQL behind them. Server functions, REST handlers
//! and the scheduler all call these.

pub mod accounts;
pub mod billing;
pub mod calendar;
pub mod content;
pub mod email_links;
pub mod jobs;
pub mod quota;
pub mod review;
pub mod sites;
pub mod workspaces;
