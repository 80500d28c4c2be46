//! Captures the log events the app writes inside requests, by request id,
//! so tests can check what a request logged and at which level. Installed
//! once as the test binary's global subscriber (the app under test never
//! installs one of its own).

use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

#[derive(Debug, Clone)]
pub struct Line {
    pub request_id: String,
    pub level: Level,
    pub message: String,
}

static LINES: Mutex<Vec<Line>> = Mutex::new(Vec::new());

/// Starts capturing (once per test binary).
pub fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let layer = Capture.with_filter(tracing_subscriber::filter::LevelFilter::INFO);
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
    });
}

/// What the request with this id logged.
pub fn lines_of(request_id: &str) -> Vec<Line> {
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.request_id == request_id)
        .cloned()
        .collect()
}

struct RequestIdOf(String);

#[derive(Default)]
struct Fields {
    request_id: Option<String>,
    message: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "request_id" => self.request_id = Some(format!("{value:?}")),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "request_id" => self.request_id = Some(value.to_owned()),
            "message" => self.message = value.to_owned(),
            _ => {}
        }
    }
}

struct Capture;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, id: &tracing::span::Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(request_id), Some(span)) = (fields.request_id, ctx.span(id)) {
            span.extensions_mut().insert(RequestIdOf(request_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(scope) = ctx.event_scope(event) else { return };
        let request_id = scope
            .from_root()
            .find_map(|span| span.extensions().get::<RequestIdOf>().map(|r| r.0.clone()));
        if let Some(request_id) = request_id {
            let mut fields = Fields::default();
            event.record(&mut fields);
            LINES.lock().unwrap().push(Line {
                request_id,
                level: *event.metadata().level(),
                message: fields.message,
            });
        }
    }
}
