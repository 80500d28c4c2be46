//! Webhooks: signed calls from other services, not from browsers (the
//! origin check exempts `/webhooks/`).

pub mod salla;
pub mod stripe;
