//! Settings that last for one build only.

use pgrx::pg_sys;

/// A GUC nesting level, like the one PostgreSQL opens for a function with a SET clause.
/// `enter` applies the build's own settings; `leave` rolls back every setting changed since,
/// including plain `SET` and `set_config(..., false)` run by the build's files, so a build
/// leaves the caller's session as it found it. If an error ends the build instead, transaction
/// or subtransaction abort rolls the level back; `leave` must not run then.
pub struct GucScope {
    nest_level: i32,
}

impl GucScope {
    pub fn enter(settings: &[(&std::ffi::CStr, &std::ffi::CStr)]) -> Self {
        // SAFETY: plain calls into guc.c from a backend inside a transaction.
        let nest_level = unsafe { pg_sys::NewGUCNestLevel() };
        for (name, value) in settings {
            // SAFETY: name and value are NUL-terminated; GUC_ACTION_SAVE ties the change to the
            // nest level opened above, elevel ERROR makes a refused value an error.
            unsafe {
                pg_sys::set_config_option(
                    name.as_ptr(),
                    value.as_ptr(),
                    if pg_sys::superuser() {
                        pg_sys::GucContext::PGC_SUSET
                    } else {
                        pg_sys::GucContext::PGC_USERSET
                    },
                    pg_sys::GucSource::PGC_S_SESSION,
                    pg_sys::GucAction::GUC_ACTION_SAVE,
                    true,
                    pgrx::PgLogLevel::ERROR as i32,
                    false,
                );
            }
        }
        Self { nest_level }
    }

    pub fn leave(self) {
        // SAFETY: `isCommit = false` restores the prior values, as PostgreSQL does after index
        // builds and ANALYZE to undo settings changed by user code.
        unsafe { pg_sys::AtEOXact_GUC(false, self.nest_level) }
    }
}
