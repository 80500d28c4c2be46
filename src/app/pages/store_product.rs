//! One product: its price against its competitors' over 30 days (a
//! chart), what the merchant sets here (cost, floor and ceiling prices),
//! and its competitors' pages. Plain forms, no wasm.

use super::stores::{money, BUTTON, QUIET};
use crate::app::api::stores::{store_product, AddCompetitor, RemoveCompetitor, SetProductCost};
use crate::app::components::{ConfirmedPost, ErrorPanel, PageHeader, PriceChart, UrlError};
use crate::app::types::{format_amount, format_percent, CompetitorSummary, ProductDetail};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const FIELD: &str = "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm";

#[component]
pub fn StoreProductPage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let data = Resource::new(move || id.clone(), store_product);
    view! {
        <Title text="Product"/>
        <PageHeader title="Product" subtitle="Its price against its competitors', and what the rules work from."/>
        <UrlError/>
        <Suspense fallback=|| view! { <div class="h-64 animate-pulse rounded-2xl bg-slate-200/70"></div> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(detail) => view! { <Product detail/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Product(detail: ProductDetail) -> impl IntoView {
    let p = detail.product;
    let currency = p.currency.clone();
    let summary = format!(
        "{}: {} now{}",
        p.name,
        money(p.price, &currency),
        p.lowest_competitor
            .map(|c| format!(", lowest competitor {}", money(c, &currency)))
            .unwrap_or_default()
    );
    let facts = format!(
        "SKU {} · {} · margin {} · stock {}",
        if p.sku.is_empty() { "—" } else { &p.sku },
        money(p.price, &currency),
        p.margin_bp
            .map(format_percent)
            .unwrap_or_else(|| "unknown (no cost)".into()),
        p.stock.map(|s| s.to_string()).unwrap_or_else(|| "unlimited".into())
    );
    let shown = |v: Option<i64>| v.map(format_amount).unwrap_or_default();
    view! {
        <p class="mb-4 text-sm"><a class="font-medium text-indigo-700 hover:underline" href=format!("/app/stores/{}/products", p.store_id)>"← Products"</a></p>
        <h2 class="text-lg font-semibold" data-testid="product-name">{p.name.clone()}</h2>
        <p class="mb-4 text-sm text-slate-600">{facts}</p>
        <p class="mb-4 text-sm"><a class="font-medium text-indigo-700 hover:underline" data-testid="post-about-product"
            href=format!("/app/social/compose?product={}", p.id)>"Write a social post about it →"</a></p>
        <PriceChart title="Price history, 30 days" summary lines=detail.history currency=currency.clone() testid="price-history"/>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <form method="post" action=SetProductCost::url() class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="product-cost">
                <h3 class="text-base font-semibold">"What the rules work from"</h3>
                <input type="hidden" name="product_id" value=p.id.clone()/>
                <fieldset class="mt-3 grid gap-3 sm:grid-cols-3" disabled=!detail.can_manage>
                    <label class="text-sm font-medium">{format!("Cost ({currency})")}<input name="cost" inputmode="decimal" class=FIELD value=shown(p.cost)/></label>
                    <label class="text-sm font-medium">"Floor price"<input name="floor_price" inputmode="decimal" class=FIELD value=shown(p.floor_price)/></label>
                    <label class="text-sm font-medium">"Ceiling price"<input name="ceiling_price" inputmode="decimal" class=FIELD value=shown(p.ceiling_price)/></label>
                </fieldset>
                <p class="mt-2 text-xs text-slate-500">"Leave a field empty to clear it. Without a cost, only the floor price bounds the price."</p>
                {detail.can_manage.then(|| view! { <button type="submit" class=format!("{BUTTON} mt-3")>"Save"</button> })}
            </form>
            <Competitors product_id=p.id.clone() competitors=detail.competitors can_manage=detail.can_manage currency/>
        </div>
    }
}

#[component]
fn Competitors(
    product_id: String,
    competitors: Vec<CompetitorSummary>,
    can_manage: bool,
    currency: String,
) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="competitors">
            <h3 class="text-base font-semibold">"Competitors"</h3>
            {if competitors.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-500">"None yet: add the page of a shop that sells it."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 divide-y divide-slate-100 text-sm">
                        {competitors.into_iter().map(|c| view! {
                            <li class="flex items-start justify-between gap-2 py-2" data-testid="competitor">
                                <div class="min-w-0">
                                    <p class="font-medium">{c.label.clone()}</p>
                                    <p class="truncate text-xs text-slate-500">{c.url.clone()}</p>
                                    <p class="text-xs">{c.price.map(|p| money(p, &currency)).unwrap_or_else(|| "no price yet".into())}" · "{c.observed.clone()}</p>
                                    {(!c.error.is_empty()).then(|| view! { <p class="text-xs text-amber-700" data-testid="competitor-error">{c.error.clone()}</p> })}
                                </div>
                                {can_manage.then(|| view! {
                                    <ConfirmedPost action=RemoveCompetitor::url().to_string() fields=vec![("competitor_id", c.id.clone())] label="Remove"
                                        question="Its price history goes too." confirm="Yes, remove"/>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {can_manage.then(|| view! {
                <form method="post" action=AddCompetitor::url() class="mt-4 grid gap-2" data-testid="add-competitor">
                    <input type="hidden" name="product_id" value=product_id/>
                    <label class="text-sm font-medium">"Page address"<input name="url" type="url" required placeholder="https://shop.example/product" class=FIELD/></label>
                    <label class="text-sm font-medium">"Name (optional)"<input name="label" class=FIELD/></label>
                    <label class="text-sm font-medium">"CSS selector, when the page has no structured price (optional)"<input name="selector" placeholder=".price" class=FIELD/></label>
                    <button type="submit" class=QUIET>"Add competitor"</button>
                </form>
            })}
        </section>
    }
}
