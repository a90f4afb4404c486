//! Incremental migrations, server side. The pure part (versions, states, plans) is
//! `confiture_core::migration`, re-exported here. Layers, one way: `run` (migrate_up/down) and
//! `dry` (dry runs) use `executor` (a script between its hooks) and `store` (the tracking
//! tables and the lock); `executor` uses `hook_calls` and `store`; `outside` uses `store`.

pub mod dry;
pub mod events;
pub mod executor;
pub mod hook_calls;
pub mod hooks;
pub mod observe;
pub mod outside;
pub mod run;
pub mod store;

pub use confiture_core::migration::*;

/// The value of an SPI call of the migration code, or an internal error saying what it did.
pub(crate) fn spi<T>(what: &str, result: Result<T, pgrx::spi::Error>) -> T {
    crate::errors::spi_checked("confiture migrate", what, result)
}
