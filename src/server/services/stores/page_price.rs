//! Reading a competitor's price off its product page. Structured data
//! first, in the order shops publish it most reliably: JSON-LD `Product`
//! offers, then schema.org microdata, then Open Graph `product:price:*`;
//! the competitor's CSS selector only when none of them names a price.
//! A price is only accepted in the store's currency.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

/// A price read off a page, in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagePrice {
    pub price: i64,
    pub currency: String,
    /// Where on the page it came from: json-ld, microdata, open-graph, selector.
    pub source: &'static str,
}

/// Why a page gave no usable price, in the words the merchant sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("price not found on the page")]
    NotFound,
    #[error("currency {expected} expected, got {got}")]
    Currency { expected: String, got: String },
    #[error("the CSS selector is not valid")]
    BadSelector,
}

/// Reads the price for a store selling in `currency` (ISO 4217, e.g. SAR).
pub fn read(html: &str, selector: Option<&str>, currency: &str) -> Result<PagePrice, PageError> {
    let custom = match selector.map(str::trim).filter(|s| !s.is_empty()) {
        Some(css) => Some(Selector::parse(css).map_err(|_| PageError::BadSelector)?),
        None => None,
    };
    let doc = Html::parse_document(html);
    let found = json_ld(&doc)
        .map(|p| (p, "json-ld"))
        .or_else(|| microdata(&doc).map(|p| (p, "microdata")))
        .or_else(|| open_graph(&doc).map(|p| (p, "open-graph")))
        .or_else(|| {
            custom
                .as_ref()
                .and_then(|css| by_selector(&doc, css))
                .map(|p| (p, "selector"))
        });
    // A price of nothing is a placeholder ("call us"), not an offer.
    let ((price, got), source) = found.filter(|((price, _), _)| *price > 0).ok_or(PageError::NotFound)?;
    let got = got
        .map(|c| c.trim().to_uppercase())
        .unwrap_or_else(|| currency.to_uppercase());
    if got != currency.to_uppercase() {
        return Err(PageError::Currency {
            expected: currency.to_uppercase(),
            got,
        });
    }
    Ok(PagePrice {
        price,
        currency: got,
        source,
    })
}

/// A price and, when the page says, its currency.
type Found = (i64, Option<String>);

fn select<'a>(doc: &'a Html, css: &str) -> impl Iterator<Item = ElementRef<'a>> + 'a {
    // Only fixed selectors reach here; they parse.
    let selector = Selector::parse(css).ok();
    selector
        .into_iter()
        .flat_map(move |s| doc.select(&s).collect::<Vec<_>>())
}

fn json_ld(doc: &Html) -> Option<Found> {
    select(doc, r#"script[type="application/ld+json"]"#)
        .filter_map(|script| serde_json::from_str::<Value>(&script.text().collect::<String>()).ok())
        .find_map(|value| product_offer(&value, 0))
}

/// The first offer of the first `Product` in a JSON-LD value, looking
/// through arrays and `@graph`.
fn product_offer(value: &Value, depth: usize) -> Option<Found> {
    if depth > 6 {
        return None;
    }
    match value {
        Value::Array(items) => items.iter().find_map(|v| product_offer(v, depth + 1)),
        Value::Object(map) => {
            if is_type(map.get("@type"), "Product") {
                if let Some(found) = map.get("offers").and_then(|o| offer(o, 0)) {
                    return Some(found);
                }
            }
            map.get("@graph").and_then(|g| product_offer(g, depth + 1))
        }
        _ => None,
    }
}

fn is_type(value: Option<&Value>, wanted: &str) -> bool {
    match value {
        Some(Value::String(t)) => t.rsplit('/').next() == Some(wanted),
        Some(Value::Array(ts)) => ts.iter().any(|t| is_type(Some(t), wanted)),
        _ => false,
    }
}

fn offer(value: &Value, depth: usize) -> Option<Found> {
    if depth > 4 {
        return None;
    }
    match value {
        Value::Array(items) => items.iter().find_map(|v| offer(v, depth + 1)),
        Value::Object(map) => {
            let currency = map.get("priceCurrency").and_then(Value::as_str).map(str::to_string);
            let price = ["price", "lowPrice"].iter().find_map(|k| map.get(*k).and_then(number));
            match price {
                Some(price) => Some((price, currency)),
                None => map.get("priceSpecification").and_then(|s| offer(s, depth + 1)),
            }
        }
        _ => None,
    }
}

fn number(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => parse_amount(s),
        Value::Number(n) => parse_amount(&n.to_string()),
        _ => None,
    }
}

fn microdata(doc: &Html) -> Option<Found> {
    let price = select(doc, r#"[itemprop="price"]"#).find_map(|e| parse_amount(&content_or_text(e)))?;
    let currency = select(doc, r#"[itemprop="priceCurrency"]"#)
        .map(content_or_text)
        .find(|c| !c.trim().is_empty());
    Some((price, currency))
}

fn content_or_text(element: ElementRef<'_>) -> String {
    element
        .value()
        .attr("content")
        .map(str::to_string)
        .unwrap_or_else(|| element.text().collect())
}

fn open_graph(doc: &Html) -> Option<Found> {
    let meta = |names: &[&str]| {
        select(doc, "meta[property], meta[name]").find_map(|e| {
            let name = e.value().attr("property").or_else(|| e.value().attr("name"))?;
            names
                .contains(&name)
                .then(|| e.value().attr("content").map(str::to_string))?
        })
    };
    let price = parse_amount(&meta(&["product:price:amount", "og:price:amount"])?)?;
    Some((price, meta(&["product:price:currency", "og:price:currency"])))
}

fn by_selector(doc: &Html, css: &Selector) -> Option<Found> {
    let text = doc
        .select(css)
        .map(content_or_text)
        .find(|t| parse_amount(t).is_some())?;
    Some((parse_amount(&text)?, currency_in(&text)))
}

/// A currency named in free text: an ISO code, or the few symbols whose
/// currency is unambiguous.
fn currency_in(text: &str) -> Option<String> {
    let upper = text.to_uppercase();
    let code = upper
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| w.len() == 3 && ["SAR", "USD", "EUR", "AED", "KWD", "QAR", "BHD", "OMR", "EGP", "GBP"].contains(w));
    if let Some(code) = code {
        return Some(code.to_string());
    }
    [("ر.س", "SAR"), ("﷼", "SAR"), ("$", "USD"), ("€", "EUR"), ("£", "GBP")]
        .iter()
        .find(|(symbol, _)| text.contains(symbol))
        .map(|(_, code)| code.to_string())
}

/// An amount in any of the shapes shops print ("1,299.00", "1.299,50",
/// "SAR 95", Arabic-Indic digits "٩٥٫٥٠") as minor units; two decimals.
pub fn parse_amount(raw: &str) -> Option<i64> {
    let western: String = raw
        .chars()
        .map(|c| match c {
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '٫' => '.',
            '٬' => ',',
            other => other,
        })
        .collect();
    let start = western.find(|c: char| c.is_ascii_digit())?;
    let body: String = western[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{a0}'))
        .filter(|c| !matches!(c, ' ' | '\u{a0}'))
        .collect();
    let body = body.trim_end_matches(['.', ',']);
    // The last separator followed by one or two digits is the decimal point;
    // every other separator groups thousands.
    let (whole, fraction) = match body.rfind(['.', ',']) {
        Some(at) if (1..=2).contains(&(body.len() - at - 1)) => (&body[..at], &body[at + 1..]),
        _ => (body, ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    if whole.is_empty() || whole.len() > 12 {
        return None;
    }
    let cents = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse::<i64>().ok()?,
    };
    Some(whole.parse::<i64>().ok()? * 100 + cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(head: &str, body: &str) -> String {
        format!("<!doctype html><html><head>{head}</head><body>{body}</body></html>")
    }

    #[test]
    fn reads_json_ld_offers_through_graphs_and_lists() {
        let ld = r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"WebPage"},{"@type":["Product"],"name":"Rose cake",
            "offers":[{"@type":"Offer","price":"95.50","priceCurrency":"SAR"}]}]}</script>"#;
        let got = read(&page(ld, ""), None, "SAR").unwrap();
        assert_eq!(
            got,
            PagePrice {
                price: 9_550,
                currency: "SAR".into(),
                source: "json-ld"
            }
        );
        let aggregate = r#"<script type="application/ld+json">{"@type":"Product",
            "offers":{"@type":"AggregateOffer","lowPrice":89,"priceCurrency":"sar"}}</script>"#;
        assert_eq!(read(&page(aggregate, ""), None, "SAR").unwrap().price, 8_900);
    }

    #[test]
    fn reads_microdata_then_open_graph() {
        let micro = r#"<div itemscope itemtype="https://schema.org/Product"><div itemprop="offers" itemscope
            itemtype="https://schema.org/Offer"><span itemprop="price" content="120.00">120 ر.س</span>
            <meta itemprop="priceCurrency" content="SAR"></div></div>"#;
        let got = read(&page("", micro), None, "SAR").unwrap();
        assert_eq!((got.price, got.source), (12_000, "microdata"));
        let og = r#"<meta property="product:price:amount" content="1,299.00">
            <meta property="product:price:currency" content="SAR">"#;
        let got = read(&page(og, ""), None, "SAR").unwrap();
        assert_eq!((got.price, got.source), (129_900, "open-graph"));
    }

    #[test]
    fn a_selector_is_the_fallback() {
        let body = r#"<p class="price now">السعر: ٩٥٫٥٠ ر.س</p>"#;
        assert_eq!(read(&page("", body), None, "SAR"), Err(PageError::NotFound));
        let got = read(&page("", body), Some("p.price.now"), "SAR").unwrap();
        assert_eq!((got.price, got.source), (9_550, "selector"));
        assert_eq!(read(&page("", body), Some("p[[["), "SAR"), Err(PageError::BadSelector));
    }

    #[test]
    fn another_currency_is_named() {
        let og = r#"<meta property="product:price:amount" content="25.00">
            <meta property="product:price:currency" content="USD">"#;
        assert_eq!(
            read(&page(og, ""), None, "SAR").unwrap_err().to_string(),
            "currency SAR expected, got USD"
        );
        let dollars = r#"<b id="p">$25.00</b>"#;
        assert!(matches!(
            read(&page("", dollars), Some("#p"), "SAR"),
            Err(PageError::Currency { .. })
        ));
    }

    #[test]
    fn amounts_in_the_shapes_shops_print() {
        for (raw, want) in [
            ("95", Some(9_500)),
            ("95.5", Some(9_550)),
            ("SAR 1,299.00", Some(129_900)),
            ("1.299,50 €", Some(129_950)),
            ("1 299", Some(129_900)),
            ("٩٥٫٥٠", Some(9_550)),
            ("12,345,678", Some(1_234_567_800)),
            ("free", None),
            ("", None),
        ] {
            assert_eq!(parse_amount(raw), want, "{raw:?}");
        }
    }
}
