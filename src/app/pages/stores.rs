//! The Stores page: the stores whose prices the workspace manages, the
//! plan's room for them, their latest run (with its progress while it
//! runs), and the actions on each. Plain forms, no wasm: a page showing a
//! run under way reloads itself every two seconds until it is done.

use crate::app::api::stores::{
    pricing_runs, stores_page, ConnectDemoStore, DisconnectStore, PauseStore, ReadCompetitorPrices, RunPricing,
};
use crate::app::components::{ConfirmedPost, ErrorPanel, PageHeader, UrlError};
use crate::app::types::{
    format_amount, format_percent as percent, PricingMode, RunSummary, StoreList, StoreStatus, StoreSummary,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{Meta, Title};

pub const BUTTON: &str =
    "rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500";
pub const QUIET: &str = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50";

#[component]
pub fn StoresPage() -> impl IntoView {
    let data = Resource::new(
        || (),
        |_| async move {
            Ok::<_, crate::app::error::AppError>((stores_page().await?, pricing_runs(String::new(), 20).await?))
        },
    );
    view! {
        <Title text="Stores"/>
        <PageHeader title="Stores" subtitle="Stores whose prices follow your competitors within your rules, with every decision kept."/>
        <UrlError/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading stores…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((page, runs)) => view! { <Stores page runs/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Stores(page: StoreList, runs: Vec<RunSummary>) -> impl IntoView {
    let room = format!(
        "{} of {} store{} in use.",
        page.used,
        page.limit,
        if page.limit == 1 { "" } else { "s" }
    );
    let running = runs.iter().any(|r| matches!(r.state.as_str(), "queued" | "running"))
        || page.stores.iter().any(|s| s.reading > 0);
    let has_demo = page
        .stores
        .iter()
        .any(|s| s.platform == "demo" && s.status != StoreStatus::Disconnected);
    let (can_manage, can_review, full) = (page.can_manage, page.can_review, page.used >= page.limit);
    view! {
        {running.then(|| view! { <Meta http_equiv="refresh" content="2"/> })}
        <p class="mb-4 text-sm text-slate-600" data-testid="store-room">{room}</p>
        {if page.stores.is_empty() {
            view! { <p class="mb-4 rounded-2xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">"No store yet. Connect one below, or try the demo store first."</p> }.into_any()
        } else {
            view! {
                <div class="mb-6 grid gap-4 lg:grid-cols-2">
                    {page.stores.into_iter().map(|store| {
                        let last = runs.iter().find(|r| r.store_id == store.id).cloned();
                        view! { <StoreCard store last can_manage can_review/> }
                    }).collect_view()}
                </div>
            }.into_any()
        }}
        <div class="grid gap-4 md:grid-cols-2">
            <section class="rounded-2xl border border-slate-200 bg-white p-5 text-sm shadow-sm">
                <h2 class="text-base font-semibold">"Salla"</h2>
                <p class="mt-2 text-slate-700">"Your Salla store's products and prices, read and changed through Salla's API."</p>
                {if page.salla_ready {
                    view! { <p class="mt-3 text-slate-600">"Salla is set up on this server; connecting a store arrives in the next release."</p> }.into_any()
                } else {
                    view! {
                        <p class="mt-3 text-slate-600">"Not set up on this server. The operator sets "<code class="text-xs">"SALLA_CLIENT_ID"</code>" and "
                            <code class="text-xs">"SALLA_CLIENT_SECRET"</code>" (and "<code class="text-xs">"SALLA_WEBHOOK_SECRET"</code>" for the app store's easy mode) from a Salla Partners app."</p>
                    }.into_any()
                }}
            </section>
            <section class="rounded-2xl border border-dashed border-indigo-300 bg-indigo-50/40 p-5 text-sm" data-testid="demo-store-card">
                <h2 class="text-base font-semibold">"Demo store"</h2>
                <p class="mt-2 text-slate-700">"A store inside Autopilot with a dozen invented products and two invented competitors each. Pricing runs, reviews and reverts work as with a real store; nothing leaves this server."</p>
                {match (can_manage, has_demo) {
                    (_, true) => view! { <p class="mt-3 text-slate-500">"Connected above."</p> }.into_any(),
                    (true, false) if full => view! { <p class="mt-3 text-amber-800">"Your plan's stores are all in use: disconnect one, or upgrade under Billing, to try it."</p> }.into_any(),
                    (true, false) => view! {
                        <form method="post" action=ConnectDemoStore::url() class="mt-3">
                            <button type="submit" class=BUTTON data-testid="connect-demo-store">"Connect the demo store"</button>
                        </form>
                    }.into_any(),
                    (false, false) => view! { <p class="mt-3 text-slate-500">"Managers and above connect stores."</p> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn StoreCard(store: StoreSummary, last: Option<RunSummary>, can_manage: bool, can_review: bool) -> impl IntoView {
    let (badge, tone) = match store.status {
        StoreStatus::Connected => ("Connected", "bg-emerald-50 text-emerald-700"),
        StoreStatus::Reconnect => ("Reconnect", "bg-amber-50 text-amber-800"),
        StoreStatus::Uninstalled => ("Uninstalled", "bg-amber-50 text-amber-800"),
        StoreStatus::Disconnected => ("Disconnected", "bg-slate-100 text-slate-600"),
    };
    let connected = store.status == StoreStatus::Connected;
    let mode = match store.mode {
        PricingMode::Manual => "Manual",
        PricingMode::Semi => "Semi-automatic",
        PricingMode::Auto => "Automatic",
    };
    let detail = format!(
        "{} products · {} · every {} h{}",
        store.products,
        mode,
        store.cadence_hours,
        if store.paused { " · paused" } else { "" }
    );
    let id = store.id.clone();
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" data-testid="store" data-store=store.id.clone()>
            <div class="flex items-start justify-between gap-3">
                <div class="min-w-0">
                    <h2 class="text-base font-semibold">
                        <a class="hover:underline" href=format!("/app/stores/{}", store.id)>{store.name.clone()}</a>" "
                        <span class=format!("ml-1 rounded px-1.5 py-0.5 text-xs font-medium {tone}")>{badge}</span>
                    </h2>
                    <p class="text-xs text-slate-500">{store.domain.clone()}{(!store.synced.is_empty()).then(|| format!(" · {}", store.synced))}</p>
                    <p class="mt-1 text-sm text-slate-700" data-testid="store-detail">{detail}</p>
                    {(!store.status_reason.is_empty()).then(|| view! { <p class="text-xs text-amber-700">{store.status_reason.clone()}</p> })}
                    {(store.waiting > 0).then(|| view! {
                        <p class="mt-1 text-sm"><a class="font-medium text-indigo-700 hover:underline" data-testid="waiting-proposals"
                            href=format!("/app/stores/decisions?store_id={}&outcome=proposed", store.id)>{format!("{} proposal{} wait for review", store.waiting, if store.waiting == 1 { "" } else { "s" })}</a></p>
                    })}
                </div>
            </div>
            {(store.reading > 0).then(|| view! {
                <p class="mt-3 text-sm text-slate-700" role="status" data-testid="reading-prices">
                    <span class="mr-2 inline-block h-3 w-3 animate-spin rounded-full border-2 border-indigo-200 border-t-indigo-600 align-middle"></span>
                    {format!("Reading competitor prices: {} page{} left…", store.reading, if store.reading == 1 { "" } else { "s" })}
                </p>
            })}
            <LastRun last/>
            <div class="mt-4 flex flex-wrap items-center gap-2">
                {(connected && can_review).then(|| view! {
                    <form method="post" action=RunPricing::url()>
                        <input type="hidden" name="store_id" value=id.clone()/>
                        <button type="submit" class=BUTTON data-testid="run-pricing">"Run now"</button>
                    </form>
                    <form method="post" action=ReadCompetitorPrices::url()>
                        <input type="hidden" name="store_id" value=id.clone()/>
                        <button type="submit" class=QUIET>"Read competitor prices"</button>
                    </form>
                    <form method="post" action=PauseStore::url()>
                        <input type="hidden" name="store_id" value=id.clone()/>
                        <input type="hidden" name="paused" value=if store.paused { "off" } else { "on" }/>
                        <button type="submit" class=QUIET data-testid="pause-store">{if store.paused { "Resume automation" } else { "Pause automation" }}</button>
                    </form>
                })}
                <a class=QUIET href=format!("/app/stores/{}/products", store.id)>"Products"</a>
                <a class=QUIET href=format!("/app/stores/decisions?store_id={}", store.id)>"Decisions"</a>
                <a class=QUIET href=format!("/app/stores/{}", store.id)>"Rules"</a>
                {(can_manage && store.status != StoreStatus::Disconnected).then(|| view! {
                    <ConfirmedPost action=DisconnectStore::url().to_string() fields=vec![("store_id", id.clone())] label="Disconnect"
                        question="Automation stops; its products and decisions stay." confirm="Yes, disconnect" testid="disconnect-store"/>
                })}
            </div>
        </section>
    }
}

/// The latest run: its progress while it runs, its figures once done.
#[component]
pub fn LastRun(last: Option<RunSummary>) -> impl IntoView {
    let Some(run) = last else {
        return view! { <p class="mt-3 text-sm text-slate-500">"No pricing run yet."</p> }.into_any();
    };
    let text =
        match run.state.as_str() {
            "queued" => "A run is about to start…".to_string(),
            "running" => format!("Running: {} products decided so far…", run.analysed),
            "failed" => format!(
                "The run of {} stopped: {}. Press Run now to try again.",
                run.started,
                if run.error.is_empty() {
                    "it could not finish"
                } else {
                    &run.error
                }
            ),
            _ => {
                format!(
            "Last run {}: {} analysed, {} proposed, {} applied, {} skipped, {} failed; {} competitor prices{}{}.",
            run.started,
            run.analysed,
            run.proposed,
            run.applied,
            run.skipped,
            run.failed,
            run.competitors,
            run.margin_bp.map(|m| format!("; margin kept {}", percent(m))).unwrap_or_default(),
            run.duration_ms.map(|ms| format!("; took {:.1} s", ms as f64 / 1000.0)).unwrap_or_default(),
        )
            }
        };
    view! {
        <p class="mt-3 text-sm text-slate-700" role="status" data-testid="last-run" data-state=run.state.clone()>
            {matches!(run.state.as_str(), "queued" | "running").then(|| view! {
                <span class="mr-2 inline-block h-3 w-3 animate-spin rounded-full border-2 border-indigo-200 border-t-indigo-600 align-middle"></span>
            })}
            {text}
        </p>
    }
    .into_any()
}

/// Minor units as an amount with its currency: 9550 → "95.50 SAR".
pub fn money(minor: i64, currency: &str) -> String {
    format!("{} {currency}", format_amount(minor))
}
