//! Splitting SQL text into statements with PostgreSQL's own parser, so that we accept exactly
//! what the server accepts (pg_dump output included) and know where each statement starts.

use super::guc_scope::GucScope;
use super::scratch_context::ScratchContext;
use pgrx::list::old_list::PgList;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;
use std::ffi::CString;
use std::panic::AssertUnwindSafe;

/// What the build must know about a statement before running it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    /// Runs through SPI like any other statement.
    Plain,
    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT...: the build is already one transaction.
    TransactionControl,
    /// COPY FROM STDIN / TO STDOUT: needs a client data stream, which a build has not.
    CopyWithClient,
    /// A statement PostgreSQL refuses inside a transaction block (CREATE INDEX CONCURRENTLY,
    /// VACUUM...), named as a DBA would write it.
    OutsideTransaction(&'static str),
    /// `SET client_encoding` (or `SET NAMES`) to an encoding other than UTF-8: the text was read
    /// as UTF-8, so the statements after it would not be what psql makes of the file.
    ForeignClientEncoding,
}

/// The settings that change how the parser reads the text that follows (string literals).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LexerSettings {
    standard_conforming_strings: bool,
    backslash_quote: i32,
}

/// The lexer settings in force now.
pub fn lexer_settings() -> LexerSettings {
    // SAFETY: plain reads of two GUC variables of this backend, which only this backend writes.
    unsafe {
        LexerSettings {
            standard_conforming_strings: pg_sys::standard_conforming_strings,
            backslash_quote: pg_sys::backslash_quote,
        }
    }
}

/// One statement as byte offsets into the text it came from. `start` is PostgreSQL's statement
/// location, which includes blanks and comments before the first token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedStatement {
    pub start: usize,
    pub end: usize,
    pub kind: StatementKind,
}

impl ParsedStatement {
    /// The same statement, for a text that was parsed from byte `offset` of a longer one.
    pub fn shifted(self, offset: usize) -> Self {
        Self { start: self.start + offset, end: self.end + offset, kind: self.kind }
    }
}

/// A syntax error raised by the parser, with where it happened.
pub struct SyntaxError {
    pub error: Box<CaughtError>,
    /// Byte offset of the error, when PostgreSQL gave a position.
    pub error_at: Option<usize>,
    /// Byte offset just past the last `;` before the error: where the failing statement begins.
    pub statement_from: usize,
}

/// Split `text` into statements. `cursor_position` reads the position of the error just raised
/// (see `error_position`), as a byte offset into `text`.
pub fn split_statements(
    text: &str,
    cursor_position: impl Fn() -> Option<usize>,
) -> Result<Vec<ParsedStatement>, SyntaxError> {
    let c_text = to_c_string(text);
    // Splitting is a first pass: the lexer's warnings (a backslash in a literal) come again
    // when the statement runs.
    let quiet = GucScope::enter(&[(c"escape_string_warning", c"off")]);
    let parsed = PgTryBuilder::new(AssertUnwindSafe(|| Ok(raw_statements(&c_text, text.len()))))
        .catch_others(|error| Err(Box::new(error)))
        .execute();
    quiet.leave();
    parsed.map_err(|error| {
        let error_at = cursor_position();
        let statement_from = error_at.map_or(0, |at| end_of_last_statement_before(&c_text, at));
        SyntaxError { error, error_at, statement_from }
    })
}

pub(crate) fn to_c_string(text: &str) -> CString {
    // A PostgreSQL text value cannot hold NUL, so this only fails on a caller's bug.
    CString::new(text).unwrap_or_else(|_| pgrx::error!("SQL text contains a NUL byte"))
}

fn raw_statements(c_text: &CString, text_len: usize) -> Vec<ParsedStatement> {
    let _scratch = ScratchContext::enter();
    // SAFETY: raw_parser reads the NUL-terminated text and returns a List of RawStmt allocated
    // in the scratch context, which we only read before it is freed.
    unsafe {
        let list = pg_sys::raw_parser(c_text.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT);
        let statements = PgList::<pg_sys::RawStmt>::from_pg(list);
        statements
            .iter_ptr()
            .map(|raw| {
                let raw = &*raw;
                let start = raw.stmt_location.max(0) as usize;
                // A length of 0 means "the rest of the string".
                let end = if raw.stmt_len > 0 { start + raw.stmt_len as usize } else { text_len };
                ParsedStatement { start, end: end.min(text_len), kind: kind_of(raw.stmt) }
            })
            .collect()
    }
}

/// SAFETY: `node` must be a valid parse tree node.
pub(crate) unsafe fn kind_of(node: *mut pg_sys::Node) -> StatementKind {
    match unsafe { (*node).type_ } {
        pg_sys::NodeTag::T_TransactionStmt => StatementKind::TransactionControl,
        pg_sys::NodeTag::T_CopyStmt => {
            let copy = unsafe { &*(node as *const pg_sys::CopyStmt) };
            if copy.filename.is_null() && !copy.is_program {
                StatementKind::CopyWithClient
            } else {
                StatementKind::Plain
            }
        }
        pg_sys::NodeTag::T_VariableSetStmt if unsafe { sets_foreign_client_encoding(node) } => {
            StatementKind::ForeignClientEncoding
        }
        _ => match unsafe { outside_transaction(node) } {
            Some(what) => StatementKind::OutsideTransaction(what),
            None => StatementKind::Plain,
        },
    }
}

/// SAFETY: `node` must be a VariableSetStmt.
unsafe fn sets_foreign_client_encoding(node: *mut pg_sys::Node) -> bool {
    // SAFETY: the caller checked the tag; names and values are NUL-terminated strings of the tree.
    unsafe {
        let set = &*(node as *const pg_sys::VariableSetStmt);
        if set.kind != pg_sys::VariableSetKind::VAR_SET_VALUE || set.name.is_null() {
            return false;
        }
        if std::ffi::CStr::from_ptr(set.name).to_bytes() != b"client_encoding" {
            return false;
        }
        let Some(value) = PgList::<pg_sys::A_Const>::from_pg(set.args).get_ptr(0) else { return false };
        let value = &*value;
        if value.isnull || value.val.node.type_ != pg_sys::NodeTag::T_String {
            return false;
        }
        // pg_char_to_encoding ignores case and punctuation, as SET does: utf8, UTF-8, unicode.
        pg_sys::pg_char_to_encoding(value.val.sval.sval) != pg_sys::pg_enc::PG_UTF8 as i32
    }
}

/// The statements PostgreSQL runs only outside a transaction block (PreventInTransactionBlock
/// in its utility code). Flagging one too many is harmless: it also runs outside.
/// SAFETY: `node` must be a valid parse tree node.
unsafe fn outside_transaction(node: *mut pg_sys::Node) -> Option<&'static str> {
    use pg_sys::NodeTag::*;
    // SAFETY (every cast below): the node tag says which struct the node is.
    unsafe {
        match (*node).type_ {
            T_IndexStmt if (*(node as *const pg_sys::IndexStmt)).concurrent => {
                Some("CREATE INDEX CONCURRENTLY")
            }
            T_DropStmt if (*(node as *const pg_sys::DropStmt)).concurrent => Some("DROP INDEX CONCURRENTLY"),
            T_ReindexStmt => {
                let reindex = &*(node as *const pg_sys::ReindexStmt);
                if has_option(reindex.params, "concurrently") {
                    Some("REINDEX CONCURRENTLY")
                } else {
                    match reindex.kind {
                        pg_sys::ReindexObjectType::REINDEX_OBJECT_SCHEMA => Some("REINDEX SCHEMA"),
                        pg_sys::ReindexObjectType::REINDEX_OBJECT_SYSTEM => Some("REINDEX SYSTEM"),
                        pg_sys::ReindexObjectType::REINDEX_OBJECT_DATABASE => Some("REINDEX DATABASE"),
                        _ => None,
                    }
                }
            }
            T_VacuumStmt if (*(node as *const pg_sys::VacuumStmt)).is_vacuumcmd => Some("VACUUM"),
            T_ClusterStmt if (*(node as *const pg_sys::ClusterStmt)).relation.is_null() => {
                Some("CLUSTER without a table")
            }
            T_AlterTableStmt if detaches_concurrently(node as *const pg_sys::AlterTableStmt) => {
                Some("ALTER TABLE ... DETACH PARTITION CONCURRENTLY")
            }
            T_CreatedbStmt => Some("CREATE DATABASE"),
            T_DropdbStmt => Some("DROP DATABASE"),
            T_AlterSystemStmt => Some("ALTER SYSTEM"),
            T_CreateTableSpaceStmt => Some("CREATE TABLESPACE"),
            T_DropTableSpaceStmt => Some("DROP TABLESPACE"),
            T_CreateSubscriptionStmt => Some("CREATE SUBSCRIPTION"),
            T_DropSubscriptionStmt => Some("DROP SUBSCRIPTION"),
            _ => None,
        }
    }
}

/// SAFETY: `options` must be NULL or a List of DefElem.
unsafe fn has_option(options: *mut pg_sys::List, name: &str) -> bool {
    let options = unsafe { PgList::<pg_sys::DefElem>::from_pg(options) };
    let found = options.iter_ptr().any(|option| {
        // SAFETY: a DefElem's name is a NUL-terminated string owned by the parse tree.
        let defname = unsafe { (*option).defname };
        !defname.is_null() && unsafe { std::ffi::CStr::from_ptr(defname) }.to_bytes() == name.as_bytes()
    });
    found
}

/// SAFETY: `alter` must be a valid AlterTableStmt.
unsafe fn detaches_concurrently(alter: *const pg_sys::AlterTableStmt) -> bool {
    let commands = unsafe { PgList::<pg_sys::AlterTableCmd>::from_pg((*alter).cmds) };
    let found = commands.iter_ptr().any(|command| {
        // SAFETY: ALTER TABLE commands are AlterTableCmd; a DETACH's def is a PartitionCmd.
        unsafe {
            (*command).subtype == pg_sys::AlterTableType::AT_DetachPartition
                && !(*command).def.is_null()
                && (*((*command).def as *const pg_sys::PartitionCmd)).concurrent
        }
    });
    found
}

/// Byte offset just past the last `;` token that starts before `limit`, found with PostgreSQL's
/// own scanner (so semicolons in strings, comments and dollar quotes do not count); 0 if none.
/// A lexical error at the limit (an unterminated quote, say) ends the scan early.
pub(crate) fn end_of_last_statement_before(c_text: &CString, limit: usize) -> usize {
    let last_semicolon = std::cell::Cell::new(None::<usize>);
    let scan = AssertUnwindSafe(|| {
        let _scratch = ScratchContext::enter();
        // SAFETY: the scanner state lives in the scratch context for the duration of the
        // scan; the keyword tables are PostgreSQL's own, as raw_parser passes them.
        unsafe {
            let mut extra: pg_sys::core_yy_extra_type = std::mem::zeroed();
            let scanner = pg_sys::scanner_init(
                c_text.as_ptr(),
                &mut extra,
                &raw const pg_sys::ScanKeywords,
                pg_sys::ScanKeywordTokens.as_ptr(),
            );
            loop {
                let mut value: pg_sys::core_YYSTYPE = std::mem::zeroed();
                let mut location: i32 = 0;
                let token = pg_sys::core_yylex(&mut value, &mut location, scanner);
                if token == 0 || location as usize >= limit {
                    break;
                }
                if token == b';' as i32 {
                    last_semicolon.set(Some(location as usize + 1));
                }
            }
            pg_sys::scanner_finish(scanner);
        }
    });
    PgTryBuilder::new(scan).catch_others(|_| ()).execute();
    last_semicolon.get().unwrap_or(0)
}
