//! Structured events: one row in confiture.migration_events each and, when the
//! confiture.log_events setting is on, one JSON line in the server log (which outlives a
//! rolled-back transaction, where the row does not).

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, JsonB};
use serde_json::{json, Value};

pub static LOG_EVENTS: GucSetting<bool> = GucSetting::<bool>::new(false);

/// Called from _PG_init. Superuser-only, like the other logging settings: an audit trail that
/// any role could switch off would not be one.
pub fn define_settings() {
    GucRegistry::define_bool_guc(
        c"confiture.log_events",
        c"Write each confiture migration event to the server log as one JSON line.",
        c"The same events are rows in confiture.migration_events; the log keeps those of failed, rolled-back calls too.",
        &LOG_EVENTS,
        GucContext::Suset,
        GucFlags::default(),
    );
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    MigrationStarted,
    MigrationCompleted,
    MigrationFailed,
    HookStarted,
    HookCompleted,
    HookFailed,
    DryRunStarted,
    DryRunCompleted,
    DryRunFailed,
    MigrationMarkedApplied,
    /// `migrate up --interactive`: what the person at the terminal answered for a migration.
    MigrationAnswered,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::MigrationStarted => "migration_started",
            Event::MigrationCompleted => "migration_completed",
            Event::MigrationFailed => "migration_failed",
            Event::HookStarted => "hook_started",
            Event::HookCompleted => "hook_completed",
            Event::HookFailed => "hook_failed",
            Event::DryRunStarted => "dry_run_started",
            Event::DryRunCompleted => "dry_run_completed",
            Event::DryRunFailed => "dry_run_failed",
            Event::MigrationMarkedApplied => "migration_marked_applied",
            Event::MigrationAnswered => "migration_answered",
        }
    }
}

/// The server-log form of an event: one JSON object on one line.
pub fn log_line(id: i64, at: &str, event: Event, version: Option<&str>, detail: &Value) -> String {
    json!({ "confiture_event": event.name(), "id": id, "at": at, "version": version, "detail": detail })
        .to_string()
}

/// Record an event in the caller's transaction, and log it when confiture.log_events is on.
pub fn record(event: Event, version: Option<&str>, detail: Value) {
    // The detail is copied only for the log line, when there is one.
    let logged = LOG_EVENTS.get().then(|| detail.clone());
    let row = Spi::get_two_with_args::<i64, String>(
        "INSERT INTO confiture.migration_events (event, version, detail) VALUES ($1, $2, $3) \
         RETURNING id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
        &[DatumWithOid::from(event.name()), DatumWithOid::from(version), DatumWithOid::from(JsonB(detail))],
    )
    .unwrap_or_else(|e| pgrx::error!("confiture: recording the {} event: {e}", event.name()));
    if let Some(detail) = logged {
        let (id, at) = (row.0.unwrap_or_default(), row.1.unwrap_or_default());
        pgrx::log!("{}", log_line(id, &at, event, version, &detail));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_are_one_json_object_per_line() {
        let detail = json!({ "name": "add\nemail", "duration_ms": 1.5 });
        let line = log_line(7, "2026-11-21T12:00:00.000000Z", Event::MigrationCompleted, Some("42"), &detail);
        assert!(!line.contains('\n'), "a newline in a value must stay escaped: {line}");
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["confiture_event"], "migration_completed");
        assert_eq!(parsed["version"], "42");
        assert_eq!(parsed["detail"]["name"], "add\nemail");
        let without_version = log_line(8, "t", Event::DryRunStarted, None, &json!({}));
        assert_eq!(serde_json::from_str::<Value>(&without_version).unwrap()["version"], Value::Null);
    }
}
