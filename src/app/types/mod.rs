//! Types shared by the browser and the server: DTOs, roles, plans.

mod automation;
mod billing;
mod dto;
mod plan;
mod role;

pub use automation::*;
pub use billing::*;
pub use dto::*;
pub use plan::{grouped, Plan, PlanLimits, PlanSummary};
pub use role::{Permission, Role};
