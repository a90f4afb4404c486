//! Migrations that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM...): the
//! client runs their statements one at a time in autocommit mode, while it holds the migration
//! lock at session level; these functions give it the statements and record what it did.

use super::events::{self, Event};
use super::executor::event_detail;
use super::store::{applied, lock, record_history, registered, script_of};
use super::{Direction, Registered};
use crate::errors::invalid;
use crate::script::statements_with_lines;
use crate::server::error_position::ErrorPositionProbe;
use crate::sources::Source;
use serde_json::{json, Value};

/// The migration `version`, when its `direction` script has a statement that must run outside a
/// transaction and the migration is in the state that script starts from.
fn outside_migration(version: &str, direction: &str) -> (Registered, Direction) {
    let Some(direction) = Direction::parse(direction) else {
        invalid(format!("direction must be up or down, not \"{direction}\""), None);
    };
    let Some(migration) = registered().into_iter().find(|m| m.version == version) else {
        invalid(format!("migration {version} is not registered"), None);
    };
    if direction == Direction::Down && !migration.has_down {
        invalid(format!("migration {version}_{} has no down script", migration.name), None);
    }
    if direction.outside_transaction(&migration).is_none() {
        invalid(
            format!("{} has no statement that must run outside a transaction", direction.label(&migration)),
            Some(format!("Run it with confiture.migrate_{}().", direction.as_str())),
        );
    }
    let is_applied = applied().iter().any(|a| a.version == version);
    match (direction, is_applied) {
        (Direction::Up, true) => {
            invalid(format!("migration {version}_{} is already applied", migration.name), None)
        }
        (Direction::Down, false) => {
            invalid(format!("migration {version}_{} is not applied", migration.name), None)
        }
        _ => (migration, direction),
    }
}

/// The statements of a script that runs outside a transaction, with the line each starts on.
pub fn statements(version: &str, direction: &str) -> Vec<(i32, String)> {
    let (migration, direction) = outside_migration(version, direction);
    let source = Source { name: direction.label(&migration), text: script_of(version, direction.column()) };
    let probe = ErrorPositionProbe::install();
    statements_with_lines(&source, &probe)
}

/// Record a step of a run outside a transaction: `started` before the first statement,
/// `completed` after the last (the history changes then), `failed` when one failed.
pub fn record(
    version: &str,
    direction: &str,
    outcome: &str,
    (duration_ms, statements, rows_affected): (f64, i32, i64),
    error: Option<Value>,
) {
    lock();
    let (migration, direction) = outside_migration(version, direction);
    let counts = json!({
        "outside_transaction": true,
        "duration_ms": duration_ms,
        "statements": statements,
        "rows_affected": rows_affected,
    });
    let version = Some(version);
    match outcome {
        "started" => {
            let detail = event_detail(&migration, direction, json!({ "outside_transaction": true }));
            events::record(Event::MigrationStarted, version, detail);
        }
        "completed" => {
            record_history(&migration, direction, (duration_ms, statements, rows_affected));
            events::record(Event::MigrationCompleted, version, event_detail(&migration, direction, counts));
        }
        "failed" => {
            let mut detail = event_detail(&migration, direction, counts);
            detail["error"] = error.unwrap_or(Value::Null);
            events::record(Event::MigrationFailed, version, detail);
        }
        other => invalid(format!("outcome must be started, completed or failed, not \"{other}\""), None),
    }
}
