use crate::app::layouts::PublicHeader;
use crate::app::types::PlanSummary;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn LandingPage() -> impl IntoView {
    let plans = plans_on_offer();
    view! {
        <Title text=""/>
        <PublicHeader/>
        <main>
            <section class="mx-auto max-w-4xl px-4 pb-12 pt-10 text-center sm:px-6 sm:pt-16">
                <h1 class="text-4xl font-bold tracking-tight text-slate-900 sm:text-5xl">
                    "Your WordPress sites, written and published on schedule."
                </h1>
                <p class="mx-auto mt-5 max-w-2xl text-lg text-slate-600">
                    "Connect a site, say what to write and when. Autopilot drafts each post, sends it through review \
                     if you want, publishes it exactly once, and keeps count against your plan."
                </p>
                <div class="mt-8 flex flex-wrap justify-center gap-3">
                    <A href="/signup" attr:class="rounded-lg bg-indigo-600 px-5 py-3 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
                        "Create a free workspace"
                    </A>
                    <A href="/login" attr:class="rounded-lg border border-slate-300 bg-white px-5 py-3 text-sm font-semibold text-slate-800 hover:bg-slate-50">
                        "Log in"
                    </A>
                </div>
            </section>
            <section class="mx-auto max-w-6xl px-4 pb-20 sm:px-6" aria-labelledby="plans-heading">
                <h2 id="plans-heading" class="mb-6 text-center text-2xl font-semibold tracking-tight">"Plans"</h2>
                <div class="grid gap-6 md:grid-cols-3">
                    {plans.into_iter().map(|plan| view! { <PlanCard plan/> }).collect_view()}
                </div>
            </section>
        </main>
    }
}

/// The plans with the limits this deployment enforces, known when the page
/// renders: read from the server's configuration directly, so the page
/// streams in one piece instead of waiting on a resource (this page holds
/// no island; it only ever renders on the server).
fn plans_on_offer() -> Vec<PlanSummary> {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::server::state::AppState>()
            .map(|state| crate::server::services::billing::plans(&state.config))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Vec::new()
    }
}

#[component]
fn PlanCard(plan: PlanSummary) -> impl IntoView {
    let featured = plan.name == "Pro";
    let frame = if featured {
        "relative rounded-2xl border-2 border-indigo-600 bg-white p-6 shadow-md"
    } else {
        "rounded-2xl border border-slate-200 bg-white p-6 shadow-sm"
    };
    let limits = plan.limits;
    view! {
        <article class=frame data-testid=format!("plan-{}", plan.name.to_lowercase())>
            <Show when=move || featured>
                <span class="absolute -top-3 left-6 rounded-full bg-indigo-600 px-3 py-0.5 text-xs font-semibold text-white">"Most popular"</span>
            </Show>
            <h3 class="text-lg font-semibold">{plan.name.clone()}</h3>
            <p class="mt-3">
                <span class="text-4xl font-bold tracking-tight">{plan.price_label()}</span>
                <span class="text-sm text-slate-500">" / month"</span>
            </p>
            <ul class="mt-6 space-y-2 text-sm text-slate-700">
                {limits.described().map(|line| view! { <li>{line}</li> })}
            </ul>
            <A href="/signup" attr:class="mt-6 block rounded-lg bg-slate-900 px-4 py-2 text-center text-sm font-semibold text-white hover:bg-slate-700">
                "Start with Free"
            </A>
        </article>
    }
}
