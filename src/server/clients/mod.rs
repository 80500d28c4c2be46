//! Clients for the outside world. Each takes its address from configuration
//! so tests can point it at a local stand-in.

pub mod mail;
