//! confiture.calibrate(): how fast this server rewrites, scans, indexes and validates, measured
//! on a scratch table that is always rolled back; the rates are kept in
//! confiture.risk_calibration and every estimate uses the latest.

use crate::errors::{raise, spi_checked};
use crate::server::query;
use crate::server::scope::Scope;
use confiture_core::risk::Rates;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use std::time::Instant;

const CAPABILITY: &str = "confiture calibrate";

/// The rates of the latest calibration, or the deliberately slow defaults.
pub fn rates() -> Rates {
    query::json::<Option<Rates>>(
        "confiture assess",
        "reading the calibration",
        "SELECT jsonb_build_object('rewrite', rewrite_bytes_per_second, 'scan', scan_bytes_per_second,
                                   'index', index_bytes_per_second, 'foreign_key', foreign_key_bytes_per_second)::text
           FROM confiture.risk_calibration ORDER BY measured_at DESC, id DESC LIMIT 1",
        &[],
    )
    .unwrap_or(Rates::UNCALIBRATED)
}

/// What one calibration measured.
pub struct Calibration {
    pub rows: i64,
    pub table_bytes: i64,
    pub index_bytes: i64,
    pub rates: Rates,
}

const SCHEMA: &str = "confiture_calibration";

/// Measure on `rows` rows, keep the result, return it.
pub fn calibrate(rows: i64) -> Calibration {
    if !(1_000..=50_000_000).contains(&rows) {
        crate::errors::invalid(format!("rows must be between 1000 and 50000000, not {rows}"), None);
    }
    let measured = Scope::rolled_back().run(|_| measure(rows));
    let calibration = match measured {
        Ok(calibration) => calibration,
        Err(failure) => {
            let (code, message, detail, hint) = crate::script::parts_of(failure.error);
            raise(
                code,
                format!("calibration failed: {message}"),
                detail,
                hint.or(Some(format!("calibrate() creates a scratch schema {SCHEMA} (rolled back): it needs CREATE on the database."))),
            )
        }
    };
    let rates = &calibration.rates;
    spi_checked(
        CAPABILITY,
        "storing the calibration",
        Spi::run_with_args(
            "INSERT INTO confiture.risk_calibration (rows, table_bytes, index_bytes, rewrite_bytes_per_second,
                 scan_bytes_per_second, index_bytes_per_second, foreign_key_bytes_per_second)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                DatumWithOid::from(calibration.rows),
                DatumWithOid::from(calibration.table_bytes),
                DatumWithOid::from(calibration.index_bytes),
                DatumWithOid::from(rates.rewrite),
                DatumWithOid::from(rates.scan),
                DatumWithOid::from(rates.index),
                DatumWithOid::from(rates.foreign_key),
            ],
        ),
    );
    calibration
}

fn run(what: &str, statement: &str) {
    spi_checked(CAPABILITY, what, Spi::run(statement));
}

/// Seconds `statement` takes.
fn timed(what: &str, statement: &str) -> f64 {
    let started = Instant::now();
    run(what, statement);
    started.elapsed().as_secs_f64().max(1e-6)
}

fn size(what: &str, query: &str) -> i64 {
    query::value::<i64>(CAPABILITY, what, query, &[]).unwrap_or(0)
}

/// A table shaped like an application's (a key, a reference, numbers, a short text, a time),
/// then the four operations whose speed the estimates need, each timed.
fn measure(rows: i64) -> Calibration {
    run("creating the scratch schema", &format!("CREATE SCHEMA {SCHEMA}"));
    run(
        "creating the scratch tables",
        &format!(
            "CREATE TABLE {SCHEMA}.parent (id int PRIMARY KEY);
             INSERT INTO {SCHEMA}.parent SELECT generate_series(1, 1000);
             CREATE TABLE {SCHEMA}.sample (id bigint PRIMARY KEY, parent_id int NOT NULL, amount int NOT NULL,
                                           label text NOT NULL, at timestamptz NOT NULL);
             INSERT INTO {SCHEMA}.sample
             SELECT i, 1 + i % 1000, i % 100000, md5(i::text), '2026-01-01'::timestamptz + i * interval '1 second'
               FROM generate_series(1, {rows}) AS i"
        ),
    );
    let table_bytes = size("measuring the table", &format!("SELECT pg_table_size('{SCHEMA}.sample')"));
    let index_bytes = size("measuring the index", &format!("SELECT pg_indexes_size('{SCHEMA}.sample')"));
    let rewrite =
        timed("timing a rewrite", &format!("ALTER TABLE {SCHEMA}.sample ALTER COLUMN amount TYPE bigint"));
    let scan = timed(
        "timing a validation",
        &format!("ALTER TABLE {SCHEMA}.sample ADD CONSTRAINT amount_positive CHECK (amount >= 0)"),
    );
    // Indexes are on numbers and on text (slower to sort): the rate is that of the two builds.
    let index = (timed("timing an index build", &format!("CREATE INDEX ON {SCHEMA}.sample (parent_id)"))
        + timed("timing an index build", &format!("CREATE INDEX ON {SCHEMA}.sample (label)")))
        / 2.0;
    let foreign_key = timed(
        "timing a foreign key validation",
        &format!("ALTER TABLE {SCHEMA}.sample ADD FOREIGN KEY (parent_id) REFERENCES {SCHEMA}.parent"),
    );
    let bytes = table_bytes as f64;
    Calibration {
        rows,
        table_bytes,
        index_bytes,
        rates: Rates {
            rewrite: (bytes + index_bytes as f64) / rewrite,
            scan: bytes / scan,
            index: bytes / index,
            foreign_key: bytes / foreign_key,
        },
    }
}
