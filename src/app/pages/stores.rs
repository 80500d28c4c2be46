//! The Stores page: the stores whose prices the workspace manages, the
//! plan's room for them, their latest run (with its progress while it
//! runs), and the actions on each. Plain forms, no wasm: a page showing
//! work under way reloads itself every two seconds until it is done.

use crate::app::api::stores::{
    pricing_runs, stores_page, ConnectDemoStore, DisconnectStore, PauseStore, ReadCompetitorPrices, RunPricing,
    SyncStore,
};
use crate::app::components::{ConfirmedPost, ErrorPanel, PageHeader, UrlError};
use crate::app::types::{
    format_amount, format_percent as percent, PendingInstall, PricingMode, RunSummary, StoreList, StoreStatus,
    StoreSummary,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

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
    // Work under way (a run, a read, a sync, an install waiting for Salla)
    // keeps the page reloading itself until it is done.
    let running = runs.iter().any(|r| matches!(r.state.as_str(), "queued" | "running"))
        || page.stores.iter().any(|s| s.reading > 0 || syncing(s));
    // An install waits on the merchant: a slower look is enough.
    let waiting = page.install.as_ref().is_some_and(|i| i.error.is_empty());
    let has_demo = page
        .stores
        .iter()
        .any(|s| s.platform == "demo" && s.status != StoreStatus::Disconnected);
    let (can_manage, can_review, full) = (page.can_manage, page.can_review, page.used >= page.limit);
    view! {
        // A plain element where the content streams in: leptos_meta's <Meta/>
        // cannot reach a head that was sent before this part resolved.
        {match (running, waiting) {
            (true, _) => Some(view! { <meta http-equiv="refresh" content="2"/> }.into_any()),
            (false, true) => Some(view! { <meta http-equiv="refresh" content="5"/> }.into_any()),
            _ => None,
        }}
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
                    let (easy, install, app_page) = (page.salla_easy, page.install.clone(), page.salla_app_page.clone());
                    match (can_manage, full) {
                        (false, _) => view! { <p class="mt-3 text-slate-500">"Managers and above connect stores."</p> }.into_any(),
                        (true, true) => view! { <p class="mt-3 text-amber-800">"Your plan's stores are all in use: disconnect one, or upgrade under Billing, to add another."</p> }.into_any(),
                        (true, false) => view! {
                            <form method="post" action="/app/stores/connect/salla" class="mt-3">
                                <button type="submit" class=BUTTON data-testid="connect-salla">"Connect with Salla"</button>
                                <span class="ml-2 text-xs text-slate-500">"Sign in to Salla and approve Autopilot."</span>
                            </form>
                            {easy.then(|| view! { <InstallFromSalla install app_page/> })}
                        }.into_any(),
                    }
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

/// A catalogue sync under way (or waiting out Salla's rate limit).
fn syncing(store: &StoreSummary) -> bool {
    matches!(store.sync_state.as_str(), "running" | "waiting")
}

/// The easy mode: the merchant installs Autopilot from Salla's app store
/// and types this workspace's code into the app's settings there.
#[component]
fn InstallFromSalla(install: Option<PendingInstall>, app_page: String) -> impl IntoView {
    let store_link = if app_page.is_empty() {
        view! { <span class="font-medium">"Salla's app store"</span> }.into_any()
    } else {
        view! { <a class="font-medium text-indigo-700 underline" href=app_page.clone() target="_blank" rel="noopener">"Autopilot's page in Salla's app store"</a> }.into_any()
    };
    match install {
        None => view! {
            <form method="post" action="/app/stores/install/salla" class="mt-3 border-t border-slate-100 pt-3">
                <button type="submit" class=QUIET data-testid="install-salla">"Install from Salla's app store"</button>
                <span class="ml-2 text-xs text-slate-500">"You get a code to enter in the app's settings in Salla."</span>
            </form>
        }.into_any(),
        Some(install) => view! {
            <div class="mt-3 rounded-lg border border-indigo-200 bg-indigo-50 p-3" data-testid="salla-install" role="status">
                <p>"Your install code: "<strong class="font-mono text-base tracking-wider" data-testid="install-code">{install.code.clone()}</strong></p>
                <ol class="mt-2 list-decimal pl-5 text-slate-700">
                    <li>"Install Autopilot from "{store_link}"."</li>
                    <li>"In the app's settings in Salla, enter the code above and save."</li>
                </ol>
                {if install.error.is_empty() {
                    view! {
                        <p class="mt-2 text-slate-600">
                            <span class="mr-2 inline-block h-3 w-3 animate-spin rounded-full border-2 border-indigo-200 border-t-indigo-600 align-middle"></span>
                            "Waiting for Salla… this page connects the store as soon as Salla tells us. The code works for an hour."
                        </p>
                    }.into_any()
                } else {
                    view! { <p class="mt-2 text-amber-800" role="alert" data-testid="install-error">{format!("Salla installed the store, but it was not connected: {}", install.error)}</p> }.into_any()
                }}
            </div>
        }.into_any(),
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
            <SyncLine store=store.clone()/>
            <LastRun last/>
            <div class="mt-4 flex flex-wrap items-center gap-2">
                {(connected && can_review).then(|| view! {
                    <form method="post" action=RunPricing::url()>
                        <input type="hidden" name="store_id" value=id.clone()/>
                        <button type="submit" class=BUTTON data-testid="run-pricing">"Run now"</button>
                    </form>
                    {(store.platform == "salla").then(|| view! {
                        <form method="post" action=SyncStore::url()>
                            <input type="hidden" name="store_id" value=id.clone()/>
                            <button type="submit" class=QUIET data-testid="sync-store">"Sync catalogue"</button>
                        </form>
                    })}
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
                {(can_manage && store.platform == "salla" && store.status == StoreStatus::Reconnect).then(|| view! {
                    <form method="post" action="/app/stores/connect/salla">
                        <button type="submit" class=BUTTON data-testid="reconnect-salla">"Connect again"</button>
                    </form>
                })}
                {(can_manage && store.status != StoreStatus::Disconnected).then(|| view! {
                    <ConfirmedPost action=DisconnectStore::url().to_string() fields=vec![("store_id", id.clone())] label="Disconnect"
                        question="Automation stops; its products and decisions stay." confirm="Yes, disconnect" testid="disconnect-store"/>
                })}
            </div>
        </section>
    }
}

/// A Salla store's catalogue sync: its progress while it runs, and why the
/// last one failed.
#[component]
fn SyncLine(store: StoreSummary) -> impl IntoView {
    if store.platform != "salla" {
        return ().into_any();
    }
    match store.sync_state.as_str() {
        "waiting" => view! {
            <p class="mt-3 text-sm text-slate-700" role="status" data-testid="sync-progress">
                <span class="mr-2 inline-block h-3 w-3 animate-spin rounded-full border-2 border-indigo-200 border-t-indigo-600 align-middle"></span>
                {format!("The catalogue sync waits ({}); it is tried again shortly.", store.sync_progress.trim_end_matches('.'))}
            </p>
        }.into_any(),
        "running" => view! {
            <p class="mt-3 text-sm text-slate-700" role="status" data-testid="sync-progress">
                <span class="mr-2 inline-block h-3 w-3 animate-spin rounded-full border-2 border-indigo-200 border-t-indigo-600 align-middle"></span>
                {format!("Syncing the catalogue: {}", if store.sync_progress.is_empty() { "starting…" } else { store.sync_progress.as_str() })}
            </p>
        }.into_any(),
        "failed" => view! {
            <p class="mt-3 text-sm text-amber-800" role="alert" data-testid="sync-error">{format!("The last catalogue sync failed: {}.", store.sync_error.trim_end_matches('.'))}</p>
        }.into_any(),
        "never" => view! { <p class="mt-3 text-sm text-slate-500">"The catalogue has not been read yet."</p> }.into_any(),
        _ => ().into_any(),
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
