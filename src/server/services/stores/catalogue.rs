//! A store's catalogue: products and variants as the store last reported
//! them, with what the merchant adds here (a cost, floor and ceiling
//! prices). A sync writes what the store knows and leaves the rest alone.

use super::{load, parse_money, StoreRow};
use crate::app::types::{
    Permission, PriceLine, ProductCostInput, ProductDetail, ProductFilter, ProductPage, ProductSummary, TenantId,
};
use crate::server::auth::TenantContext;
use crate::server::db::{like_pattern, new_id, now, Tx, Where};
use crate::server::domain::csv;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;

const PER_PAGE: i64 = 25;

/// One product or variant as the store reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub external_id: String,
    /// "" for the product itself.
    pub variant_id: String,
    pub sku: String,
    pub name: String,
    pub price: i64,
    pub sale_price: Option<i64>,
    /// The store's own cost price, when it has one.
    pub cost: Option<i64>,
    pub stock: Option<i64>,
    pub status: String,
    pub image_url: String,
    pub url: String,
}

/// Writes the items a sync read: new ones inserted, known ones updated
/// (a cost the merchant set here stays unless the store now has its own),
/// and a price change kept in the product's price history.
pub async fn upsert(tx: &mut Tx, tenant_id: &TenantId, store_id: &str, items: &[Item]) -> ServerResult<()> {
    let at = now();
    for item in items {
        let known: Option<(String, i64)> = sqlx::query_as(
            "select id, price from store_product where tenant_id = $1 and store_id = $2 and external_id = $3 \
             and variant_id = $4",
        )
        .bind(tenant_id)
        .bind(store_id)
        .bind(&item.external_id)
        .bind(&item.variant_id)
        .fetch_optional(&mut **tx)
        .await?;
        let (id, changed) = match known {
            Some((id, price)) => {
                sqlx::query(
                    "update store_product set sku = $3, name = $4, price = $5, sale_price = $6, stock = $7, \
                     status = $8, image_url = $9, url = $10, removed = 0, synced_at = $11, updated_at = $11, \
                     cost = case when $12 is null then cost else $12 end, \
                     cost_from = case when $12 is null then cost_from else 'salla' end \
                     where id = $1 and tenant_id = $2",
                )
                .bind(&id)
                .bind(tenant_id)
                .bind(&item.sku)
                .bind(&item.name)
                .bind(item.price)
                .bind(item.sale_price)
                .bind(item.stock)
                .bind(&item.status)
                .bind(&item.image_url)
                .bind(&item.url)
                .bind(at)
                .bind(item.cost)
                .execute(&mut **tx)
                .await?;
                (id, price != item.price)
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "insert into store_product (id, tenant_id, store_id, external_id, variant_id, sku, name, price, \
                     sale_price, cost, cost_from, stock, status, image_url, url, synced_at, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $16)",
                )
                .bind(&id)
                .bind(tenant_id)
                .bind(store_id)
                .bind(&item.external_id)
                .bind(&item.variant_id)
                .bind(&item.sku)
                .bind(&item.name)
                .bind(item.price)
                .bind(item.sale_price)
                .bind(item.cost)
                .bind(if item.cost.is_some() { "salla" } else { "" })
                .bind(item.stock)
                .bind(&item.status)
                .bind(&item.image_url)
                .bind(&item.url)
                .bind(at)
                .execute(&mut **tx)
                .await?;
                (id, true)
            }
        };
        if changed {
            record_price(&mut **tx, tenant_id, &id, item.price, at).await?;
        }
    }
    Ok(())
}

/// Keeps one point of the product's own price history.
pub(super) async fn record_price<'c>(
    exec: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant_id: &TenantId,
    product_id: &str,
    price: i64,
    at: i64,
) -> ServerResult<()> {
    sqlx::query(
        "insert into product_price (id, tenant_id, product_id, price, observed_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(new_id())
    .bind(tenant_id)
    .bind(product_id)
    .bind(price)
    .bind(at)
    .execute(exec)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: String,
    store_id: String,
    external_id: String,
    variant_id: String,
    sku: String,
    name: String,
    price: i64,
    sale_price: Option<i64>,
    cost: Option<i64>,
    floor_price: Option<i64>,
    ceiling_price: Option<i64>,
    stock: Option<i64>,
    status: String,
    image_url: String,
    url: String,
    lowest: Option<i64>,
    competitors: i64,
    margin_bp: Option<i64>,
    gap_bp: Option<i64>,
}

impl ProductRow {
    fn into_summary(self, currency: &str) -> ProductSummary {
        ProductSummary {
            id: self.id,
            store_id: self.store_id,
            external_id: self.external_id,
            variant_id: self.variant_id,
            sku: self.sku,
            name: self.name,
            price: self.price,
            sale_price: self.sale_price,
            cost: self.cost,
            floor_price: self.floor_price,
            ceiling_price: self.ceiling_price,
            stock: self.stock,
            status: self.status,
            image_url: self.image_url,
            url: self.url,
            margin_bp: self.margin_bp,
            lowest_competitor: self.lowest,
            gap_bp: self.gap_bp,
            competitors: self.competitors,
            currency: currency.to_string(),
        }
    }
}

/// The products with their margin over cost and their gap to the lowest
/// fresh competitor price, computed in the query so both can be filtered
/// and sorted on; `fresh_since` is a trusted number, formatted in.
fn products_from(fresh_since: i64) -> String {
    format!(
        "from (select p.*, \
         (select min(c.price) from competitor c where c.tenant_id = p.tenant_id and c.product_id = p.id \
          and c.price > 0 and c.observed_at >= {fresh_since}) as lowest, \
         (select count(*) from competitor c where c.tenant_id = p.tenant_id and c.product_id = p.id) as competitors, \
         case when p.cost > 0 then (p.price - p.cost) * 10000 / p.cost end as margin_bp \
         from store_product p) x"
    )
}

const PRODUCT_COLUMNS: &str =
    "id, store_id, external_id, variant_id, sku, name, price, sale_price, cost, floor_price, \
     ceiling_price, stock, status, image_url, url, lowest, competitors, margin_bp, \
     case when lowest > 0 then (price - lowest) * 10000 / lowest end as gap_bp";

/// One page of a store's products.
pub async fn page(
    ctx: &TenantContext,
    state: &AppState,
    store_id: &str,
    filter: &ProductFilter,
) -> ServerResult<ProductPage> {
    ctx.require(Permission::ViewWorkspace)?;
    let store = load(&state.db.pool, ctx.tenant_id(), store_id).await?;
    let rules = store.rules();
    let mut w = Where::new_text("tenant_id = ", ctx.tenant_id().as_str());
    w.text("store_id = ", store_id).raw("removed = 0");
    if let Some(pattern) = like_pattern(&filter.q) {
        w.search(&["name", "sku"], pattern);
    }
    match filter.show.as_str() {
        "" => {}
        "no_cost" => {
            w.raw("cost is null");
        }
        "low_margin" => {
            w.int("cost is not null and margin_bp < ", rules.min_margin_bp);
        }
        "above" => {
            w.raw("lowest is not null and price > lowest");
        }
        "below" => {
            w.raw("lowest is not null and price < lowest");
        }
        "no_competitors" => {
            w.raw("competitors = 0");
        }
        _ => return Err(ServerError::Validation("Unknown product filter.".into())),
    }
    let order = match filter.sort.as_str() {
        "" | "name" => "lower(name), id",
        "price" => "price desc, id",
        "margin" => "case when margin_bp is null then 1 else 0 end, margin_bp, id",
        "gap" => "case when lowest is null then 1 else 0 end, (price - lowest) * 10000 / lowest desc, id",
        _ => return Err(ServerError::Validation("Sort by name, price, margin or gap.".into())),
    };
    let from = products_from(now() - rules.stale_after_hours * 3_600);
    let paged = w
        .fetch_page::<ProductRow>(
            &state.db.pool,
            (PRODUCT_COLUMNS, &from, order),
            PER_PAGE,
            filter.page.unwrap_or(1),
        )
        .await?;
    Ok(ProductPage {
        products: paged
            .rows
            .into_iter()
            .map(|r| r.into_summary(&store.currency))
            .collect(),
        total: paged.total,
        page: paged.page,
        pages: paged.pages,
    })
}

/// One of the workspace's products, with its store.
pub(super) async fn product(
    state: &AppState,
    tenant_id: &TenantId,
    product_id: &str,
) -> ServerResult<(StoreRow, ProductSummary)> {
    let store_id: Option<(String,)> =
        sqlx::query_as("select store_id from store_product where id = $1 and tenant_id = $2")
            .bind(product_id)
            .bind(tenant_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let store = load(&state.db.pool, tenant_id, &store_id.ok_or(ServerError::NotFound)?.0).await?;
    let from = products_from(now() - store.rules().stale_after_hours * 3_600);
    let row: ProductRow = sqlx::query_as(&format!(
        "select {PRODUCT_COLUMNS} {from} where id = $1 and tenant_id = $2"
    ))
    .bind(product_id)
    .bind(tenant_id)
    .fetch_one(&state.db.pool)
    .await?;
    let summary = row.into_summary(&store.currency);
    Ok((store, summary))
}

/// One product, as its page shows it.
pub async fn get(ctx: &TenantContext, state: &AppState, product_id: &str) -> ServerResult<ProductSummary> {
    ctx.require(Permission::ViewWorkspace)?;
    Ok(product(state, ctx.tenant_id(), product_id).await?.1)
}

/// What the social composer's caption writer starts from for a product:
/// its name, price and page, ready for a post about it.
pub async fn caption_brief(
    ctx: &TenantContext,
    state: &AppState,
    product_id: &str,
) -> ServerResult<crate::app::types::CaptionRequest> {
    ctx.require(Permission::CreateContent)?;
    let (_, p) = product(state, ctx.tenant_id(), product_id).await?;
    let price = p.sale_price.filter(|s| *s > 0 && *s < p.price).unwrap_or(p.price);
    Ok(crate::app::types::CaptionRequest {
        product_name: p.name,
        price: format!("{} {}", p.currency, crate::app::types::format_amount(price)),
        url: p.url,
        product_description: if p.sku.is_empty() {
            String::new()
        } else {
            format!("SKU {}", p.sku)
        },
        ..Default::default()
    })
}

/// How far back the price history chart goes.
const HISTORY_SECONDS: i64 = 30 * 86_400;

/// A product's page: the product, its competitors and the price history.
pub async fn detail(ctx: &TenantContext, state: &AppState, product_id: &str) -> ServerResult<ProductDetail> {
    ctx.require(Permission::ViewWorkspace)?;
    let (_, product) = product(state, ctx.tenant_id(), product_id).await?;
    let since = now() - HISTORY_SECONDS;
    let own: Vec<(i64, i64)> = sqlx::query_as(
        "select observed_at, price from product_price where tenant_id = $1 and product_id = $2 \
         and observed_at >= $3 order by observed_at, id",
    )
    .bind(ctx.tenant_id())
    .bind(product_id)
    .bind(since)
    .fetch_all(&state.db.pool)
    .await?;
    let theirs: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "select c.id, c.label, h.observed_at, h.price from competitor_price h join competitor c \
         on c.id = h.competitor_id and c.tenant_id = h.tenant_id where h.tenant_id = $1 and h.product_id = $2 \
         and h.observed_at >= $3 order by c.created_at, c.id, h.observed_at",
    )
    .bind(ctx.tenant_id())
    .bind(product_id)
    .bind(since)
    .fetch_all(&state.db.pool)
    .await?;
    // The price in force at the start of the window carries the line in.
    let before: Option<(i64,)> = sqlx::query_as(
        "select price from product_price where tenant_id = $1 and product_id = $2 and observed_at < $3 \
         order by observed_at desc, id desc limit 1",
    )
    .bind(ctx.tenant_id())
    .bind(product_id)
    .bind(since)
    .fetch_optional(&state.db.pool)
    .await?;
    let mut own_points: Vec<(i64, i64)> = before.map(|(p,)| vec![(since, p)]).unwrap_or_default();
    own_points.extend(own);
    own_points.push((now(), product.price));
    let mut history = vec![PriceLine {
        label: "Your price".into(),
        points: own_points,
    }];
    let mut last_competitor = String::new();
    for (competitor, label, at, price) in theirs {
        match history.last_mut() {
            Some(line) if competitor == last_competitor => line.points.push((at, price)),
            _ => history.push(PriceLine {
                label,
                points: vec![(at, price)],
            }),
        }
        last_competitor = competitor;
    }
    Ok(ProductDetail {
        competitors: super::competitors::list(ctx, state, product_id).await?,
        product,
        history,
        can_manage: ctx.can(Permission::ManageSites),
    })
}

/// Sets what the store does not know: the cost, floor and ceiling prices.
pub async fn set_cost(
    ctx: &TenantContext,
    state: &AppState,
    product_id: &str,
    input: &ProductCostInput,
) -> ServerResult<ProductSummary> {
    ctx.require(Permission::ManageSites)?;
    let cost = parse_money(&input.cost)?;
    let floor = parse_money(&input.floor_price)?;
    let ceiling = parse_money(&input.ceiling_price)?;
    if let (Some(floor), Some(ceiling)) = (floor, ceiling) {
        if floor > ceiling {
            return Err(ServerError::Validation(
                "The floor price must not be above the ceiling.".into(),
            ));
        }
    }
    let done = sqlx::query(
        "update store_product set cost = $3, cost_from = case when $3 is null then '' else 'merchant' end, \
         floor_price = $4, ceiling_price = $5, updated_at = $6 where id = $1 and tenant_id = $2",
    )
    .bind(product_id)
    .bind(ctx.tenant_id())
    .bind(cost)
    .bind(floor)
    .bind(ceiling)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    get(ctx, state, product_id).await
}

/// Imports costs and floor and ceiling prices from CSV: a header naming
/// `sku` (or `product_id`) and any of `cost`, `min_price`, `max_price`.
/// Every line is checked first: a file with any bad line changes nothing
/// and the error names each bad line and why. Returns how many products
/// changed (a SKU shared by a product's variants sets them all).
pub async fn import_costs(ctx: &TenantContext, state: &AppState, store_id: &str, csv: &str) -> ServerResult<i64> {
    ctx.require(Permission::ManageSites)?;
    load(&state.db.pool, ctx.tenant_id(), store_id).await?;
    let rows = csv::parse(csv);
    if rows.len() > 20_001 {
        return Err(ServerError::Validation("Import at most 20,000 lines at a time.".into()));
    }
    let header: Vec<String> = rows
        .first()
        .map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (key, key_at) = match (col("sku"), col("product_id")) {
        (Some(i), _) => ("sku", i),
        (None, Some(i)) => ("external_id", i),
        _ => {
            return Err(ServerError::Validation(
                "The first line must name a sku or product_id column.".into(),
            ))
        }
    };
    let columns = [
        ("cost", col("cost")),
        ("floor_price", col("min_price")),
        ("ceiling_price", col("max_price")),
    ];
    if columns.iter().all(|(_, c)| c.is_none()) {
        return Err(ServerError::Validation(
            "Name at least one of cost, min_price and max_price in the first line.".into(),
        ));
    }
    let mut refused = Vec::new();
    let mut changes = Vec::new();
    for (n, row) in rows.iter().enumerate().skip(1) {
        let cell = |i: usize| row.get(i).map(|c| c.trim().to_string()).unwrap_or_default();
        let id = cell(key_at);
        let mut values = Vec::new();
        for (column, at) in columns.iter().filter_map(|(c, i)| i.map(|i| (*c, i))) {
            match super::parse_money(&cell(at)) {
                Ok(value) => values.push((column, value)),
                Err(e) => refused.push(format!("line {}: {e}", n + 1)),
            }
        }
        let given = |name: &str| values.iter().find(|(c, _)| *c == name).and_then(|(_, v)| *v);
        if let (Some(floor), Some(ceiling)) = (given("floor_price"), given("ceiling_price")) {
            if floor > ceiling {
                refused.push(format!("line {}: the minimum price is above the maximum", n + 1));
            }
        }
        if id.is_empty() {
            refused.push(format!("line {}: no {key}", n + 1));
        }
        changes.push((n + 1, id, values));
    }
    let mut tx = state.db.begin_write().await?;
    let mut updated = 0;
    for (line, id, values) in &changes {
        if !refused.is_empty() {
            break;
        }
        let sets: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{c} = ${}", i + 5))
            .collect();
        let sets_cost = values.iter().any(|(c, _)| *c == "cost");
        let sql = format!(
            "update store_product set {}, updated_at = $4 where tenant_id = $1 and store_id = $2 and {key} = $3 \
             and removed = 0",
            sets.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(ctx.tenant_id())
            .bind(store_id)
            .bind(id)
            .bind(now());
        for (_, value) in values {
            query = query.bind(*value);
        }
        let hit = query.execute(&mut *tx).await?.rows_affected();
        if hit == 0 {
            refused.push(format!(
                "line {line}: no product with {} {id}",
                key.replace("external_id", "product_id")
            ));
        }
        if sets_cost && hit > 0 {
            sqlx::query(&format!(
                "update store_product set cost_from = case when cost is null then '' else 'merchant' end \
                 where tenant_id = $1 and store_id = $2 and {key} = $3 and removed = 0"
            ))
            .bind(ctx.tenant_id())
            .bind(store_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        updated += hit as i64;
    }
    if !refused.is_empty() {
        refused.truncate(10);
        return Err(ServerError::Validation(format!(
            "Nothing was imported. {}.",
            refused.join("; ")
        )));
    }
    tx.commit().await?;
    Ok(updated)
}
