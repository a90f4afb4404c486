//! Dry runs: migrations (or any SQL text) run in a subtransaction that is always rolled back,
//! observed before the rollback: duration, rows, locks taken, tables rewritten.

use super::events::{self, Event};
use super::executor::{error_json, run_script, run_with_hooks};
use super::hook_calls;
use super::hooks::Context;
use super::observe;
use super::StepStatus;
use super::{Direction, Registered};
use crate::script::parts_of;
use crate::server::scope::Scope;
use confiture_core::wire::Step;
use serde_json::{json, Value};

/// Run `plan` in one subtransaction that is always rolled back (later migrations see the
/// effects of earlier ones), with their hooks (on_error excepted), observing each. A failing
/// migration, or one that cannot run in a transaction, is reported and ends the dry run. The
/// dry_run_* events are recorded outside the rolled-back part, so they stay.
pub fn dry_run_plan(plan: &[&Registered]) -> Vec<Step> {
    let versions: Vec<&str> = plan.iter().map(|m| m.version.as_str()).collect();
    events::record(Event::DryRunStarted, None, json!({ "migrations": versions }));
    let hooks = hook_calls::load();
    let mut outcomes: Vec<Step> = Vec::new();
    let mut current: Option<&Registered> = None;
    let failed = Scope::rolled_back()
        .run(|probe| {
            for migration in plan {
                current = Some(migration);
                if let Some(what) = migration.up_outside_transaction.as_deref() {
                    let why = format!(
                    "{} contains {what}, which cannot run inside a transaction: a dry run could not roll it \
                     back, so it was not run, nor anything after it",
                    Direction::Up.label(migration)
                );
                    outcomes.push(Step::stopped(
                        &migration.version,
                        &migration.name,
                        StepStatus::Skipped,
                        json!({ "message": why }),
                    ));
                    return;
                }
                let mut context = Context::new(&migration.version, &migration.name, "up", true);
                let observed =
                    observe_run(|| run_with_hooks(&hooks, migration, Direction::Up, &mut context, probe));
                outcomes.push(observed.into_outcome(&migration.version, &migration.name));
            }
        })
        .err();
    if let (Some(failure), Some(migration)) = (failed, current) {
        // The migration that failed has no outcome yet: report it with its error.
        if !outcomes.iter().any(|o| o.version == migration.version) {
            outcomes.push(Step::stopped(
                &migration.version,
                &migration.name,
                StepStatus::WouldFail,
                error_json(&parts_of(failure.error)),
            ));
        }
    }
    for outcome in &outcomes {
        record_outcome(Some(&outcome.version), outcome);
    }
    outcomes
}

fn record_outcome(version: Option<&str>, outcome: &Step) {
    let event =
        if outcome.status == StepStatus::DryRun { Event::DryRunCompleted } else { Event::DryRunFailed };
    let mut detail = json!({
        "name": outcome.name,
        "status": outcome.status.as_str(),
        "duration_ms": outcome.duration_ms,
        "statements": outcome.statements,
        "rows_affected": outcome.rows_affected,
        "locks": outcome.locks,
        "rewritten": outcome.rewritten,
    });
    if let Some(error) = &outcome.error {
        detail["error"] = error.clone();
    }
    events::record(event, version, detail);
}

/// What one script did in a dry run, before the rollback.
struct Observed {
    ran: (f64, i32, i64),
    locks: Vec<String>,
    rewritten: Vec<String>,
}

impl Observed {
    fn into_outcome(self, version: &str, name: &str) -> Step {
        Step {
            locks: self.locks,
            rewritten: self.rewritten,
            ..Step::ran(version, name, StepStatus::DryRun, self.ran)
        }
    }
}

/// Run `script`, noting the locks it took and the tables it rewrote.
fn observe_run(script: impl FnOnce() -> (f64, i32, i64)) -> Observed {
    let (files, locks) = (observe::table_files(), observe::held_locks());
    let ran = script();
    let (locks, rewritten) = observe::changes(&files, &locks);
    Observed { ran, locks, rewritten }
}

/// Dry-run any SQL text: run it in a subtransaction that is always rolled back and report
/// what it did.
pub fn dry_run(sql: &str, name: &str) -> Step {
    events::record(Event::DryRunStarted, None, json!({ "name": name }));
    let mut observed = None;
    let failed = Scope::rolled_back()
        .run(|probe| {
            observed = Some(observe_run(|| run_script(name.to_string(), sql.to_string(), probe)));
        })
        .err();
    let outcome = match (observed, failed) {
        (Some(observed), None) => observed.into_outcome("", name),
        (_, failed) => {
            let error = failed.map_or(Value::Null, |f| error_json(&parts_of(f.error)));
            Step::stopped("", name, StepStatus::WouldFail, error)
        }
    };
    record_outcome(None, &outcome);
    outcome
}
