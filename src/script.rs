//! Running SQL texts statement by statement, with every failure attributed to its file, line
//! and statement: shared by build_from, the migrations and seed apply.

use crate::errors::raise;
use crate::server::error_position::{ErrorPosition, ErrorPositionProbe};
use crate::server::parser::{lexer_settings, split_statements, ParsedStatement, StatementKind, SyntaxError};
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

/// What the text being run is, for messages that speak of it as the user knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Build,
    Migration,
    Seed,
}

impl Purpose {
    pub const EMPTY_MIGRATION_HINT: &'static str =
        "Give the migration at least one statement, or remove its file.";

    fn noun(self) -> &'static str {
        match self {
            Purpose::Build => "a build",
            Purpose::Migration => "a migration",
            Purpose::Seed => "a seed file",
        }
    }

    fn outside_transaction_hint(self) -> &'static str {
        match self {
            Purpose::Build => {
                "A build is one transaction: build indexes without CONCURRENTLY (its tables are new) and leave \
                 maintenance (VACUUM, REINDEX...) out of db/schema/. In a migration, confiture migrate up runs \
                 such a statement outside a transaction."
            }
            Purpose::Migration => {
                "confiture migrate up (the CLI) runs a migration holding such a statement outside a transaction, \
                 one statement at a time, and records it."
            }
            Purpose::Seed => "Seeds are applied in one transaction: leave maintenance statements out of them.",
        }
    }
}

/// Run one source's statements. PostgreSQL parses the text as it runs, as psql reads a file: a
/// statement that changes how literals are read (`SET standard_conforming_strings = off`, as in
/// older pg_dump output) applies to the text after it.
pub fn run_source(
    client: &mut SpiClient<'_>,
    source: &Source,
    probe: &ErrorPositionProbe,
    purpose: Purpose,
) -> SourceRun {
    // The probe is only read after an error, never left half-updated by one.
    let probe = AssertUnwindSafe(probe);
    let text = source.text.as_str();
    let mut run = SourceRun::default();
    let mut offset = 0;
    while offset < text.len() {
        probe.clear();
        let rest = &text[offset..];
        let (statements, syntax_error) =
            match split_statements(rest, || byte_of_char_position(rest, probe.position().cursor)) {
                Ok(statements) => (statements, None),
                // Run what comes before the error first: one of those statements may change how
                // the rest reads. If none does, the error stands.
                Err(syntax) if syntax.statement_from > 0 => {
                    match split_statements(&rest[..syntax.statement_from], || None) {
                        Ok(statements) => (statements, Some(syntax)),
                        Err(_) => raise_syntax_error(source, offset, syntax),
                    }
                }
                Err(syntax) => raise_syntax_error(source, offset, syntax),
            };
        let mut reparse_from = None;
        for statement in statements.iter().map(|s| s.shifted(offset)) {
            refuse_unsupported(source, &statement, purpose);
            let lexer = lexer_settings();
            probe.clear();
            let sql = &text[statement.start..statement.end];
            run.rows_affected += PgTryBuilder::new(AssertUnwindSafe(|| {
                client.update(sql, None, &[]).map(|table| table.len() as u64).unwrap_or_else(|error| {
                    pgrx::error!("{error}");
                })
            }))
            .catch_others(|error| raise_statement_error(source, &statement, &probe, error))
            .execute();
            run.statements += 1;
            if lexer_settings() != lexer {
                reparse_from = Some(statement.end);
                break;
            }
        }
        match (reparse_from, syntax_error) {
            (Some(end), _) => offset = end,
            (None, Some(syntax)) => raise_syntax_error(source, offset, syntax),
            (None, None) => break,
        }
    }
    // A schema or seed file of comments only builds nothing (the Python confiture's `init` writes
    // such files); a migration that changes nothing is a mistake.
    if run.statements == 0 && matches!(purpose, Purpose::Migration) {
        raise(
            crate::errors::codes::INVALID_ARGUMENT,
            format!("{}: the file contains no SQL statement", source.name),
            None,
            Some(Purpose::EMPTY_MIGRATION_HINT.into()),
        );
    }
    run
}

fn refuse_unsupported(source: &Source, statement: &ParsedStatement, purpose: Purpose) {
    let noun = purpose.noun();
    let reason = match statement.kind {
        StatementKind::Plain => return,
        StatementKind::TransactionControl => (
            crate::errors::codes::UNSUPPORTED_STATEMENT,
            format!("transaction control is not allowed in {noun}"),
            "It runs in one transaction already: remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT.",
        ),
        StatementKind::CopyWithClient => (
            crate::errors::codes::UNSUPPORTED_STATEMENT,
            format!(
                "COPY FROM STDIN and COPY TO STDOUT are not supported in {noun}: the server runs the text, \
                 and has no client data stream to read rows from or write them to"
            ),
            "Load data with seed files of INSERT statements (confiture seed apply), or COPY from a file the \
             server can read.",
        ),
        StatementKind::OutsideTransaction(what) => (
            crate::errors::codes::NEEDS_OUTSIDE_TRANSACTION,
            format!("{what} cannot run inside a transaction block"),
            purpose.outside_transaction_hint(),
        ),
        StatementKind::ForeignClientEncoding => (
            crate::errors::codes::UNSUPPORTED_STATEMENT,
            "SET client_encoding to an encoding other than UTF-8 is not supported: confiture reads every file \
             as UTF-8, so the text after it would not be what psql makes of it"
                .to_string(),
            "Convert the file to UTF-8 (iconv -f <encoding> -t UTF-8) and remove the SET.",
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
        .unwrap_or_else(|syntax| raise_syntax_error(source, 0, syntax));
    statements
        .iter()
        .map(|statement| {
            let start = skip_blanks_and_comments(text, statement.start);
            (line_of_byte(text, start) as i32, text[start..statement.end].to_string())
        })
        .collect()
}

/// A syntax error in the text parsed from byte `offset` of the source.
fn raise_syntax_error(source: &Source, offset: usize, syntax: SyntaxError) -> ! {
    let text = &source.text;
    let start = skip_blanks_and_comments(text, offset + syntax.statement_from);
    let error_at = syntax.error_at.map(|at| offset + at);
    let error_line = line_of_byte(text, error_at.unwrap_or(start));
    let (code, message, detail, hint) = parts_of(*syntax.error);
    // The parser stops at a psql meta-command's backslash as at an unknown token; a backslash
    // inside a literal (E'\u00ZZ') fails with another message.
    let meta_command = message.starts_with("syntax error at or near \"\\\"");
    if let Some(at) = error_at.filter(|&at| meta_command && text[at..].starts_with('\\')) {
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

/// Raise a statement's error with its file and line; PostgreSQL's CONTEXT lines (the function
/// and line it failed in) and internal query follow the detail, since pgrx cannot re-raise them
/// as CONTEXT.
fn raise_statement_error(
    source: &Source,
    statement: &ParsedStatement,
    probe: &ErrorPositionProbe,
    error: CaughtError,
) -> ! {
    let text = &source.text;
    let start = skip_blanks_and_comments(text, statement.start);
    let error_line = error_line(text, statement.start, statement.end, probe.position());
    let (code, message, detail, hint) = parts_of(error);
    let around = probe.context();
    // The internal query is worth showing when it is not the statement itself.
    let ours = text[statement.start..statement.end].trim();
    let query =
        around.query.filter(|query| query.trim() != ours).map(|query| format!("Query: {}", query.trim()));
    let context = around.context.map(|context| format!("Context: {}", context.replace('\n', "\n  ")));
    let detail = [detail, query, context].into_iter().flatten().collect::<Vec<_>>().join("\n");
    let detail = (!detail.is_empty()).then_some(detail);
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
