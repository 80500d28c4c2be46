//! Billing: the plan and its status, usage against each limit, plan
//! changes, the Stripe Billing Portal and invoices. Owners and admins
//! change things; managers read; others are refused by the server.

use crate::app::api::billing::{checkout_outcome, get_billing, ChoosePlan, OpenPortal};
use crate::app::components::{action_error, ErrorPanel, FormError, LoadingCards, PageHeader, Pager, UsageCard};
use crate::app::types::{BillingOverview, InvoicePage, Plan, PlanChange, PlanSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map();
    let read = |key: &str| query.read_untracked().get(key).unwrap_or_default();
    let page = read("page").parse().unwrap_or(1i64).max(1);
    let checkout = read("checkout");
    let overview = Resource::new(move || page, get_billing);
    view! {
        <Title text="Billing"/>
        <PageHeader title="Billing" subtitle="Your plan, what it allows, and what you have paid."/>
        {(!checkout.is_empty()).then(|| view! { <CheckoutNotice session_id=checkout.clone()/> })}
        <Suspense fallback=LoadingCards>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! { <Overview o/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What became of the Checkout Stripe sent the user back from.
#[component]
fn CheckoutNotice(session_id: String) -> impl IntoView {
    if session_id == "cancelled" {
        return view! {
            <p class="mb-6 rounded-xl border border-slate-200 bg-white p-4 text-sm text-slate-700" data-testid="checkout-result">
                "Checkout was cancelled. Nothing was charged."
            </p>
        }
        .into_any();
    }
    let result = Resource::new(move || session_id.clone(), checkout_outcome);
    view! {
        <Suspense fallback=|| view! { <p class="mb-6 text-sm text-slate-500">"Checking the payment with Stripe…"</p> }>
            {move || Suspend::new(async move {
                let (class, text) = match result.await {
                    Ok(r) if r.complete => ("border-emerald-200 bg-emerald-50 text-emerald-900", r.message),
                    Ok(r) => ("border-amber-200 bg-amber-50 text-amber-900", r.message),
                    Err(_) => ("border-red-200 bg-red-50 text-red-800", "We could not find that checkout.".to_string()),
                };
                view! { <p class=format!("mb-6 rounded-xl border p-4 text-sm {class}") data-testid="checkout-result">{text}</p> }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Overview(o: BillingOverview) -> impl IntoView {
    let plan_name = o.plan.name();
    let limited = (o.effective_plan != o.plan).then_some("Free plan limits apply until the overdue invoice is paid.");
    view! {
        {o.test_mode.then(|| view! {
            <p class="mb-4 rounded-xl border border-sky-200 bg-sky-50 p-4 text-sm text-sky-900" data-testid="test-mode">
                "Test mode: no Stripe account is configured, so plan changes apply at once and nothing is charged."
            </p>
        })}
        {o.unavailable.then(|| view! {
            <p class="mb-4 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900" data-testid="billing-unavailable">
                "Billing is not set up on this server, so the plan cannot be changed here. Ask the server's operator."
            </p>
        })}
        <section class="mb-6 flex flex-wrap items-center justify-between gap-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <div>
                <p class="text-sm font-medium text-slate-500">"Current plan"</p>
                <p class="mt-1 text-2xl font-semibold" data-testid="current-plan">{plan_name}</p>
                <p class="mt-1 text-sm text-slate-600" data-testid="plan-status">{o.status.clone()}</p>
                {o.period_note.clone().map(|note| view! { <p class="mt-1 text-sm text-slate-600" data-testid="period-note">{note}</p> })}
                {limited.map(|text| view! { <p class="mt-1 text-sm font-medium text-red-700">{text}</p> })}
            </div>
            {(o.can_manage && o.has_customer).then(|| view! { <PortalButton/> })}
        </section>
        <div class="mb-8 grid gap-4 sm:grid-cols-3">
            {o.usage.iter().map(|u| view! { <UsageCard label=u.label.clone() used=u.used limit=u.limit/> }).collect_view()}
        </div>
        <h2 class="mb-3 text-base font-semibold">"Plans"</h2>
        <PlanPicker plans=o.plans.clone() current=o.plan can_manage=o.can_manage && !o.unavailable/>
        <h2 class="mt-8 mb-3 text-base font-semibold">"Invoices"</h2>
        <Invoices invoices=o.invoices.clone()/>
    }
}

/// One card per plan; choosing one applies it (test mode, or a change to a
/// running subscription) or continues to Stripe Checkout.
#[island]
fn PlanPicker(plans: Vec<PlanSummary>, current: Plan, can_manage: bool) -> impl IntoView {
    let choose = ServerAction::<ChoosePlan>::new();
    Effect::new(move |_| {
        let Some(Ok(change)) = choose.value().get() else { return };
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = match change {
                PlanChange::Checkout { url } => window.location().assign(&url),
                PlanChange::Applied { .. } => window.location().reload(),
            };
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = change;
    });
    // A move to a lower plan is asked about first: its limits may pause automation.
    let confirming = RwSignal::new(None::<(String, String, String)>);
    view! {
        <div class="grid gap-4 sm:grid-cols-3" data-testid="plans">
            {plans.into_iter().map(|p| {
                let is_current = p.plan == current;
                let label = if is_current { "Current plan".to_string() } else if p.plan > current { format!("Upgrade to {}", p.name) } else { format!("Switch to {}", p.name) };
                let lower = p.plan < current;
                let plan = p.plan.as_str().to_string();
                let [posts, sites, members, social, stores] = p.limits.described();
                let limits = format!("{posts}, {sites}, {members}, {social}, {stores}");
                let name = p.name.clone();
                view! {
                    <div class=if is_current { "rounded-2xl border-2 border-indigo-500 bg-white p-5 shadow-sm" } else { "rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" } data-testid="plan-card">
                        <p class="text-sm font-semibold">{p.name.clone()}</p>
                        <p class="mt-1 text-2xl font-semibold">{p.price_label()}<span class="text-sm font-normal text-slate-500">" / month"</span></p>
                        <ul class="mt-3 space-y-1 text-sm text-slate-600">
                            <li>{posts}</li>
                            <li>{sites}</li>
                            <li>{members}</li>
                            <li>{social}</li>
                            <li>{stores}</li>
                        </ul>
                        <button class="mt-4 w-full rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:bg-slate-200 disabled:text-slate-500"
                            disabled=move || is_current || !can_manage || choose.pending().get()
                            on:click=move |_| {
                                if lower {
                                    confirming.set(Some((plan.clone(), name.clone(), limits.clone())));
                                } else {
                                    choose.dispatch(ChoosePlan { plan: plan.clone() });
                                }
                            }>
                            {label}
                        </button>
                    </div>
                }
            }).collect_view()}
        </div>
        {move || confirming.get().map(|(plan, name, limits)| view! {
            <div role="alertdialog" aria-label="Confirm the plan change" data-testid="confirm-downgrade" class="mt-4 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
                <p>{format!("Switch to {name}? The workspace will then have {limits}; automation beyond those limits pauses.")}</p>
                <div class="mt-3 flex gap-3">
                    <button type="button" class="rounded-lg bg-amber-600 px-3 py-2 font-semibold text-white hover:bg-amber-500"
                        on:click=move |_| {
                            confirming.set(None);
                            choose.dispatch(ChoosePlan { plan: plan.clone() });
                        }>
                        {format!("Yes, switch to {name}")}
                    </button>
                    <button type="button" class="rounded-lg border border-amber-300 bg-white px-3 py-2 font-medium" on:click=move |_| confirming.set(None)>
                        "Keep my plan"
                    </button>
                </div>
            </div>
        })}
        <Show when=move || choose.pending().get()>
            <p class="mt-3 text-sm text-slate-500" role="status">"Changing the plan…"</p>
        </Show>
        {move || choose.value().get().and_then(|r| r.ok()).and_then(|c| match c {
            PlanChange::Applied { message } => Some(view! { <p class="mt-3 text-sm text-emerald-700" role="status" data-testid="plan-changed">{message}</p> }),
            PlanChange::Checkout { .. } => None,
        })}
        <FormError error=action_error(choose)/>
        {(!can_manage).then(|| view! { <p class="mt-3 text-sm text-slate-500">"Only owners and admins change the plan."</p> })}
    }
}

/// Opens the Stripe Billing Portal: cards, receipts, cancelling.
#[island]
fn PortalButton() -> impl IntoView {
    let open = ServerAction::<OpenPortal>::new();
    Effect::new(move |_| {
        let Some(Ok(url)) = open.value().get() else { return };
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(&url);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = url;
    });
    view! {
        <div>
            <button class="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium shadow-sm hover:bg-slate-50 disabled:opacity-60"
                disabled=move || open.pending().get() on:click=move |_| { open.dispatch(OpenPortal {}); }>
                {move || if open.pending().get() { "Opening…" } else { "Manage billing" }}
            </button>
            <FormError error=action_error(open)/>
        </div>
    }
}

#[component]
fn Invoices(invoices: InvoicePage) -> impl IntoView {
    if invoices.lines.is_empty() {
        return view! {
            <p class="rounded-2xl border border-dashed border-slate-300 p-8 text-center text-sm text-slate-600" data-testid="no-invoices">
                "No invoices yet. They appear here once Stripe bills the workspace."
            </p>
        }
        .into_any();
    }
    let href = |n: i64| format!("/app/billing?page={n}");
    view! {
        <div class="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full text-sm">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr><th class="px-4 py-3">"Date"</th><th class="px-4 py-3">"Number"</th><th class="px-4 py-3">"Amount"</th><th class="px-4 py-3">"Status"</th><th class="px-4 py-3"></th></tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {invoices.lines.into_iter().map(|line| view! {
                        <tr data-testid="invoice-row">
                            <td class="px-4 py-3">{line.date.clone()}</td>
                            <td class="px-4 py-3 text-slate-600">{line.number.clone()}</td>
                            <td class="px-4 py-3">{line.amount_label()}</td>
                            <td class="px-4 py-3 capitalize">{line.status.clone()}</td>
                            <td class="px-4 py-3 text-right">
                                {(!line.hosted_url.is_empty()).then(|| view! {
                                    <a class="font-medium text-indigo-600 hover:underline" href=line.hosted_url.clone() rel="noopener noreferrer" target="_blank">"View on Stripe"</a>
                                })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <Pager page=invoices.page pages=invoices.pages href label=format!("Page {} of {}", invoices.page, invoices.pages)/>
        </div>
    }
    .into_any()
}
