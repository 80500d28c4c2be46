//! Small building blocks shared by the pages.

mod chart;
mod form;
mod panels;
mod post_form;

pub use chart::BarChart;
pub use form::*;
pub use panels::*;
pub use post_form::{Fields, PostForm};

use leptos::prelude::*;

/// Marks the document as hydrated (`<body data-hydrated="true">`) once the
/// browser has run the wasm; end-to-end tests wait for it.
#[island]
pub fn HydrationMarker() -> impl IntoView {
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
