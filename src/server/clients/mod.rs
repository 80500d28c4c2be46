//! Adapters to the outside world, HTTP and SMTP only: no business rule and
//! no SQL. Each takes its address from configuration so tests can point it
//! at a local stand-in.

pub mod llm;
pub mod mail;
pub mod meta;
pub mod outbound;
pub mod salla;
pub mod stripe;
pub mod tiktok;
pub mod wordpress;
