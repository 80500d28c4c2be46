//! A fake WordPress site for the Playwright end-to-end tests: the same fake the
//! API tests use, on a fixed address (`FAKE_WP_ADDR`, default 127.0.0.1:3199),
//! until Ctrl-C.
#![allow(dead_code)]

#[path = "../tests/api/fake_wordpress.rs"]
mod fake_wordpress;

use std::net::SocketAddr;

use fake_wordpress::{FakeWordPress, APP_PASSWORD, USERNAME};

#[tokio::main]
async fn main() {
    let addr: SocketAddr = std::env::var("FAKE_WP_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3199".to_owned())
        .parse()
        .expect("FAKE_WP_ADDR must be an IP address and port, such as 127.0.0.1:3199");
    let wp = FakeWordPress::start_on(addr).await;
    println!(
        "fake WordPress listening on {} (user {USERNAME}, application password \"{APP_PASSWORD}\")",
        wp.url
    );
    tokio::signal::ctrl_c().await.expect("cannot listen for Ctrl-C");
}
