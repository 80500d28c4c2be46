//! Small building blocks shared by the pages.

mod chart;
mod form;
mod line_chart;
mod panels;
mod post_form;

pub use chart::BarChart;
pub use form::*;
pub use line_chart::PriceChart;
pub use panels::*;
pub use post_form::{Fields, PostForm};

use leptos::prelude::*;

/// Marks the document as hydrated (`<body data-hydrated="true">`) once the
/// browser has run the wasm and every lazy island on the page (those whose
/// code is a chunk of its own, loaded when the page has one) has hydrated
/// too; end-to-end tests wait for it.
#[island]
pub fn HydrationMarker() -> impl IntoView {
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        mark_when_lazy_islands_are_ready(0);
    });
}

/// Checks every 50 ms (for ten seconds at most) that no lazy island is
/// still waiting for its chunk, then marks the body ("timeout" if one is).
#[cfg(feature = "hydrate")]
fn mark_when_lazy_islands_are_ready(tries: u32) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let waiting = document
        .query_selector("[data-lazy]:not([data-ready])")
        .ok()
        .flatten()
        .is_some();
    if waiting && tries < 200 {
        set_timeout(
            move || mark_when_lazy_islands_are_ready(tries + 1),
            std::time::Duration::from_millis(50),
        );
        return;
    }
    // A chunk that never came (or an island that failed) says so, and tests
    // waiting for "true" fail on it instead of clicking dead buttons.
    let mark = if waiting {
        leptos::logging::error!("a lazy island did not hydrate within ten seconds");
        "timeout"
    } else {
        "true"
    };
    if let Some(body) = document.body() {
        let _ = body.set_attribute("data-hydrated", mark);
    }
}

/// For a lazy island's root element (`data-lazy="" data-ready=…`): the
/// attribute appears once the island has hydrated.
pub fn ready_flag() -> ReadSignal<Option<&'static str>> {
    let (ready, set_ready) = signal(None);
    Effect::new(move |_| set_ready.set(Some("true")));
    ready
}
