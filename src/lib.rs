//! Autopilot: one crate, rendered on the server; interactive islands are
//! hydrated in the browser.

// Leptos views are nested types; the signed-in shell outgrows the default 128.
#![recursion_limit = "256"]

pub mod app;
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser build: hydrates every `#[island]` on the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // No panic hook: it would ship the panic formatting machinery (and a
    // console binding) to every visitor for the sake of a developer's console.
    // Without a client-side router, a server function's redirect is a page load.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(to);
        }
    });
    leptos::mount::hydrate_islands();
}
