//! Running SQL texts statement by statement, with every failure attributed to its file, line
//! and statement: shared by build_from and the migrations.

use crate::errors::raise;
use crate::server::error_position::{ErrorPosition, ErrorPositionProbe};
use crate::server::parser::{split_statements, ParsedStatement, StatementKind, SyntaxError};
use crate::sources::Source;
use crate::sql_text::{byte_of_char_position, excerpt, line_of_byte, skip_blanks_and_comments};
use pgrx::pg_sys::panic::CaughtError;
use pgrx::spi::SpiClient;
use pgrx::{PgSqlErrorCode, PgTryBuilder};
use std::panic::AssertUnwindSafe;

/// What running one source did.
#[derive(Clone, Copy, Debug, Default)]
pub struct SourceRun {
    pub statements: usize,
    /// Rows inserted, updated, deleted or returned, summed over the statements.
    pub rows_affected: u64,
}

/// Run one source's statements. `empty_hint` is the advice when it has none.
pub fn run_source(
    client: &mut SpiClient<'_>,
    source: &Source,
    probe: &ErrorPositionProbe,
    empty_hint: &str,
) -> SourceRun {
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
            Some(empty_hint.into()),
        );
    }
    let mut rows_affected = 0u64;
    for statement in &statements {
        refuse_unsupported(source, statement);
        probe.clear();
        let sql = &text[statement.start..statement.end];
        rows_affected += PgTryBuilder::new(AssertUnwindSafe(|| {
            client.update(sql, None, &[]).map(|table| table.len() as u64).unwrap_or_else(|error| {
                pgrx::error!("{error}");
            })
        }))
        .catch_others(|error| raise_statement_error(source, statement, probe.position(), error))
        .execute();
    }
    SourceRun { statements: statements.len(), rows_affected }
}

fn refuse_unsupported(source: &Source, statement: &ParsedStatement) {
    let reason = match statement.kind {
        StatementKind::Plain => return,
        StatementKind::TransactionControl => (
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            "transaction control is not allowed in a build".to_string(),
            "The whole build is one transaction already: remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT.",
        ),
        StatementKind::CopyWithClient => (
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            "COPY FROM STDIN and COPY TO STDOUT need psql's data stream, which a build has not".to_string(),
            "Load data with seed files or INSERT statements; keep db/schema/ for DDL.",
        ),
        StatementKind::OutsideTransaction(what) => (
            PgSqlErrorCode::ERRCODE_ACTIVE_SQL_TRANSACTION,
            format!("{what} cannot run inside a transaction block"),
            "A build is one transaction: build indexes without CONCURRENTLY (its tables are new) and leave \
             maintenance (VACUUM, REINDEX...) out of db/schema/. In a migration, confiture migrate up runs such \
             a statement outside a transaction.",
        ),
    };
    let start = skip_blanks_and_comments(&source.text, statement.start);
    raise(
        reason.0,
        format!("{}:{}: {}", source.name, line_of_byte(&source.text, start), reason.1),
        Some(statement_detail(&source.text, start, None)),
        Some(reason.2.into()),
    );
}

/// The first statement of `text` that cannot run inside a transaction block, as
/// "CREATE INDEX CONCURRENTLY (line 3)"; None when there is none or the text does not parse
/// (running it will report the syntax error).
pub fn first_outside_transaction(text: &str) -> Option<String> {
    let statements = split_statements(text, || None).ok()?;
    statements.iter().find_map(|statement| match statement.kind {
        StatementKind::OutsideTransaction(what) => {
            let line = line_of_byte(text, skip_blanks_and_comments(text, statement.start));
            Some(format!("{what} (line {line})"))
        }
        _ => None,
    })
}

/// Each statement of a source with the line it starts on, for a client that runs them one at a
/// time outside a transaction. A syntax error is raised with its file and line.
pub fn statements_with_lines(source: &Source, probe: &ErrorPositionProbe) -> Vec<(i32, String)> {
    let text = source.text.as_str();
    probe.clear();
    let statements = split_statements(text, || byte_of_char_position(text, probe.position().cursor))
        .unwrap_or_else(|syntax| raise_syntax_error(source, syntax));
    statements
        .iter()
        .map(|statement| {
            let start = skip_blanks_and_comments(text, statement.start);
            (line_of_byte(text, start) as i32, text[start..statement.end].to_string())
        })
        .collect()
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
    let error_line = error_line(text, statement.start, statement.end, position);
    let (code, message, detail, hint) = parts_of(error);
    raise(
        code,
        format!("{}:{}: {}", source.name, error_line, message),
        Some(statement_detail(text, start, detail)),
        hint,
    );
}

/// The line of `text` an error in the statement at `start..end` points at: its position when
/// it fits the statement, else the statement's first line.
pub fn error_line(text: &str, start: usize, end: usize, position: ErrorPosition) -> usize {
    let sql = &text[start..end];
    // SPI reports positions in the statement it ran; a position from a nested query (inside a
    // function the statement called) may not fit the statement, and is then not used.
    [position.internal, position.cursor]
        .into_iter()
        .find_map(|pos| byte_of_char_position(sql, pos))
        .map_or(line_of_byte(text, skip_blanks_and_comments(text, start)), |at| {
            line_of_byte(text, start + at)
        })
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

pub type ErrorParts = (PgSqlErrorCode, String, Option<String>, Option<String>);

pub fn parts_of(error: CaughtError) -> ErrorParts {
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
