//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! { <div class="p-8"><NotFoundBody/></div> }
}

#[component]
fn NotFoundBody() -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <div class="mx-auto max-w-md py-16 text-center">
            <p class="text-sm font-semibold text-indigo-600">"404"</p>
            <h1 class="mt-2 text-2xl font-semibold">"We could not find that page."</h1>
            <A href="/" attr:class="mt-6 inline-block text-sm font-medium text-indigo-600 hover:text-indigo-800">"Go home"</A>
        </div>
    }
}
