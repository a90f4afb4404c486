//! Remembering where an error happened. pgrx's conversion of a PostgreSQL error into a Rust
//! value keeps the message but drops the cursor position, the CONTEXT lines (`PL/pgSQL function
//! f() line 8 at RAISE`) and the internal query, so we read them the way PL/pgSQL does: from an
//! error context callback, which PostgreSQL calls while the error is being raised, after the
//! callbacks of the frames below ours added their context.

use pgrx::pg_sys;
use std::cell::{Cell, RefCell};
use std::ffi::{c_void, CStr};

#[repr(C)]
struct Frame {
    callback: pg_sys::ErrorContextCallback,
    cursor: Cell<i32>,
    internal: Cell<i32>,
    context: RefCell<ErrorContext>,
}

/// What PostgreSQL said around an error: its CONTEXT lines and the internal query it was in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorContext {
    pub context: Option<String>,
    pub query: Option<String>,
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
            context: RefCell::new(ErrorContext::default()),
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
        self.frame.context.replace(ErrorContext::default());
    }

    /// The CONTEXT lines and internal query of the last error raised below us.
    pub fn context(&self) -> ErrorContext {
        self.frame.context.borrow().clone()
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
    // Notices and warnings (classes 00, 01, 02) pass through here too: only errors are copied,
    // and not an out-of-memory one (class 53), which copying could only make worse.
    // SAFETY: as above.
    let code = unsafe { pg_sys::geterrcode() };
    if ["00", "01", "02", "53"].contains(&&crate::errors::sqlstate_of(code)[..2]) {
        return;
    }
    // SAFETY: CopyErrorData copies the error being raised; it must not run in ErrorContext, where
    // errfinish calls us, so the copy is made in the transaction's context and freed right away.
    unsafe {
        let error_context = pg_sys::CurrentMemoryContext;
        pg_sys::CurrentMemoryContext = pg_sys::CurTransactionContext;
        let data = pg_sys::CopyErrorData();
        let text = |p: *const std::ffi::c_char| {
            (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
        };
        let context = ErrorContext {
            context: text((*data).context).and_then(without_outermost_statement),
            query: text((*data).internalquery),
        };
        pg_sys::FreeErrorData(data);
        pg_sys::CurrentMemoryContext = error_context;
        frame.context.replace(context);
    }
}

/// The last CONTEXT line is SPI's `SQL statement "..."` for the statement we ran ourselves, which
/// the caller reports with its file and line already: drop it.
fn without_outermost_statement(context: String) -> Option<String> {
    let kept = match context.rfind("SQL statement \"") {
        Some(at) if at == 0 || context[..at].ends_with('\n') => context[..at].trim_end().to_string(),
        _ => context,
    };
    (!kept.is_empty()).then_some(kept)
}
