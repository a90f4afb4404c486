//! The one way confiture runs SQL it did not write (build files, migrations, hooks, seeds,
//! custom lint rules) and the internal checks around it. A [`Scope`] puts together every piece
//! a safe run needs, so that none can be forgotten on one path:
//!
//! - a GUC nest level: settings the SQL changes (`SET`, `set_config(..., false)`) are put back
//!   when the scope ends, kept or not, so nothing leaks into the caller's session;
//! - an internal subtransaction (what PL/pgSQL's EXCEPTION block uses: SQL SAVEPOINT cannot be
//!   issued through SPI), released or always rolled back as the scope declares;
//! - an error position probe, so a failure comes back with where it happened;
//! - cancels are never swallowed: a query cancel or `statement_timeout` (and the rest of
//!   SQLSTATE class 57, operator intervention) is raised again once the scope is unwound, as
//!   PL/pgSQL's `WHEN OTHERS` never catches them either.

use super::error_position::{ErrorPosition, ErrorPositionProbe};
use super::guc_scope::GucScope;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;
use std::ffi::CStr;
use std::panic::AssertUnwindSafe;

/// What happens to the effects of the SQL run in a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effects {
    /// Kept (within the caller's transaction) when the SQL succeeds, rolled back when it fails.
    KeptOnSuccess,
    /// Always rolled back, locks included: a dry run, a check that promises to change nothing.
    RolledBack,
}

/// A settings value in force for the scope only.
pub type Setting = (&'static CStr, &'static CStr);

/// How SQL ran in a scope failed: the error and where PostgreSQL said it happened.
pub struct Failure {
    pub error: CaughtError,
    pub position: ErrorPosition,
}

/// Whether the settings the SQL changes are put back when the scope ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settings {
    PutBack(&'static [Setting]),
    /// Left to the enclosing scope, which puts them back: a statement whose `SET` must reach
    /// the next statement of the same file.
    SharedWithEnclosing,
}

pub struct Scope {
    effects: Effects,
    settings: Settings,
}

thread_local! {
    /// How many scopes are running on this backend: a scope that shares its settings needs one.
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Scope {
    pub fn kept_on_success() -> Self {
        Self { effects: Effects::KeptOnSuccess, settings: Settings::PutBack(&[]) }
    }

    pub fn rolled_back() -> Self {
        Self { effects: Effects::RolledBack, settings: Settings::PutBack(&[]) }
    }

    /// Settings applied when the scope starts, put back when it ends.
    pub fn with_settings(mut self, settings: &'static [Setting]) -> Self {
        self.settings = Settings::PutBack(settings);
        self
    }

    /// Settings changed in this scope outlive it, until the enclosing scope ends (a failed
    /// statement's are still undone by its subtransaction's rollback). Only inside a scope.
    pub fn sharing_settings(mut self) -> Self {
        self.settings = Settings::SharedWithEnclosing;
        self
    }

    /// Run `f` in the scope. An error `f` raises is caught, its subtransaction rolled back, and
    /// returned, unless it is a cancel, which is raised again.
    pub fn run<R>(self, f: impl FnOnce(&ErrorPositionProbe) -> R) -> Result<R, Box<Failure>> {
        self.run_then(f, || ())
    }

    /// As [`Scope::run`], and `after` runs once the scope is unwound, whatever the outcome,
    /// before a cancel is raised again: for work that must happen even then (sequences put
    /// back). `after` runs outside the scope, in the caller's transaction.
    pub fn run_then<R>(
        self,
        f: impl FnOnce(&ErrorPositionProbe) -> R,
        after: impl FnOnce(),
    ) -> Result<R, Box<Failure>> {
        let settings = match self.settings {
            Settings::PutBack(values) => Some(GucScope::enter(values)),
            Settings::SharedWithEnclosing => {
                if DEPTH.get() == 0 {
                    pgrx::error!("confiture: a scope sharing its settings must run inside another scope");
                }
                None
            }
        };
        let probe = ErrorPositionProbe::install();
        DEPTH.set(DEPTH.get() + 1);
        let outcome = in_subtransaction(|| f(&probe), self.effects);
        DEPTH.set(DEPTH.get() - 1);
        let position = probe.position();
        drop(probe);
        if let Some(settings) = settings {
            settings.leave();
        }
        after();
        match outcome {
            Ok(value) => Ok(value),
            Err(error) if must_propagate(&error) => error.rethrow(),
            Err(error) => Err(Box::new(Failure { error, position })),
        }
    }
}

/// SQLSTATE class 57 (operator intervention): query_canceled (57014, also statement_timeout),
/// admin_shutdown and the rest. FATAL errors never return here at all.
pub fn must_propagate(error: &CaughtError) -> bool {
    match error {
        CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => {
            crate::errors::sqlstate(report.sql_error_code()).starts_with("57")
        }
        CaughtError::RustPanic { .. } => false,
    }
}

fn in_subtransaction<R>(f: impl FnOnce() -> R, effects: Effects) -> Result<R, CaughtError> {
    // SAFETY: we are in a backend inside a transaction (a SQL function is running). The saved
    // context and owner outlive the subtransaction: they belong to the caller.
    let (context, owner) = unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) };
    unsafe {
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        // Run in the caller's memory context, as PL/pgSQL does, so results survive the release.
        pg_sys::CurrentMemoryContext = context;
    }
    let outcome = PgTryBuilder::new(AssertUnwindSafe(|| Ok(f()))).catch_others(Err).execute();
    // SAFETY: the subtransaction begun above is the current one: `f` either finished normally
    // (and closed what it opened, nested scopes included) or raised an error that pgrx caught
    // and flushed.
    unsafe {
        match (&outcome, effects) {
            (Ok(_), Effects::KeptOnSuccess) => pg_sys::ReleaseCurrentSubTransaction(),
            _ => pg_sys::RollbackAndReleaseCurrentSubTransaction(),
        }
        pg_sys::CurrentMemoryContext = context;
        pg_sys::CurrentResourceOwner = owner;
    }
    outcome
}
