//! `autopilot`: serve (default), migrate, admin. See `server::cli`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    autopilot::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
