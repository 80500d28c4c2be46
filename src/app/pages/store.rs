//! One store's pricing rules and mode, and its recent runs. A plain form:
//! a refused rule comes back with the reason above the form.

use super::stores::{LastRun, BUTTON};
use crate::app::api::stores::{pricing_runs, stores_page, SaveStoreSettings};
use crate::app::components::{ErrorPanel, PageHeader, UrlError};
use crate::app::types::{format_percent, PricingMode, RunSummary, StoreSummary};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const FIELD: &str = "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm";

#[component]
pub fn StorePage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let data = Resource::new(
        move || id.clone(),
        |id| async move {
            let page = stores_page().await?;
            let runs = pricing_runs(id.clone(), 10).await?;
            Ok::<_, crate::app::error::AppError>((page.stores.into_iter().find(|s| s.id == id), page.can_manage, runs))
        },
    );
    view! {
        <Title text="Store rules"/>
        <PageHeader title="Pricing rules" subtitle="How far and how fast prices may move, and how much of it happens on its own."/>
        <p class="mb-4 text-sm"><a class="font-medium text-indigo-700 hover:underline" href="/app/stores">"← Stores"</a></p>
        <UrlError/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the store…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((Some(store), can_manage, runs)) => view! { <Settings store can_manage/> <Runs runs/> }.into_any(),
                    Ok((None, _, _)) => view! { <p class="text-sm text-slate-600" data-testid="store-not-found">"No such store in this workspace."</p> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Settings(store: StoreSummary, can_manage: bool) -> impl IntoView {
    let r = store.rules.clone();
    let strategies = [
        ("match_lowest", "Match the lowest competitor"),
        ("beat_amount", "Beat the lowest by an amount"),
        ("beat_percent", "Beat the lowest by a percentage"),
        ("median_band", "Stay within a band around the median"),
    ];
    let risks = [
        ("low", "Low: at most 5% a run"),
        ("medium", "Medium: at most 15% a run"),
        ("high", "High: at most 30% a run"),
    ];
    view! {
        <form method="post" action=SaveStoreSettings::url() class="mb-6 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="store-rules">
            <h2 class="text-base font-semibold">{store.name.clone()}</h2>
            <input type="hidden" name="store_id" value=store.id.clone()/>
            <fieldset class="mt-4 grid gap-2 text-sm" disabled=!can_manage>
                <legend class="font-medium">"Mode"</legend>
                {PricingMode::ALL.into_iter().map(|m| view! {
                    <label class="flex items-center gap-2">
                        <input type="radio" name="mode" value=m.as_str() checked=m == store.mode/>{m.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <fieldset class="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3" disabled=!can_manage>
                <label class="text-sm font-medium">"Minimum margin over cost (%)"
                    <input name="min_margin" inputmode="decimal" class=FIELD value=r.min_margin.clone() required/></label>
                <label class="text-sm font-medium">"Strategy"
                    <select name="strategy" class=FIELD>
                        {strategies.into_iter().map(|(v, l)| view! { <option value=v selected=r.strategy == v>{l}</option> }).collect_view()}
                    </select></label>
                <label class="text-sm font-medium">"By (amount, or % for percentages and bands)"
                    <input name="strategy_value" inputmode="decimal" class=FIELD value=r.strategy_value.clone()/></label>
                <label class="text-sm font-medium">"Largest change per run (%)"
                    <input name="max_change" inputmode="decimal" class=FIELD value=r.max_change.clone() required/></label>
                <label class="text-sm font-medium">"Price ending (cents, e.g. 95 or 99; empty to leave)"
                    <input name="ending" inputmode="numeric" maxlength="2" class=FIELD value=r.ending.clone()/></label>
                <label class="text-sm font-medium">"Risk tolerance"
                    <select name="risk" class=FIELD>
                        {risks.into_iter().map(|(v, l)| view! { <option value=v selected=r.risk == v>{l}</option> }).collect_view()}
                    </select></label>
                <label class="text-sm font-medium">"Run every (hours)"
                    <input name="cadence_hours" type="number" min="1" max="720" class=FIELD value=r.cadence_hours.clone() required/></label>
                <label class="text-sm font-medium">"Competitor prices go stale after (hours)"
                    <input name="stale_after_hours" type="number" min="1" max="720" class=FIELD value=r.stale_after_hours.clone() required/></label>
                <label class="text-sm font-medium">"Most products changed per automatic run"
                    <input name="max_changes_per_run" type="number" min="1" max="100000" class=FIELD value=store.max_changes_per_run.to_string() required/></label>
            </fieldset>
            <p class="mt-4 text-xs text-slate-500">"A price never goes below cost plus the minimum margin, nor below a product's floor price, whatever competitors do."</p>
            {can_manage.then(|| view! { <button type="submit" class=format!("{BUTTON} mt-4") data-testid="save-rules">"Save rules"</button> })}
        </form>
    }
}

#[component]
fn Runs(runs: Vec<RunSummary>) -> impl IntoView {
    let last = runs.first().cloned();
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="store-runs">
            <h2 class="text-base font-semibold">"Recent runs"</h2>
            <LastRun last/>
            {(!runs.is_empty()).then(|| view! {
                <table class="mt-4 w-full text-left text-sm">
                    <thead class="text-xs text-slate-500"><tr>
                        <th class="py-1">"Started"</th><th>"By"</th><th>"Analysed"</th><th>"Proposed"</th><th>"Applied"</th><th>"Skipped"</th><th>"Margin kept"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100">
                        {runs.into_iter().map(|r| view! {
                            <tr>
                                <td class="py-1"><a class="text-indigo-700 hover:underline" href=format!("/app/stores/decisions?run_id={}", r.id)>{r.started.clone()}</a></td>
                                <td>{r.trigger.clone()}</td><td>{r.analysed}</td><td>{r.proposed}</td><td>{r.applied}</td><td>{r.skipped}</td>
                                <td>{r.margin_bp.map(format_percent).unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
