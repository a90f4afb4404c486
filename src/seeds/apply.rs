//! apply_seeds(): load seed files for real, each in its own subtransaction (a savepoint), and
//! remember what was applied in `confiture.seeds`.

use crate::errors::{raise, sqlstate};
use crate::script::{parts_of, run_source, Purpose};
use crate::server::scope::Scope;
use crate::sources::Source;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use std::time::Instant;

/// One file's outcome.
pub struct Applied {
    pub file: String,
    pub applied: bool,
    pub statements: i32,
    pub rows: i64,
    pub duration_ms: f64,
    /// message, sqlstate, detail, hint of a failure.
    pub error: Option<serde_json::Value>,
}

/// Apply `sources` in order. A failing file is rolled back to its savepoint; without
/// `continue_on_error` its error is raised (and the caller's transaction, with every file
/// applied before it, rolls back: nothing half-applied); with it, the failure is a row and the
/// next file runs.
pub fn apply(sources: &[Source], continue_on_error: bool) -> Vec<Applied> {
    let mut out = Vec::with_capacity(sources.len());
    for source in sources {
        let started = Instant::now();
        // Each file in its own scope: its rows kept on success, its settings (SET search_path,
        // session_replication_role...) put back after it either way, as psql -f of each would.
        let outcome = Scope::kept_on_success().run(|probe| {
            let run = Spi::connect_mut(|client| run_source(client, source, probe, Purpose::Seed));
            remember(source);
            run
        });
        let duration_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        match outcome {
            Ok(run) => out.push(Applied {
                file: source.name.clone(),
                applied: true,
                statements: run.statements as i32,
                rows: run.rows_affected as i64,
                duration_ms,
                error: None,
            }),
            Err(error) => {
                let (code, message, detail, hint) = parts_of(error.error);
                if !continue_on_error {
                    raise(code, message, detail, hint.or_else(|| Some("No seed file was applied.".into())));
                }
                let error = serde_json::json!({
                    "message": message, "sqlstate": sqlstate(code), "detail": detail, "hint": hint,
                });
                out.push(Applied {
                    file: source.name.clone(),
                    applied: false,
                    statements: 0,
                    rows: 0,
                    duration_ms,
                    error: Some(error),
                });
            }
        }
    }
    out
}

/// Record the file as applied (registering it when new), in the same subtransaction as its rows.
fn remember(source: &Source) {
    Spi::run_with_args(
        "INSERT INTO confiture.seeds AS s (name, sql, applied_at) VALUES ($1, $2, now()) \
         ON CONFLICT (name) DO UPDATE SET sql = excluded.sql, registered_at = now(), \
         registered_by = current_user, applied_at = now()",
        &[DatumWithOid::from(source.name.as_str()), DatumWithOid::from(source.text.as_str())],
    )
    .unwrap_or_else(|e| pgrx::error!("recording seed {}: {e}", source.name));
}

/// The registered seeds, by name: what validate_seeds and apply_seeds use when given none.
pub fn registered() -> Vec<Source> {
    Spi::connect(|client| -> Result<Vec<Source>, pgrx::spi::Error> {
        let mut out = Vec::new();
        for row in
            client.select("SELECT name, sql FROM confiture.seeds ORDER BY name COLLATE \"C\"", None, &[])?
        {
            out.push(Source { name: row.get(1)?.unwrap_or_default(), text: row.get(2)?.unwrap_or_default() });
        }
        Ok(out)
    })
    .unwrap_or_else(|e| pgrx::error!("reading confiture.seeds: {e}"))
}
