//! Autopilot: one crate, rendered on the server and hydrated in the browser.

pub mod app;
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser build.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
