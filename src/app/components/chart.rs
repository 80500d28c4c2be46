//! Charts drawn as SVG on the server: no chart script reaches the browser,
//! and the picture is in the page's HTML from the first byte. A small
//! component of our own rather than a chart crate: plotters' SVG backend
//! writes fixed pixel sizes and text as paths (not readable by screen
//! readers, not reflowing at phone width), and charming renders through a
//! JavaScript runtime. Here the SVG scales with its box (viewBox), keeps
//! its labels as text, and carries a text alternative (an accessible name
//! that summarises it, and the figures in a table screen readers reach).

use crate::app::types::grouped;
use leptos::prelude::*;

/// The two drawings of every chart: wide for screens from `sm` up, narrow
/// for phones and half-width cards. The SVG scales with its box, text
/// included, so one drawing cannot keep 11 px labels both at 900 px and
/// at 300 px; each drawing is sized for the width it is shown at.
#[derive(Clone, Copy)]
struct Frame {
    width: f64,
    /// At most this many labels under the x axis; the rest are skipped.
    x_labels: usize,
}
const WIDE: Frame = Frame {
    width: 640.0,
    x_labels: 8,
};
const NARROW: Frame = Frame {
    width: 320.0,
    x_labels: 4,
};
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

/// The smallest "nice" ceiling (1, 2, 2.5 or 5 × a power of ten) at or above `max`.
pub fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|c| *c >= max)
        .unwrap_or(10.0 * power)
}

/// Where each of `n` bars starts and how wide it is, inside the plot area.
fn bar_slots(n: usize, frame: Frame) -> (f64, f64) {
    let plot = frame.width - LEFT - RIGHT;
    let slot = plot / n.max(1) as f64;
    // A lone bar (a single day) stays a bar, not a slab.
    let width = (slot * 0.7).clamp(1.0, 48.0);
    (slot, width)
}

/// A bar chart of labelled values, e.g. posts per day. `summary` is the
/// accessible name (what the chart shows, with its key figure). `half`
/// charts sit two to a row from `lg` up, and take the narrow drawing there.
/// `percent` charts hold hundredths of a percent (425 reads "4.25%").
#[component]
pub fn BarChart(
    #[prop(into)] title: String,
    #[prop(into)] summary: String,
    points: Vec<(String, i64)>,
    #[prop(optional)] testid: &'static str,
    #[prop(optional)] half: bool,
    #[prop(optional)] percent: bool,
) -> impl IntoView {
    let (wide, narrow) = if half {
        (
            "hidden h-auto w-full sm:block lg:hidden",
            "h-auto w-full sm:hidden lg:block",
        )
    } else {
        ("hidden h-auto w-full sm:block", "h-auto w-full sm:hidden")
    };
    let unit = Unit { percent };
    let wide = drawing(&points, &summary, WIDE, wide, unit);
    let phone = drawing(&points, &summary, NARROW, narrow, unit);
    view! {
        <figure class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid=testid>
            <figcaption class="mb-2 text-sm font-semibold text-slate-900">{title}</figcaption>
            {wide}
            {phone}
            <table class="sr-only">
                <caption>"Figures behind the chart"</caption>
                <tbody>
                    {points.into_iter().map(|(label, value)| view! { <tr><th scope="row">{label}</th><td>{unit.show(value as f64)}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </figure>
    }
}

/// How a chart's values read.
#[derive(Clone, Copy)]
struct Unit {
    percent: bool,
}

impl Unit {
    fn show(self, v: f64) -> String {
        if self.percent {
            let p = v / 100.0;
            if (p - p.round()).abs() < 1e-9 {
                format!("{p:.0}%")
            } else {
                format!("{p:.1}%")
            }
        } else {
            axis_number(v)
        }
    }
}

fn drawing(points: &[(String, i64)], summary: &str, frame: Frame, class: &'static str, unit: Unit) -> impl IntoView {
    let width = frame.width;
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let ceiling = nice_ceiling(max as f64);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let (slot, bar_w) = bar_slots(points.len(), frame);
    let every = points.len().div_ceil(frame.x_labels).max(1);
    let y = move |v: f64| TOP + plot_h - v / ceiling * plot_h;
    let ticks: Vec<f64> = (0..=4).map(|i| ceiling * i as f64 / 4.0).collect();
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
            let top = y(*value as f64);
            let show_label = i % every == 0;
            view! {
                <g>
                    <rect x=format!("{x:.1}") y=format!("{top:.1}") width=format!("{bar_w:.1}") height=format!("{:.1}", (TOP + plot_h - top).max(0.0))
                        rx="2" class="fill-indigo-500"><title>{format!("{label}: {}", unit.show(*value as f64))}</title></rect>
                    {show_label.then(|| view! {
                        <text x=format!("{:.1}", x + bar_w / 2.0) y=format!("{:.1}", HEIGHT - BOTTOM + 16.0) text-anchor="middle" class="fill-slate-500 text-[11px]">{short_label(label)}</text>
                    })}
                </g>
            }
        })
        .collect_view();
    let empty = points.iter().all(|(_, v)| *v == 0);
    view! {
        <svg viewBox=format!("0 0 {width} {HEIGHT}") class=class role="img" aria-label=summary.to_owned() preserveAspectRatio="xMidYMid meet">
            {ticks.into_iter().map(|t| view! {
                <g>
                    <line x1=format!("{LEFT}") x2=format!("{}", width - RIGHT) y1=format!("{:.1}", y(t)) y2=format!("{:.1}", y(t)) class="stroke-slate-200" stroke-width="1"/>
                    <text x=format!("{}", LEFT - 6.0) y=format!("{:.1}", y(t) + 4.0) text-anchor="end" class="fill-slate-500 text-[11px]">{unit.show(t)}</text>
                </g>
            }).collect_view()}
            <line x1=format!("{LEFT}") x2=format!("{LEFT}") y1=format!("{TOP}") y2=format!("{:.1}", TOP + plot_h) class="stroke-slate-400" stroke-width="1"/>
            <line x1=format!("{LEFT}") x2=format!("{}", width - RIGHT) y1=format!("{:.1}", TOP + plot_h) y2=format!("{:.1}", TOP + plot_h) class="stroke-slate-400" stroke-width="1"/>
            {bars}
            {empty.then(|| view! {
                <text x=format!("{:.1}", LEFT + (width - LEFT - RIGHT) / 2.0) y=format!("{:.1}", TOP + plot_h / 2.0) text-anchor="middle" class="fill-slate-400 text-[13px]">"Nothing yet in this period"</text>
            })}
        </svg>
    }
}

/// "2026-12-02" reads as "2 Dec" under a bar; other labels stay as they are.
fn short_label(label: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = label.split('-').collect();
    match parts.as_slice() {
        [_, m, d] if m.len() == 2 && d.len() == 2 => {
            let month = m.parse::<usize>().ok().and_then(|m| MONTHS.get(m.wrapping_sub(1)));
            match (month, d.parse::<u32>()) {
                (Some(month), Ok(day)) => format!("{day} {month}"),
                _ => label.to_owned(),
            }
        }
        _ if label.chars().count() > 14 => format!("{}…", label.chars().take(13).collect::<String>()),
        _ => label.to_owned(),
    }
}

fn axis_number(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        grouped(v as i64)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round_and_never_below_the_data() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(21.0), 25.0);
        assert_eq!(nice_ceiling(101.0), 200.0);
    }

    #[test]
    fn a_single_bar_keeps_a_bar_width() {
        let (slot, width) = bar_slots(1, WIDE);
        assert!(slot > 500.0 && width <= 48.0);
        let (_, width) = bar_slots(90, NARROW);
        assert!(width >= 1.0);
    }

    #[test]
    fn day_labels_are_short() {
        assert_eq!(short_label("2026-12-02"), "2 Dec");
        assert_eq!(short_label("Pro"), "Pro");
        assert_eq!(short_label("WordPress refused the password"), "WordPress ref…");
    }
}
