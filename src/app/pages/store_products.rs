//! A store's products: search, filter by margin or competitor gap, sort,
//! page. A plain GET form, so it works before (and without) hydration.

use super::stores::money;
use crate::app::api::stores::{store_products, ImportProductCosts};
use crate::app::components::{ErrorPanel, PageHeader, Pager, UrlError};
use crate::app::types::{format_percent, ProductFilter, ProductPage};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const SHOWS: [(&str, &str); 6] = [
    ("", "All products"),
    ("above", "Priced above a competitor"),
    ("below", "Priced below every competitor"),
    ("low_margin", "Margin under the rule"),
    ("no_cost", "No cost yet"),
    ("no_competitors", "No competitors yet"),
];
const SORTS: [(&str, &str); 4] = [
    ("name", "Name"),
    ("price", "Price"),
    ("margin", "Margin"),
    ("gap", "Gap to competitors"),
];

#[component]
pub fn StoreProductsPage() -> impl IntoView {
    let store_id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let query = use_query_map().read_untracked();
    let filter = ProductFilter {
        q: query.get("q").unwrap_or_default(),
        show: query.get("show").unwrap_or_default(),
        sort: query.get("sort").unwrap_or_default(),
        page: query.get("page").and_then(|p| p.parse().ok()),
    };
    let (id, f) = (store_id.clone(), filter.clone());
    let data = Resource::new(move || (id.clone(), f.clone()), |(id, f)| store_products(id, f));
    view! {
        <Title text="Products"/>
        <PageHeader title="Products" subtitle="Prices, costs and margins, and how each stands against its competitors."/>
        <p class="mb-4 text-sm"><a class="font-medium text-indigo-700 hover:underline" href="/app/stores">"← Stores"</a></p>
        <UrlError/>
        <Filter store_id=store_id.clone() filter=filter.clone()/>
        <Suspense fallback=|| view! { <div class="h-64 animate-pulse rounded-2xl bg-slate-200/70"></div> }>
            {move || {
                let (store_id, filter) = (store_id.clone(), filter.clone());
                Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <Table page store_id=store_id.clone() filter/> <Import store_id/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Filter(store_id: String, filter: ProductFilter) -> impl IntoView {
    view! {
        <form method="get" action=format!("/app/stores/{store_id}/products") class="mb-4 flex flex-wrap items-end gap-2" data-testid="product-filter">
            <label class="text-sm text-slate-600">"Search"
                <input name="q" value=filter.q.clone() placeholder="Name or SKU" class="mt-1 block rounded-lg border border-slate-300 px-3 py-1.5 text-sm"/></label>
            <label class="text-sm text-slate-600">"Show"
                <select name="show" class="mt-1 block rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
                    {SHOWS.into_iter().map(|(v, l)| view! { <option value=v selected=filter.show == v>{l}</option> }).collect_view()}
                </select></label>
            <label class="text-sm text-slate-600">"Sort by"
                <select name="sort" class="mt-1 block rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
                    {SORTS.into_iter().map(|(v, l)| view! { <option value=v selected=filter.sort == v>{l}</option> }).collect_view()}
                </select></label>
            <button class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Apply"</button>
        </form>
    }
}

fn href(store_id: &str, filter: &ProductFilter, page: i64) -> String {
    let enc = |s: &str| {
        s.replace('%', "%25")
            .replace('&', "%26")
            .replace('#', "%23")
            .replace(' ', "+")
    };
    format!(
        "/app/stores/{store_id}/products?q={}&show={}&sort={}&page={page}",
        enc(&filter.q),
        filter.show,
        filter.sort
    )
}

#[component]
fn Table(page: ProductPage, store_id: String, filter: ProductFilter) -> impl IntoView {
    if page.products.is_empty() {
        return view! { <p class="rounded-2xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="no-products">"No product matches."</p> }.into_any();
    }
    let label = format!("Page {} of {} · {} products", page.page, page.pages, page.total);
    view! {
        <section class="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
            <table class="w-full text-left text-sm" data-testid="products">
                <thead class="border-b border-slate-200 text-xs text-slate-500"><tr>
                    <th class="px-4 py-2">"Product"</th><th class="px-4">"Price"</th><th class="px-4">"Cost"</th><th class="px-4">"Margin"</th>
                    <th class="px-4">"Lowest competitor"</th><th class="px-4">"Gap"</th><th class="px-4">"Stock"</th>
                </tr></thead>
                <tbody class="divide-y divide-slate-100">
                    {page.products.into_iter().map(|p| {
                        let gap_tone = match p.gap_bp { Some(g) if g > 0 => "text-amber-700", Some(_) => "text-emerald-700", None => "text-slate-400" };
                        view! {
                            <tr data-testid="product" data-sku=p.sku.clone()>
                                <td class="px-4 py-2"><a class="font-medium text-indigo-700 hover:underline" href=format!("/app/stores/products/{}", p.id)>{p.name.clone()}</a>
                                    <span class="block text-xs text-slate-500">{p.sku.clone()}</span></td>
                                <td class="px-4" data-testid="product-price">{money(p.price, &p.currency)}</td>
                                <td class="px-4">{p.cost.map(|c| money(c, &p.currency)).unwrap_or_else(|| "—".into())}</td>
                                <td class="px-4">{p.margin_bp.map(format_percent).unwrap_or_else(|| "—".into())}</td>
                                <td class="px-4">{p.lowest_competitor.map(|c| money(c, &p.currency)).unwrap_or_else(|| format!("{} competitors", p.competitors))}</td>
                                <td class=format!("px-4 {gap_tone}")>{p.gap_bp.map(|g| format!("{}{}", if g > 0 { "+" } else { "" }, format_percent(g))).unwrap_or_else(|| "—".into())}</td>
                                <td class="px-4">{match p.stock { None => "unlimited".to_string(), Some(0) => "out of stock".into(), Some(n) => n.to_string() }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <Pager page=page.page pages=page.pages href=move |n| href(&store_id, &filter, n) label/>
        </section>
    }
    .into_any()
}

/// Costs and floor and ceiling prices for many products at once, pasted
/// as CSV; a bad line refuses the whole file with its line number.
#[component]
fn Import(store_id: String) -> impl IntoView {
    view! {
        <details class="mt-6 rounded-2xl border border-slate-200 bg-white p-6 text-sm shadow-sm" data-testid="import-costs">
            <summary class="cursor-pointer font-semibold">"Import costs and floor prices (CSV)"</summary>
            <form method="post" action=ImportProductCosts::url() class="mt-3 grid gap-2">
                <input type="hidden" name="store_id" value=store_id/>
                <p class="text-slate-600">"The first line names the columns: "<code>"sku"</code>" (or "<code>"product_id"</code>") and any of "
                    <code>"cost"</code>", "<code>"min_price"</code>", "<code>"max_price"</code>". An empty cell clears the value."</p>
                <textarea name="csv" rows="6" required class="rounded-lg border border-slate-300 px-3 py-2 font-mono text-xs" placeholder="sku,cost,min_price\nCAKE-ROSE,65.00,80.00"></textarea>
                <button type="submit" class="justify-self-start rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Import"</button>
            </form>
        </details>
    }
}
