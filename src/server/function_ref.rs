//! Functions the user registers (custom lint rules, migration hooks) are stored by signature
//! text, not as `regprocedure`: a reg* column in a user table makes `pg_upgrade` refuse the whole
//! cluster, since OIDs change across an upgrade (and across dump and restore). The text is
//! written and read under `search_path = pg_catalog`, so every name outside pg_catalog is
//! qualified and it means the same function in any session.

use super::scope::{Scope, Setting};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;

const CATALOG_ONLY: &[Setting] = &[(c"search_path", c"pg_catalog")];

/// `public.my_rule()`, `app.on_migrate(jsonb)`: the signature stored for a function.
pub fn signature_of(function: pg_sys::Oid) -> Option<String> {
    under_catalog_path(|| {
        Spi::get_one_with_args::<String>(
            "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.oid = $1",
            &[DatumWithOid::from(function)],
        )
    })
}

/// The function a stored signature names now; None once it was dropped.
pub fn resolve(signature: &str) -> Option<pg_sys::Oid> {
    under_catalog_path(|| {
        Spi::get_one_with_args::<pg_sys::Oid>(
            "SELECT pg_catalog.to_regprocedure($1)::oid",
            &[DatumWithOid::from(signature)],
        )
    })
}

fn under_catalog_path<T>(query: impl FnOnce() -> Result<Option<T>, pgrx::spi::Error>) -> Option<T> {
    Scope::kept_on_success()
        .with_settings(CATALOG_ONLY)
        .run(|_| query().unwrap_or_else(|e| pgrx::error!("confiture: reading a function signature: {e}")))
        .unwrap_or_else(|failure| failure.error.rethrow())
}
