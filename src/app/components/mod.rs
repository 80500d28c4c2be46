//! Small building blocks shared by the pages.

mod form;
mod panels;

pub use form::*;
pub use panels::*;

/// Marks the document as hydrated (`<body data-hydrated="true">`). Only
/// the browser build does anything.
pub fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
