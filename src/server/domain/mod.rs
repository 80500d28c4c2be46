//! Values that are parsed once at the edge; holding one means it is valid.

pub mod csv;
mod email;
mod names;
mod password;
pub mod pricing;
mod schedule;
mod settings;
mod site_url;
pub mod social_post;

pub use email::Email;
pub use names::{PersonName, SiteName, WorkspaceName};
pub use password::Password;
pub use schedule::{format_day, format_in_zone, local_midnight, parse_time_zone, Schedule, ScheduleKind};
pub use settings::{split_names, AutomationSettings, TONES};
pub use site_url::SiteUrl;

/// Text made safe to place in HTML, in an element or a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
