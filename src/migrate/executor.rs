//! Running one migration's script between its hooks, and how a run's errors are reported.

use super::hook_calls::{self, HookFailure};
use super::hooks::{Context, Hook, Phase};
use super::store::script_of;
use super::{Direction, Registered};
use crate::errors::{raise, sqlstate};
use crate::script::{run_source, ErrorParts, Purpose};
use crate::server::error_position::ErrorPositionProbe;
use crate::sources::Source;
use pgrx::prelude::*;
use serde_json::{json, Value};
use std::time::Instant;

/// An error as the rows and events report it.
pub(super) fn error_json((code, message, detail, hint): &ErrorParts) -> Value {
    json!({ "sqlstate": sqlstate(*code), "message": message, "detail": detail, "hint": hint })
}

/// Run one script and return what it did.
pub(super) fn run_script(label: String, text: String, probe: &ErrorPositionProbe) -> (f64, i32, i64) {
    let started = Instant::now();
    let source = Source { name: label, text };
    let run = Spi::connect_mut(|client| run_source(client, &source, probe, Purpose::Migration));
    let duration_ms = (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0;
    (duration_ms, run.statements as i32, run.rows_affected as i64)
}

/// The detail of a migration event.
pub(super) fn event_detail(migration: &Registered, direction: Direction, extra: Value) -> Value {
    let mut detail = json!({ "name": migration.name, "direction": direction.as_str() });
    if let (Some(detail), Value::Object(extra)) = (detail.as_object_mut(), extra) {
        detail.extend(extra);
    }
    detail
}

/// Run one migration's script between its hooks: before_validation, before_ddl, the script,
/// after_ddl, after_validation, cleanup. A failing hook fails the migration, named.
pub(super) fn run_with_hooks(
    hooks: &[Hook],
    migration: &Registered,
    direction: Direction,
    context: &mut Context,
    probe: &ErrorPositionProbe,
) -> (f64, i32, i64) {
    let label = direction.label(migration);
    let run_phases = |phases: &[Phase], context: &mut Context| {
        for phase in phases {
            hook_calls::run_phase(hooks, *phase, &migration.version, context)
                .unwrap_or_else(|failure| raise_hook_failure(&label, *failure));
        }
    };
    run_phases(&Phase::BEFORE, context);
    let ran = run_script(label.clone(), script_of(&migration.version, direction.column()), probe);
    run_phases(&Phase::AFTER, context);
    ran
}

fn raise_hook_failure(label: &str, failure: HookFailure) -> ! {
    let (code, message, detail, hint) = failure.error;
    raise(
        code,
        format!("{label}: hook {} failed in {}: {message}", failure.hook, failure.phase.as_str()),
        detail,
        hint,
    )
}
