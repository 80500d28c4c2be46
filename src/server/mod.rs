//! Server-only code: start-up, state, configuration, database, auth,
//! services and clients. Never compiled for the browser.

pub mod auth;
pub mod cli;
pub mod clients;
pub mod config;
pub mod db;
pub mod domain;
pub mod drafts;
pub mod error;
pub mod middleware;
pub mod queue;
pub mod request;
pub mod rest;
pub mod scheduler;
pub mod secrets;
pub mod services;
pub mod standins;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod writing;
