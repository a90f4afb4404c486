//! A short-lived memory context for parse trees and scanner state.

use pgrx::pg_sys;

/// Makes a fresh child memory context current for its lifetime. On drop, including while an
/// error unwinds through it, the previous context becomes current again before the scratch one
/// is deleted, so `CurrentMemoryContext` never points at freed memory.
/// (pgrx's `PgMemoryContexts::switch_to` does not restore the context on unwind.)
pub struct ScratchContext {
    previous: pg_sys::MemoryContext,
    scratch: pg_sys::MemoryContext,
}

impl ScratchContext {
    pub fn enter() -> Self {
        // SAFETY: we run in a backend, where `CurrentMemoryContext` is always a valid context;
        // the name is a static C string, as AllocSetContextCreate requires.
        unsafe {
            let previous = pg_sys::CurrentMemoryContext;
            let scratch = pg_sys::AllocSetContextCreateExtended(
                previous,
                c"confiture scratch".as_ptr(),
                pg_sys::ALLOCSET_DEFAULT_MINSIZE as usize,
                pg_sys::ALLOCSET_DEFAULT_INITSIZE as usize,
                pg_sys::ALLOCSET_DEFAULT_MAXSIZE as usize,
            );
            pg_sys::CurrentMemoryContext = scratch;
            Self { previous, scratch }
        }
    }
}

impl Drop for ScratchContext {
    fn drop(&mut self) {
        // SAFETY: `previous` was current when we were created and outlives us (it is our
        // parent); `scratch` is ours and no longer current once we switch back.
        unsafe {
            pg_sys::CurrentMemoryContext = self.previous;
            pg_sys::MemoryContextDelete(self.scratch);
        }
    }
}
