//! Values that are parsed once at the edge; holding one means it is valid.

mod email;
mod names;
mod password;
mod schedule;
mod settings;
mod site_url;

pub use email::Email;
pub use names::{PersonName, SiteName, WorkspaceName};
pub use password::Password;
pub use schedule::{format_day, format_in_zone, local_midnight, parse_time_zone, Schedule, ScheduleKind};
pub use settings::{split_names, AutomationSettings, TONES};
pub use site_url::SiteUrl;
