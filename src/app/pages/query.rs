//! Reading the page's address: filters and the page number, and links
//! that keep the filters while moving between pages.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A query parameter of the current address ("" when absent).
pub fn param(key: &str) -> String {
    use_query_map().read_untracked().get(key).unwrap_or_default()
}

pub fn page_param() -> i64 {
    param("page").parse().unwrap_or(1i64).max(1)
}

/// The current address with `page` set, keeping the filters.
pub fn page_href(path: &'static str, keys: &'static [&'static str]) -> impl Fn(i64) -> String + 'static {
    let values: Vec<(String, String)> = keys
        .iter()
        .map(|k| (k.to_string(), param(k)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    move |page| {
        let mut parts: Vec<String> = values.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        parts.push(format!("page={page}"));
        format!("{path}?{}", parts.join("&"))
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
