//! Server functions, one module per area. Each is a thin adapter: get the
//! scope, parse input into domain types, call one service, return a DTO.

pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod content;
pub mod members;
pub mod sites;
pub mod social;
pub mod stores;
pub mod webhooks;
pub mod workspaces;
