//! Hooks, server side: stored in confiture.migration_hooks, checked when registered, each call
//! in its own subtransaction so that a failure is caught, named and recorded.

use super::events::{self, Event};
use super::hooks::{check_shape, for_phase, Context, FunctionShape, Hook, Phase};
use super::spi;
use crate::errors::invalid;
use crate::errors::{raise, sqlstate};
use crate::script::{parts_of, ErrorParts};
use crate::server::function_ref;
use crate::server::scope::Scope;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::{json, Value};

/// A hook that raised an error: which one, in which phase, and the error.
pub struct HookFailure {
    pub hook: String,
    pub phase: Phase,
    pub error: ErrorParts,
}

/// Every registered hook, in run order.
pub fn load() -> Vec<Hook> {
    spi(
        "reading confiture.migration_hooks",
        Spi::connect(|client| {
            client
                .select(
                    "SELECT phase, function, version FROM confiture.migration_hooks \
                     ORDER BY position, registered_at, function COLLATE \"C\"",
                    None,
                    &[],
                )?
                .map(|row| {
                    let phase: String = row.get(1)?.unwrap_or_default();
                    Ok(Hook {
                        // The table's CHECK constraint admits only known phases.
                        phase: Phase::parse(&phase).unwrap_or(Phase::OnError),
                        signature: row.get(2)?.unwrap_or_default(),
                        version: row.get(3)?,
                    })
                })
                .collect::<Result<Vec<_>, pgrx::spi::Error>>()
        }),
    )
}

/// What confiture.register_hook() stores, once every check passed.
pub fn register(phase: &str, function: pg_sys::Oid, version: Option<&str>, position: i32) {
    let Some(phase) = Phase::parse(phase) else {
        invalid(format!(
            "unknown hook phase \"{phase}\": use before_validation, before_ddl, after_ddl, after_validation, cleanup or on_error"
        ), None);
    };
    if let Some(version) = version {
        super::check_version(version).unwrap_or_else(|e| invalid(e, None));
    }
    let shape = function_shape(function)
        .unwrap_or_else(|| invalid(format!("no function with OID {}", function.to_u32()), None));
    check_shape(&shape).unwrap_or_else(|e| invalid(e, None));
    let signature = function_ref::signature_of(function)
        .unwrap_or_else(|| invalid(format!("no function with OID {}", function.to_u32()), None));
    spi(
        "saving the hook",
        Spi::run_with_args(
            "INSERT INTO confiture.migration_hooks (phase, function, version, position) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (phase, function, version) DO UPDATE SET position = EXCLUDED.position",
            &[
                DatumWithOid::from(phase.as_str()),
                DatumWithOid::from(signature.as_str()),
                DatumWithOid::from(version),
                DatumWithOid::from(position),
            ],
        ),
    );
}

fn function_shape(function: pg_sys::Oid) -> Option<FunctionShape> {
    const QUERY: &str = "SELECT p.oid::regprocedure::text, p.prokind::text, p.proretset, \
        ARRAY(SELECT format_type(a.t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, n) ORDER BY a.n), \
        format_type(p.prorettype, NULL) FROM pg_proc p WHERE p.oid = $1";
    spi(
        "reading the function",
        Spi::connect(|client| {
            let row = client.select(QUERY, None, &[DatumWithOid::from(function)])?.first();
            if row.is_empty() {
                return Ok(None);
            }
            Ok::<_, pgrx::spi::Error>(Some(FunctionShape {
                signature: row.get(1)?.unwrap_or_default(),
                kind: row.get(2)?.unwrap_or_default(),
                returns_set: row.get(3)?.unwrap_or(false),
                argument_types: row.get(4)?.unwrap_or_default(),
                return_type: row.get(5)?.unwrap_or_default(),
            }))
        }),
    )
}

/// Run the hooks of `phase` for one migration; the first failure stops them and is returned.
pub fn run_phase(
    hooks: &[Hook],
    phase: Phase,
    version: &str,
    context: &mut Context,
) -> Result<(), Box<HookFailure>> {
    for hook in for_phase(hooks, phase, version) {
        run_hook(hook, phase, version, context, None)?;
    }
    Ok(())
}

/// Run the on_error hooks after a failed migration was rolled back. Every one runs: a failing
/// one is recorded and reported as a warning, not allowed to hide the original error.
pub fn run_on_error(hooks: &[Hook], version: &str, context: &mut Context, error: &Value) {
    for hook in for_phase(hooks, Phase::OnError, version) {
        if let Err(failure) = run_hook(hook, Phase::OnError, version, context, Some(error)) {
            pgrx::warning!("confiture: on_error hook {} failed: {}", failure.hook, failure.error.1);
        }
    }
}

fn run_hook(
    hook: &Hook,
    phase: Phase,
    version: &str,
    context: &mut Context,
    error: Option<&Value>,
) -> Result<(), Box<HookFailure>> {
    let argument = context.argument(phase, error);
    let named = json!({ "phase": phase.as_str(), "hook": hook.signature });
    events::record(Event::HookStarted, Some(version), named.clone());
    match Scope::kept_on_success().run(|_| call(hook, argument)) {
        Ok(result) => {
            events::record(Event::HookCompleted, Some(version), with(named, "result", result.clone()));
            context.add_result(hook, result);
            Ok(())
        }
        Err(caught) => {
            let error = parts_of(caught.error);
            let failure = json!({ "sqlstate": sqlstate(error.0), "message": error.1 });
            events::record(Event::HookFailed, Some(version), with(named, "error", failure));
            Err(Box::new(HookFailure { hook: hook.signature.clone(), phase, error }))
        }
    }
}

fn with(mut object: Value, key: &str, value: Value) -> Value {
    object[key] = value;
    object
}

/// Call one hook with its argument; raises when it fails or no longer exists.
fn call(hook: &Hook, argument: Value) -> Value {
    // Called through its OID (oid::regproc names exactly that function, quoted as needed).
    let query =
        function_ref::resolve(&hook.signature).map(|oid| format!("SELECT {}($1)::text", oid_call_name(oid)));
    let Some(query) = query else {
        raise(
            PgSqlErrorCode::ERRCODE_UNDEFINED_FUNCTION,
            "its function was dropped after the hook was registered".to_string(),
            None,
            Some(format!(
                "Create the function again, or remove the hook: DELETE FROM confiture.migration_hooks WHERE function = '{}'",
                hook.signature.replace('\'', "''")
            )),
        );
    };
    let result = spi(
        "calling the hook",
        Spi::get_one_with_args::<String>(&query, &[DatumWithOid::from(JsonB(argument))]),
    );
    // The text of a jsonb value always parses.
    result.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or(Value::Null)
}

/// The schema-qualified, quoted name of a function, for a call.
fn oid_call_name(oid: pg_sys::Oid) -> String {
    spi(
        "naming the hook function",
        Spi::get_one_with_args::<String>(
            "SELECT format('%I.%I', n.nspname, p.proname) FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = $1",
            &[DatumWithOid::from(oid)],
        ),
    )
    .unwrap_or_else(|| pgrx::error!("function {} vanished", oid.to_u32()))
}
