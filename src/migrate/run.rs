//! migrate_up and migrate_down: the plan from the store, each script run by the executor with its
//! hooks, all in one subtransaction, the history and events recorded.

use super::events::{self, Event};
use super::executor::{error_json, event_detail, run_with_hooks};
use super::hook_calls;
use super::hooks::Context;
use super::store::{applied, drift_error, lock, record_history, registered};
use super::{
    down_plan, pending, refuse_outside_transaction, statuses, Applied, Direction, Registered, State,
    StepStatus,
};
use crate::errors::{invalid, raise};
use crate::script::parts_of;
use crate::server::scope::Scope;
use confiture_core::wire::Step;
use serde_json::json;

/// Apply every registered, unapplied migration in version order, up to `target`. A dry run
/// runs them in a subtransaction that is always rolled back and reports what they did.
/// `raise_on_failure` false: a failure is returned as a row instead of raised, so that the
/// caller's transaction keeps its event and what the on_error hooks did (the migrations of the
/// call are rolled back all the same).
pub fn up(target: Option<&str>, dry_run: bool, raise_on_failure: bool) -> Vec<Step> {
    lock();
    let registered = registered();
    let applied = applied();
    refuse_blocked(&registered, &applied);
    let plan = pending(&registered, &applied, target).unwrap_or_else(|e| invalid(e, None));
    if dry_run {
        return super::dry::dry_run_plan(&plan);
    }
    refuse_outside_transaction(&plan, Direction::Up).unwrap_or_else(|(message, hint)| {
        raise(crate::errors::codes::NEEDS_OUTSIDE_TRANSACTION, message, None, Some(hint))
    });
    run_plan(&plan, Direction::Up, raise_on_failure)
}

/// Nothing runs while an applied migration drifted (its text changed) or is missing (no longer
/// registered): the CLI refuses the same states, from its files.
fn refuse_blocked(registered: &[Registered], applied: &[Applied]) {
    let Some((version, name, state)) =
        statuses(registered, applied, None).into_iter().find(|(_, _, s)| s.blocks())
    else {
        return;
    };
    if state == State::Missing {
        raise(
            crate::errors::codes::CHECKSUM_DRIFT,
            format!("migration {version}_{name} is applied but no longer registered: refused"),
            None,
            Some(format!("Register its text again (confiture migrate up does, from db/migrations/{version}_{name}.up.sql).")),
        );
    }
    let was = applied.iter().find(|a| a.version == version).map_or("", |a| a.checksum.as_str());
    let now = registered.iter().find(|r| r.version == version).map_or("", |r| r.checksum.as_str());
    drift_error(&version, &name, was, now);
}

/// Run the down scripts of the `steps` last applied migrations, the last applied first.
pub fn down(steps: i32, raise_on_failure: bool) -> Vec<Step> {
    lock();
    let registered = registered();
    let applied = applied();
    let plan = down_plan(&registered, &applied, steps).unwrap_or_else(|e| invalid(e, None));
    refuse_outside_transaction(&plan, Direction::Down).unwrap_or_else(|(message, hint)| {
        raise(crate::errors::codes::NEEDS_OUTSIDE_TRANSACTION, message, None, Some(hint))
    });
    run_plan(&plan, Direction::Down, raise_on_failure)
}

/// Run each migration's script with its hooks, then record it, all in one subtransaction: on a
/// failure nothing of the call remains, the on_error hooks run, the failure is recorded, and
/// then raised (or returned). The settings a script changes last for the call only.
fn run_plan(plan: &[&Registered], direction: Direction, raise_on_failure: bool) -> Vec<Step> {
    let hooks = hook_calls::load();
    let mut outcomes = Vec::new();
    let mut current: Option<(&Registered, Context)> = None;
    let failed = Scope::kept_on_success().run(|probe| {
        for (done, migration) in plan.iter().enumerate() {
            let context = Context::new(&migration.version, &migration.name, direction.as_str(), false);
            let (_, context) = current.insert((migration, context));
            events::record(
                Event::MigrationStarted,
                Some(&migration.version),
                event_detail(migration, direction, json!({})),
            );
            let ran = run_with_hooks(&hooks, migration, direction, context, probe);
            record_history(migration, direction, ran);
            let outcome = Step::ran(&migration.version, &migration.name, direction.done(), ran);
            let counts = json!({ "duration_ms": ran.0, "statements": ran.1, "rows_affected": ran.2 });
            events::record(
                Event::MigrationCompleted,
                Some(&migration.version),
                event_detail(migration, direction, counts),
            );
            // Progress for clients that ask for it (the CLI's bar: client_min_messages = debug1).
            pgrx::debug1!("confiture progress: {} {}/{}", direction.label(migration), done + 1, plan.len());
            outcomes.push(outcome);
        }
    });
    let Err(caught) = failed else {
        return outcomes;
    };
    let parts = parts_of(caught.error);
    let error = error_json(&parts);
    if let Some((migration, mut context)) = current {
        hook_calls::run_on_error(&hooks, &migration.version, &mut context, &error);
        let detail = event_detail(migration, direction, json!({ "error": error }));
        events::record(Event::MigrationFailed, Some(&migration.version), detail);
        if !raise_on_failure {
            return vec![Step::stopped(&migration.version, &migration.name, StepStatus::Failed, error)];
        }
    }
    raise(parts.0, parts.1, parts.2, parts.3)
}
