//! Remembering where an error happened. pgrx's conversion of a PostgreSQL error into a Rust
//! value keeps the message but drops the cursor position, so we read it the way PL/pgSQL does:
//! from an error context callback, which PostgreSQL calls while the error is being raised.

use pgrx::pg_sys;
use std::cell::Cell;
use std::ffi::c_void;

#[repr(C)]
struct Frame {
    callback: pg_sys::ErrorContextCallback,
    cursor: Cell<i32>,
    internal: Cell<i32>,
}

/// The positions of the last message raised while the probe was installed, as PostgreSQL
/// reports them: 1-based character positions, 0 when unknown. `cursor` is a position in the
/// text given to the parser directly; `internal` one in the query text SPI executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrorPosition {
    pub cursor: i32,
    pub internal: i32,
}

/// Installed on PostgreSQL's error context stack for its lifetime.
/// Create it, then call into PostgreSQL; drop it before the frame below it is popped.
pub struct ErrorPositionProbe {
    frame: Box<Frame>,
}

impl ErrorPositionProbe {
    pub fn install() -> Self {
        let mut frame = Box::new(Frame {
            callback: pg_sys::ErrorContextCallback::default(),
            cursor: Cell::new(0),
            internal: Cell::new(0),
        });
        let arg: *mut Frame = &mut *frame;
        frame.callback.arg = arg.cast();
        frame.callback.callback = Some(remember_position);
        // SAFETY: the frame is boxed, so its address is stable until we drop it, and Drop pops
        // it again. pgrx restores `error_context_stack` to its value at each FFI call's entry
        // when an error unwinds, which keeps our frame on top while we are installed.
        unsafe {
            frame.callback.previous = pg_sys::error_context_stack;
            pg_sys::error_context_stack = &mut frame.callback;
        }
        Self { frame }
    }

    /// Forget what an earlier message left behind.
    pub fn clear(&self) {
        self.frame.cursor.set(0);
        self.frame.internal.set(0);
    }

    pub fn position(&self) -> ErrorPosition {
        ErrorPosition { cursor: self.frame.cursor.get(), internal: self.frame.internal.get() }
    }
}

impl Drop for ErrorPositionProbe {
    fn drop(&mut self) {
        // SAFETY: restores the stack as it was before `install`.
        unsafe {
            pg_sys::error_context_stack = self.frame.callback.previous;
        }
    }
}

/// Called by PostgreSQL for every message raised below our frame; the last one wins, and
/// that is the error, because an error ends the execution. It cannot fail.
unsafe extern "C-unwind" fn remember_position(arg: *mut c_void) {
    // SAFETY: `arg` is the boxed Frame that installed this callback and is still alive,
    // because the callback is only reachable from the stack while the probe exists.
    let frame = unsafe { &*(arg as *const Frame) };
    // SAFETY: both getters only read the error being reported; PostgreSQL documents them for
    // use in context callbacks.
    unsafe {
        frame.cursor.set(pg_sys::geterrposition());
        frame.internal.set(pg_sys::getinternalerrposition());
    }
}
