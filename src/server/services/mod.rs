//! Business rules and the SQL behind them. Server functions, REST handlers
//! and the scheduler all call these.

pub mod accounts;
pub mod email_links;
pub mod workspaces;
