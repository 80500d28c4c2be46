//! Integration tests: the real app on port 0, real HTTP, a fresh database per
//! test, every test on SQLite and on PostgreSQL.

mod abuse;
mod accounts;
mod admin;
mod admin_figures;
mod analytics;
mod api_keys;
mod automation;
mod billing;
mod billing_events;
mod billing_order;
#[allow(dead_code)]
mod fake_model;
#[allow(dead_code)]
mod fake_stripe;
#[allow(dead_code)]
mod fake_wordpress;
mod helpers;
mod huge_replies;
mod leases;
mod llm;
mod logs;
mod mail;
mod malformed;
mod members;
mod openapi;
mod operations;
mod publishing;
mod rendering;
mod rest;
mod runner;
mod salla;
mod security;
mod sessions;
mod social;
mod social_media;
mod social_metrics;
mod social_oauth;
mod social_posts;
mod social_publish;
mod stores;
mod stores_salla;
mod webhooks;
mod workers;
mod workspaces;
