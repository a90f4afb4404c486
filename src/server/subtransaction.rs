//! Running code in an internal subtransaction, the way PL/pgSQL runs an EXCEPTION block:
//! SQL SAVEPOINT cannot be issued through SPI.

use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;
use std::panic::AssertUnwindSafe;

/// Run `f` in a subtransaction. On success it is released (its effects stay, within the caller's
/// transaction); if `f` raises an error it is rolled back and the error returned. Either way the
/// memory context and resource owner are those of the caller again. `f` must open and close any
/// SPI connection it uses itself.
pub fn in_subtransaction<R>(f: impl FnOnce() -> R) -> Result<R, Box<CaughtError>> {
    run(f, Keep::OnSuccess)
}

/// Run `f` in a subtransaction that is always rolled back (a dry run): its effects, locks
/// included, are gone afterwards, whether it succeeded or not.
pub fn rolled_back<R>(f: impl FnOnce() -> R) -> Result<R, Box<CaughtError>> {
    run(f, Keep::Never)
}

#[derive(Clone, Copy, PartialEq)]
enum Keep {
    OnSuccess,
    Never,
}

fn run<R>(f: impl FnOnce() -> R, keep: Keep) -> Result<R, Box<CaughtError>> {
    // SAFETY: we are in a backend inside a transaction (a SQL function is running). The saved
    // context and owner outlive the subtransaction: they belong to the caller.
    let (context, owner) = unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) };
    unsafe {
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        // Run in the caller's memory context, as PL/pgSQL does, so results survive the release.
        pg_sys::CurrentMemoryContext = context;
    }
    let outcome =
        PgTryBuilder::new(AssertUnwindSafe(|| Ok(f()))).catch_others(|e| Err(Box::new(e))).execute();
    // SAFETY: the subtransaction begun above is the current one: `f` either finished normally
    // (and closed what it opened) or raised an error that pgrx caught and flushed.
    unsafe {
        match (&outcome, keep) {
            (Ok(_), Keep::OnSuccess) => pg_sys::ReleaseCurrentSubTransaction(),
            _ => pg_sys::RollbackAndReleaseCurrentSubTransaction(),
        }
        pg_sys::CurrentMemoryContext = context;
        pg_sys::CurrentResourceOwner = owner;
    }
    outcome
}
