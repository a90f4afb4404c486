//! Build from DDL: apply a project's sources in order, inside the caller's transaction, with
//! every failure attributed to its file, line and statement.

use crate::errors::raise;
use crate::schema_hash::schema_hash;
use crate::server::error_position::{ErrorPosition, ErrorPositionProbe};
use crate::server::guc_scope::GucScope;
use crate::server::parser::{split_statements, ParsedStatement, StatementKind, SyntaxError};
use crate::sources::Source;
use crate::sql_text::{byte_of_char_position, excerpt, line_of_byte, skip_blanks_and_comments};
use pgrx::datum::{DatumWithOid, TimestampWithTimeZone};
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::{PgSqlErrorCode, PgTryBuilder};
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// What a successful build returns, and records in `confiture.build_history`.
pub struct BuildRecord {
    pub build_id: i64,
    pub schema_hash: String,
    pub file_count: i32,
    pub statement_count: i32,
    pub duration_ms: f64,
    pub built_by: String,
    pub built_at: TimestampWithTimeZone,
}

/// Settings in force for the duration of a build only. Function bodies are not validated,
/// as pg_dump does, so files of functions may come in any order.
const BUILD_SETTINGS: &[(&std::ffi::CStr, &std::ffi::CStr)] = &[(c"check_function_bodies", c"off")];

pub fn build(sources: &[Source]) -> BuildRecord {
    let started = Instant::now();
    let hash = schema_hash(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())));
    let settings = GucScope::enter(BUILD_SETTINGS);
    let probe = ErrorPositionProbe::install();
    let statement_count = Spi::connect_mut(|client| {
        sources.iter().map(|source| apply_source(client, source, &probe)).sum::<usize>()
    });
    drop(probe);
    settings.leave();
    let duration_ms = (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    record_build(&hash, sources, statement_count, duration_ms)
}

/// Run one source's statements; returns how many ran.
fn apply_source(client: &mut SpiClient<'_>, source: &Source, probe: &ErrorPositionProbe) -> usize {
    // The probe is only read after an error, never left half-updated by one.
    let probe = AssertUnwindSafe(probe);
    probe.clear();
    let text = source.text.as_str();
    let statements = split_statements(text, || byte_of_char_position(text, probe.position().cursor))
        .unwrap_or_else(|syntax| raise_syntax_error(source, syntax));
    if statements.is_empty() {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("{}: the file contains no SQL statement", source.name),
            None,
            Some("Remove the file, or exclude its folder in the environment's exclude_dirs.".into()),
        );
    }
    for statement in &statements {
        refuse_unsupported(source, statement);
        probe.clear();
        let sql = &text[statement.start..statement.end];
        PgTryBuilder::new(AssertUnwindSafe(|| {
            client.update(sql, None, &[]).map(|_| ()).unwrap_or_else(|error| {
                pgrx::error!("{error}");
            })
        }))
        .catch_others(|error| raise_statement_error(source, statement, probe.position(), error))
        .execute();
    }
    statements.len()
}

fn refuse_unsupported(source: &Source, statement: &ParsedStatement) {
    let reason = match statement.kind {
        StatementKind::Plain => return,
        StatementKind::TransactionControl => (
            "transaction control is not allowed in a build",
            "The whole build is one transaction already: remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT.",
        ),
        StatementKind::CopyWithClient => (
            "COPY FROM STDIN and COPY TO STDOUT need psql's data stream, which a build has not",
            "Load data with seed files or INSERT statements; keep db/schema/ for DDL.",
        ),
    };
    let start = skip_blanks_and_comments(&source.text, statement.start);
    raise(
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!("{}:{}: {}", source.name, line_of_byte(&source.text, start), reason.0),
        Some(statement_detail(&source.text, start, None)),
        Some(reason.1.into()),
    );
}

fn raise_syntax_error(source: &Source, syntax: SyntaxError) -> ! {
    let text = &source.text;
    let start = skip_blanks_and_comments(text, syntax.statement_from);
    let error_line = line_of_byte(text, syntax.error_at.unwrap_or(start));
    let (code, message, detail, hint) = parts_of(*syntax.error);
    if let Some(at) = syntax.error_at.filter(|&at| text[at..].starts_with('\\')) {
        let command: String = text[at..].chars().take_while(|c| !c.is_whitespace()).take(20).collect();
        raise(
            PgSqlErrorCode::ERRCODE_SYNTAX_ERROR,
            format!("{}:{}: psql meta-command {} is not SQL", source.name, error_line, command),
            Some(statement_detail(text, start, None)),
            Some(
                "Builds run SQL only: replace \\i/\\ir with separate files, \\set variables \
                 with literal values, \\copy with seed files."
                    .into(),
            ),
        );
    }
    raise(
        code,
        format!("{}:{}: {}", source.name, error_line, message),
        Some(statement_detail(text, start, detail)),
        hint,
    );
}

fn raise_statement_error(
    source: &Source,
    statement: &ParsedStatement,
    position: ErrorPosition,
    error: CaughtError,
) -> ! {
    let text = &source.text;
    let start = skip_blanks_and_comments(text, statement.start);
    let sql = &text[statement.start..statement.end];
    // SPI reports positions in the statement it ran; a position from a nested query (inside a
    // function the statement called) may not fit the statement, and is then not used.
    let error_line = [position.internal, position.cursor]
        .into_iter()
        .find_map(|pos| byte_of_char_position(sql, pos))
        .map_or(line_of_byte(text, start), |at| line_of_byte(text, statement.start + at));
    let (code, message, detail, hint) = parts_of(error);
    raise(
        code,
        format!("{}:{}: {}", source.name, error_line, message),
        Some(statement_detail(text, start, detail)),
        hint,
    );
}

fn statement_detail(text: &str, start: usize, original_detail: Option<String>) -> String {
    let mut detail =
        format!("In the statement starting at line {}: {}", line_of_byte(text, start), excerpt(text, start));
    if let Some(original) = original_detail {
        detail.push('\n');
        detail.push_str(&original);
    }
    detail
}

type ErrorParts = (PgSqlErrorCode, String, Option<String>, Option<String>);

fn parts_of(error: CaughtError) -> ErrorParts {
    match error {
        CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => (
            report.sql_error_code(),
            report.message().to_string(),
            report.detail().map(str::to_string),
            report.hint().map(str::to_string),
        ),
        CaughtError::RustPanic { ereport, .. } => (
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("internal error in confiture: {}", ereport.message()),
            None,
            Some("This is a bug in confiture; please report it with the file that caused it.".into()),
        ),
    }
}

fn record_build(hash: &str, sources: &[Source], statements: usize, duration_ms: f64) -> BuildRecord {
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let file_count = sources.len() as i32;
    let statement_count = statements as i32;
    let insert = AssertUnwindSafe(|| {
        let args = [
            DatumWithOid::from(hash),
            DatumWithOid::from(file_count),
            DatumWithOid::from(statement_count),
            DatumWithOid::from(duration_ms),
            DatumWithOid::from(names.clone()),
        ];
        Spi::connect_mut(|client| {
            let row = client
                .update(
                    "INSERT INTO confiture.build_history \
                       (schema_hash, file_count, statement_count, duration_ms, source_names) \
                     VALUES ($1, $2, $3, $4, $5) \
                     RETURNING build_id, built_by::text, built_at",
                    Some(1),
                    &args,
                )?
                .first();
            Ok::<_, pgrx::spi::Error>((row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap_or_else(|error| pgrx::error!("{error}"))
    });
    let (build_id, built_by, built_at) = PgTryBuilder::new(insert)
        .catch_others(|error| {
            let (code, message, detail, hint) = parts_of(error);
            let hint = if code == PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE {
                Some("The role running the build needs: GRANT SELECT, INSERT ON confiture.build_history TO <role>".into())
            } else {
                hint
            };
            raise(
                code,
                format!("build rolled back: it could not be recorded in confiture.build_history: {message}"),
                detail,
                hint,
            )
        })
        .execute();
    BuildRecord {
        build_id: build_id.unwrap_or_default(),
        schema_hash: hash.to_string(),
        file_count,
        statement_count,
        duration_ms,
        built_by: built_by.unwrap_or_default(),
        built_at: built_at.unwrap_or_else(|| pgrx::error!("build_history.built_at is NULL")),
    }
}
