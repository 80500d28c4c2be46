//! A price history drawn as SVG on the server, like the bar charts: the
//! store's own price as a step line (a price holds until it changes) and
//! each competitor's observed prices as a line with its readings marked.

use crate::app::types::{format_amount, PriceLine};
use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// Stroke colours: the store's own line first, then the competitors'.
const COLOURS: [&str; 6] = [
    "stroke-indigo-600",
    "stroke-amber-500",
    "stroke-emerald-600",
    "stroke-rose-500",
    "stroke-sky-500",
    "stroke-slate-500",
];
const FILLS: [&str; 6] = [
    "fill-indigo-600",
    "fill-amber-500",
    "fill-emerald-600",
    "fill-rose-500",
    "fill-sky-500",
    "fill-slate-500",
];

/// The bounds of every point, padded so no line sits on the frame.
fn bounds(lines: &[PriceLine]) -> Option<((i64, i64), (f64, f64))> {
    let points = lines.iter().flat_map(|l| l.points.iter());
    let (mut t0, mut t1, mut lo, mut hi) = (i64::MAX, i64::MIN, i64::MAX, i64::MIN);
    for &(t, p) in points {
        (t0, t1, lo, hi) = (t0.min(t), t1.max(t), lo.min(p), hi.max(p));
    }
    if t0 > t1 {
        return None;
    }
    let pad = ((hi - lo) as f64 * 0.1).max(100.0);
    Some(((t0, t1.max(t0 + 1)), (lo as f64 - pad, hi as f64 + pad)))
}

/// Where the chart's time axis starts, in words.
fn days_ago(days: i64) -> String {
    match days {
        ..=0 => "today".into(),
        1 => "1 day ago".into(),
        n => format!("{n} days ago"),
    }
}

/// The step path of a price that holds until its next point.
fn step_path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            d.push_str(&format!("M{x:.1},{y:.1}"));
        } else {
            d.push_str(&format!(" H{x:.1} V{y:.1}"));
        }
    }
    d
}

#[component]
pub fn PriceChart(
    #[prop(into)] title: String,
    #[prop(into)] summary: String,
    lines: Vec<PriceLine>,
    #[prop(into)] currency: String,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    let Some(((t0, t1), (lo, hi))) = bounds(&lines) else {
        return view! {
            <figure class="rounded-xl border border-slate-200 bg-white p-4 text-sm text-slate-500 shadow-sm" data-testid=testid>
                <figcaption class="mb-2 font-semibold text-slate-900">{title}</figcaption>"No prices yet."
            </figure>
        }
        .into_any();
    };
    let x = move |t: i64| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * (WIDTH - LEFT - RIGHT);
    let y = move |p: f64| TOP + (hi - p) / (hi - lo) * (HEIGHT - TOP - BOTTOM);
    let ticks: Vec<f64> = (0..=4).map(|i| lo + (hi - lo) * i as f64 / 4.0).collect();
    let drawn = lines.iter().enumerate().map(|(i, line)| {
        let at: Vec<(f64, f64)> = line.points.iter().map(|&(t, p)| (x(t), y(p as f64))).collect();
        let (stroke, fill) = (COLOURS[i % COLOURS.len()], FILLS[i % FILLS.len()]);
        let path = if i == 0 {
            step_path(&at)
        } else {
            at.iter().enumerate().map(|(k, (px, py))| format!("{}{px:.1},{py:.1}", if k == 0 { "M" } else { " L" })).collect()
        };
        let dots = (i > 0).then(|| at.iter().map(|(px, py)| view! {
            <circle cx=format!("{px:.1}") cy=format!("{py:.1}") r="2.5" class=fill/>
        }).collect_view());
        view! {
            <g data-line=line.label.clone()>
                <path d=path fill="none" class=stroke stroke-width=if i == 0 { "2.5" } else { "1.5" }><title>{line.label.clone()}</title></path>
                {dots}
            </g>
        }
    }).collect_view();
    let legend = lines.iter().enumerate().map(|(i, line)| view! {
        <li class="flex items-center gap-1"><span class=format!("inline-block h-2 w-4 rounded {}", FILLS[i % FILLS.len()].replace("fill-", "bg-"))></span>{line.label.clone()}</li>
    }).collect_view();
    let table = lines
        .iter()
        .flat_map(|line| line.points.iter().map(move |&(t, p)| (line.label.clone(), t, p)))
        .map(|(label, t, p)| view! { <tr><th scope="row">{label}</th><td>{t}</td><td>{format_amount(p)}</td></tr> })
        .collect_view();
    view! {
        <figure class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid=testid>
            <figcaption class="mb-2 text-sm font-semibold text-slate-900">{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-auto w-full" role="img" aria-label=summary preserveAspectRatio="xMidYMid meet">
                {ticks.into_iter().map(|v| view! {
                    <g>
                        <line x1=format!("{LEFT}") x2=format!("{}", WIDTH - RIGHT) y1=format!("{:.1}", y(v)) y2=format!("{:.1}", y(v)) class="stroke-slate-200" stroke-width="1"/>
                        <text x=format!("{}", LEFT - 6.0) y=format!("{:.1}", y(v) + 4.0) text-anchor="end" class="fill-slate-500 text-[11px]">{format_amount(v.round() as i64)}</text>
                    </g>
                }).collect_view()}
                <text x=format!("{LEFT}") y=format!("{}", HEIGHT - 8.0) class="fill-slate-500 text-[11px]">{days_ago((t1 - t0) / 86_400)}</text>
                <text x=format!("{}", WIDTH - RIGHT) y=format!("{}", HEIGHT - 8.0) text-anchor="end" class="fill-slate-500 text-[11px]">{format!("now · {currency}")}</text>
                {drawn}
            </svg>
            <ul class="mt-2 flex flex-wrap gap-3 text-xs text-slate-600">{legend}</ul>
            <table class="sr-only"><caption>"Prices behind the chart (unix time, amount)"</caption><tbody>{table}</tbody></table>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_holds_until_it_changes() {
        assert_eq!(
            step_path(&[(0.0, 10.0), (5.0, 20.0), (9.0, 20.0)]),
            "M0.0,10.0 H5.0 V20.0 H9.0 V20.0"
        );
        let line = |points: Vec<(i64, i64)>| PriceLine {
            label: "x".into(),
            points,
        };
        let ((t0, t1), (lo, hi)) = bounds(&[line(vec![(100, 9_000), (200, 11_000)])]).unwrap();
        assert_eq!((t0, t1), (100, 200));
        assert!(lo < 9_000.0 && hi > 11_000.0);
        assert!(bounds(&[line(vec![])]).is_none());
        assert_eq!(
            (days_ago(0), days_ago(1), days_ago(30)),
            ("today".into(), "1 day ago".into(), "30 days ago".into())
        );
    }
}
