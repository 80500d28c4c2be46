//! The pricing decisions' audit trail: every product's decision in every
//! run, with its inputs, the rule applied and what became of it; review of
//! the proposals (approve as proposed or edited, reject, all at once) and
//! revert of applied ones; CSV export with the same filters. Plain forms.

use super::stores::{money, BUTTON, QUIET};
use crate::app::api::stores::{price_decisions, stores_page, ApproveDecisions, RejectDecisions, RevertDecision};
use crate::app::components::{ErrorPanel, PageHeader, Pager, UrlError};
use crate::app::types::{DecisionFilter, DecisionOutcome, DecisionPage, DecisionSummary, StoreSummary};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DecisionsPage() -> impl IntoView {
    let q = use_query_map().read_untracked();
    let filter = DecisionFilter {
        store_id: q.get("store_id").unwrap_or_default(),
        outcome: q.get("outcome").unwrap_or_default(),
        run_id: q.get("run_id").unwrap_or_default(),
        product_id: q.get("product_id").unwrap_or_default(),
        page: q.get("page").and_then(|p| p.parse().ok()),
    };
    let f = filter.clone();
    let data = Resource::new(
        move || f.clone(),
        |f| async move { Ok::<_, crate::app::error::AppError>((price_decisions(f).await?, stores_page().await?.stores)) },
    );
    view! {
        <Title text="Pricing decisions"/>
        <PageHeader title="Pricing decisions" subtitle="Every decision of every run, with what it rested on. Nothing here can be edited; what happens to a decision is added to it."/>
        <UrlError/>
        <Suspense fallback=|| view! { <div class="h-64 animate-pulse rounded-2xl bg-slate-200/70"></div> }>
            {move || {
                let filter = filter.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok((page, stores)) => view! { <Filter filter=filter.clone() stores/> <Trail page filter/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn query(filter: &DecisionFilter, page: Option<i64>) -> String {
    let mut q = format!(
        "store_id={}&outcome={}&run_id={}&product_id={}",
        filter.store_id, filter.outcome, filter.run_id, filter.product_id
    );
    if let Some(page) = page {
        q.push_str(&format!("&page={page}"));
    }
    q
}

#[component]
fn Filter(filter: DecisionFilter, stores: Vec<StoreSummary>) -> impl IntoView {
    let csv = format!("/app/stores/decisions.csv?{}", query(&filter, None));
    view! {
        <form method="get" action="/app/stores/decisions" class="mb-4 flex flex-wrap items-end gap-2" data-testid="decision-filter">
            <input type="hidden" name="run_id" value=filter.run_id.clone()/>
            <input type="hidden" name="product_id" value=filter.product_id.clone()/>
            <label class="text-sm text-slate-600">"Store"
                <select name="store_id" class="mt-1 block rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
                    <option value="" selected=filter.store_id.is_empty()>"All stores"</option>
                    {stores.into_iter().map(|s| view! { <option value=s.id.clone() selected=s.id == filter.store_id>{s.name}</option> }).collect_view()}
                </select></label>
            <label class="text-sm text-slate-600">"Outcome"
                <select name="outcome" class="mt-1 block rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
                    <option value="" selected=filter.outcome.is_empty()>"Any"</option>
                    {DecisionOutcome::ALL.into_iter().map(|o| view! { <option value=o.as_str() selected=filter.outcome == o.as_str()>{o.as_str()}</option> }).collect_view()}
                </select></label>
            <button class=QUIET>"Filter"</button>
            <a class=QUIET href=csv data-testid="decisions-csv" download>"Export CSV"</a>
        </form>
    }
}

#[component]
fn Trail(page: DecisionPage, filter: DecisionFilter) -> impl IntoView {
    if page.decisions.is_empty() {
        return view! { <p class="rounded-2xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="no-decisions">"No decision matches. Runs add theirs here."</p> }.into_any();
    }
    let waiting: Vec<String> = page
        .decisions
        .iter()
        .filter(|d| d.outcome == DecisionOutcome::Proposed)
        .map(|d| d.id.clone())
        .collect();
    let can_review = page.can_review;
    let label = format!("Page {} of {} · {} decisions", page.page, page.pages, page.total);
    view! {
        {(can_review && waiting.len() > 1).then(|| view! {
            <div class="mb-3 flex flex-wrap items-center gap-2 text-sm" data-testid="bulk-review">
                <span class="text-slate-600">{format!("{} proposals on this page:", waiting.len())}</span>
                <form method="post" action=ApproveDecisions::url()>
                    <input type="hidden" name="decision_ids" value=waiting.join(",")/><input type="hidden" name="price" value=""/>
                    <button type="submit" class=BUTTON data-testid="approve-all">"Approve all"</button>
                </form>
                <form method="post" action=RejectDecisions::url()>
                    <input type="hidden" name="decision_ids" value=waiting.join(",")/>
                    <button type="submit" class=QUIET>"Reject all"</button>
                </form>
            </div>
        })}
        <ul class="space-y-3" data-testid="decisions">
            {page.decisions.into_iter().map(|d| view! { <Decision d can_review/> }).collect_view()}
        </ul>
        <Pager page=page.page pages=page.pages href=move |n| format!("/app/stores/decisions?{}", query(&filter, Some(n))) label/>
    }
    .into_any()
}

#[component]
fn Decision(d: DecisionSummary, can_review: bool) -> impl IntoView {
    let cur = d.currency.clone();
    let (badge, tone) = match d.outcome {
        DecisionOutcome::Proposed => ("Waiting for review", "bg-indigo-100 text-indigo-800"),
        DecisionOutcome::Applied => ("Applied", "bg-emerald-100 text-emerald-800"),
        DecisionOutcome::Skipped => ("Skipped", "bg-slate-100 text-slate-700"),
        DecisionOutcome::Rejected => ("Rejected", "bg-slate-100 text-slate-700"),
        DecisionOutcome::Failed => ("Failed", "bg-red-100 text-red-800"),
        DecisionOutcome::Reverted => ("Reverted", "bg-amber-100 text-amber-900"),
    };
    let seen = if d.competitors.is_empty() {
        "no competitor prices".to_string()
    } else {
        d.competitors
            .iter()
            .map(|c| format!("{} ({} h old)", money(c.price, &cur), c.age / 3_600))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let change = match (d.proposed_price, d.applied_price) {
        (_, Some(applied)) => format!("{} → {}", money(d.price_before, &cur), money(applied, &cur)),
        (Some(proposed), None) => format!("{} → {} proposed", money(d.price_before, &cur), money(proposed, &cur)),
        (None, None) => format!("{} stays", money(d.price_before, &cur)),
    };
    let id = d.id.clone();
    view! {
        <li class="rounded-2xl border border-slate-200 bg-white p-4 text-sm shadow-sm" data-testid="decision" data-outcome=d.outcome.as_str()>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0">
                    <p><a class="font-medium text-indigo-700 hover:underline" href=format!("/app/stores/products/{}", d.product_id)>{d.product.clone()}</a>
                        " "<span class=format!("ml-1 rounded-full px-2 py-0.5 text-xs font-medium {tone}")>{badge}</span></p>
                    <p class="mt-1 font-medium" data-testid="decision-change">{change}</p>
                    <p class="text-xs text-slate-600">{format!("Rule: {}. Floor {}.", d.rule, money(d.floor_price, &cur))}
                        {d.cost.map(|c| format!(" Cost {}.", money(c, &cur)))}</p>
                    <p class="text-xs text-slate-500">{format!("Competitors: {seen}. Decided {}.", d.at)}</p>
                    {(!d.reason.is_empty()).then(|| view! { <p class="text-xs text-amber-800" data-testid="decision-reason">{d.reason.clone()}</p> })}
                </div>
                {(can_review && d.outcome == DecisionOutcome::Proposed).then(|| view! {
                    <div class="flex flex-wrap items-end gap-2">
                        <form method="post" action=ApproveDecisions::url() class="flex items-end gap-1">
                            <input type="hidden" name="decision_ids" value=id.clone()/>
                            <label class="text-xs text-slate-600">"Price"<input name="price" inputmode="decimal" placeholder=d.proposed_price.map(crate::app::types::format_amount).unwrap_or_default()
                                class="mt-1 block w-24 rounded-lg border border-slate-300 px-2 py-1 text-sm"/></label>
                            <button type="submit" class=BUTTON data-testid="approve-decision">"Approve"</button>
                        </form>
                        <form method="post" action=RejectDecisions::url()>
                            <input type="hidden" name="decision_ids" value=id.clone()/>
                            <button type="submit" class=QUIET>"Reject"</button>
                        </form>
                    </div>
                })}
                {(can_review && d.outcome == DecisionOutcome::Applied).then(|| view! {
                    <form method="post" action=RevertDecision::url()>
                        <input type="hidden" name="decision_id" value=id.clone()/>
                        <button type="submit" class=QUIET data-testid="revert-decision">{format!("Revert to {}", money(d.price_before, &cur))}</button>
                    </form>
                })}
            </div>
        </li>
    }
}
