//! Clients for the outside world. Each takes its address from configuration
//! so tests can point it at a local stand-in.

pub mod generator;
pub mod llm;
pub mod mail;
pub mod outbound;
pub mod sanitize;
pub mod stripe;
pub mod wordpress;
