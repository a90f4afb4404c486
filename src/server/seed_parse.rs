//! Reading seed statements from PostgreSQL's raw parse trees into `seeds::statements` structs:
//! what they write, which columns, and the constant values level 1 checks.

use super::parser::{end_of_last_statement_before, kind_of, to_c_string, StatementKind, SyntaxError};
use super::scope::Scope;
use super::scratch_context::ScratchContext;
use crate::seeds::statements::{Action, SeedStatement, Target, Value, ValueKind};
use crate::sql_text::{byte_of_char_position, skip_blanks_and_comments, LineIndex};
use pgrx::list::old_list::PgList;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;
use std::ffi::CStr;
use std::panic::AssertUnwindSafe;

/// Parse `text` into seed statements; a syntax error comes back with where it happened.
pub fn parse_seed(
    text: &str,
    cursor_position: impl Fn() -> Option<usize>,
) -> Result<Vec<SeedStatement>, SyntaxError> {
    let c_text = to_c_string(text);
    PgTryBuilder::new(AssertUnwindSafe(|| Ok(read_statements(&c_text, text))))
        .catch_others(|error| Err(Box::new(error)))
        .execute()
        .map_err(|error| {
            let error_at = cursor_position();
            let statement_from = error_at.map_or(0, |at| end_of_last_statement_before(&c_text, at));
            SyntaxError { error, error_at, statement_from }
        })
}

fn read_statements(c_text: &std::ffi::CString, text: &str) -> Vec<SeedStatement> {
    let _scratch = ScratchContext::enter();
    let lines = LineIndex::new(text);
    // SAFETY: raw_parser reads the NUL-terminated text and returns a List of RawStmt allocated
    // in the scratch context; everything we keep is copied into Rust values before it is freed.
    unsafe {
        let list = pg_sys::raw_parser(c_text.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT);
        PgList::<pg_sys::RawStmt>::from_pg(list)
            .iter_ptr()
            .map(|raw| {
                let raw = &*raw;
                let from = raw.stmt_location.max(0) as usize;
                let end = if raw.stmt_len > 0 { from + raw.stmt_len as usize } else { text.len() };
                let start = skip_blanks_and_comments(text, from);
                let mut reader = Reader {
                    lines: &lines,
                    statement: SeedStatement::at(start, end.min(text.len()), lines.line_of(start)),
                };
                reader.statement_node(raw.stmt);
                reader.statement.refused = refusal(kind_of(raw.stmt));
                reader.statement
            })
            .collect()
    }
}

fn refusal(kind: StatementKind) -> Option<String> {
    match kind {
        StatementKind::Plain => None,
        StatementKind::TransactionControl => Some(
            "transaction control (BEGIN, COMMIT, SAVEPOINT...) cannot run inside the seeds' transaction"
                .into(),
        ),
        StatementKind::CopyWithClient => {
            Some("COPY FROM STDIN needs psql's data stream, which the server has not".into())
        }
        StatementKind::OutsideTransaction(what) => {
            Some(format!("{what} cannot run inside a transaction block"))
        }
        StatementKind::ForeignClientEncoding => {
            Some("SET client_encoding to an encoding other than UTF-8: seed files are read as UTF-8".into())
        }
    }
}

struct Reader<'a> {
    lines: &'a LineIndex,
    statement: SeedStatement,
}

impl Reader<'_> {
    fn line(&self, location: i32) -> usize {
        self.lines.line_of(location.max(0) as usize)
    }

    /// SAFETY: `node` is a valid raw statement node.
    unsafe fn statement_node(&mut self, node: *mut pg_sys::Node) {
        use pg_sys::NodeTag::*;
        // SAFETY (every cast): the node tag says which struct the node is.
        unsafe {
            match (*node).type_ {
                T_InsertStmt => {
                    let insert = &*(node as *const pg_sys::InsertStmt);
                    self.statement.action = Action::Insert;
                    self.target(insert.relation);
                    for target in PgList::<pg_sys::ResTarget>::from_pg(insert.cols).iter_ptr() {
                        self.column((*target).name, (*target).location);
                    }
                    if !insert.selectStmt.is_null() {
                        self.select(insert.selectStmt as *const pg_sys::SelectStmt, true);
                    }
                }
                T_UpdateStmt => {
                    let update = &*(node as *const pg_sys::UpdateStmt);
                    self.statement.action = Action::Update;
                    self.target(update.relation);
                    let mut row = Vec::new();
                    for target in PgList::<pg_sys::ResTarget>::from_pg(update.targetList).iter_ptr() {
                        self.column((*target).name, (*target).location);
                        row.push(self.value((*target).val));
                    }
                    self.statement.rows.push(row);
                }
                T_DeleteStmt => {
                    self.statement.action = Action::Delete;
                    self.target((*(node as *const pg_sys::DeleteStmt)).relation);
                }
                T_MergeStmt => {
                    self.statement.action = Action::Merge;
                    self.target((*(node as *const pg_sys::MergeStmt)).relation);
                }
                T_CopyStmt => {
                    let copy = &*(node as *const pg_sys::CopyStmt);
                    if copy.is_from && !copy.relation.is_null() {
                        self.statement.action = Action::CopyFrom;
                        self.target(copy.relation);
                        let location = (*copy.relation).location;
                        for name in PgList::<pg_sys::String>::from_pg(copy.attlist).iter_ptr() {
                            self.column((*name).sval, location);
                        }
                    }
                }
                T_SelectStmt => self.select(node as *const pg_sys::SelectStmt, false),
                _ => {}
            }
        }
    }

    /// SAFETY: `relation` is NULL or a valid RangeVar.
    unsafe fn target(&mut self, relation: *mut pg_sys::RangeVar) {
        if relation.is_null() {
            return;
        }
        // SAFETY: as above; its names are NUL-terminated strings or NULL.
        let (schema, table) = unsafe { (text_of((*relation).schemaname), text_of((*relation).relname)) };
        if let Some(table) = table {
            self.statement.target = Some(Target { schema, table, resolved_schema: None });
        }
    }

    fn column(&mut self, name: *const std::ffi::c_char, location: i32) {
        // SAFETY: a column name from the parse tree is a NUL-terminated string or NULL.
        if let Some(name) = unsafe { text_of(name) } {
            let line = self.line(location);
            self.statement.columns.push((name, line));
        }
    }

    /// The rows a SELECT produces (VALUES rows, or each UNION branch's target list); a UNION is
    /// also kept whole for the type checks. Only an INSERT's SELECT gives `rows`.
    /// SAFETY: `select` is a valid SelectStmt.
    unsafe fn select(&mut self, select: *const pg_sys::SelectStmt, inserted: bool) {
        let mut branches = Vec::new();
        // SAFETY: as above.
        unsafe { self.branches(select, &mut branches) };
        // SAFETY: as above.
        if unsafe { (*select).op } != pg_sys::SetOperation::SETOP_NONE {
            self.statement.unions.push(branches.clone());
        }
        if inserted {
            self.statement.rows.extend(branches);
        }
    }

    /// SAFETY: `select` is a valid SelectStmt.
    unsafe fn branches(&mut self, select: *const pg_sys::SelectStmt, out: &mut Vec<Vec<Value>>) {
        // SAFETY: the fields of a valid SelectStmt are valid nodes or NULL.
        unsafe {
            let select = &*select;
            if select.op != pg_sys::SetOperation::SETOP_NONE {
                self.branches(select.larg, out);
                self.branches(select.rarg, out);
            } else if !select.valuesLists.is_null() {
                for row in PgList::<pg_sys::List>::from_pg(select.valuesLists).iter_ptr() {
                    let row =
                        PgList::<pg_sys::Node>::from_pg(row).iter_ptr().map(|v| self.value(v)).collect();
                    out.push(row);
                }
            } else {
                let targets = PgList::<pg_sys::ResTarget>::from_pg(select.targetList);
                out.push(targets.iter_ptr().map(|target| self.value((*target).val)).collect());
            }
        }
    }

    /// SAFETY: `node` is NULL or a valid expression node.
    unsafe fn value(&mut self, node: *mut pg_sys::Node) -> Value {
        if node.is_null() {
            return Value { kind: ValueKind::Other, line: self.statement.line };
        }
        // SAFETY (every cast): the node tag says which struct the node is.
        unsafe {
            match (*node).type_ {
                pg_sys::NodeTag::T_A_Const => {
                    let constant = &*(node as *const pg_sys::A_Const);
                    Value { kind: constant_kind(constant), line: self.line(constant.location) }
                }
                pg_sys::NodeTag::T_TypeCast => {
                    let cast = &*(node as *const pg_sys::TypeCast);
                    let line = self.line(cast.location);
                    let type_name = last_name(cast.typeName);
                    let constant = if cast.arg.is_null() || (*cast.arg).type_ != pg_sys::NodeTag::T_A_Const {
                        None
                    } else {
                        Some(constant_kind(&*(cast.arg as *const pg_sys::A_Const)))
                    };
                    self.statement.cast(type_name, constant, line)
                }
                _ => Value { kind: ValueKind::Other, line: self.statement.line },
            }
        }
    }
}

/// SAFETY: `constant` is a valid A_Const.
unsafe fn constant_kind(constant: &pg_sys::A_Const) -> ValueKind {
    if constant.isnull {
        return ValueKind::Null;
    }
    // SAFETY: every member of the value union starts with its node tag.
    unsafe {
        match constant.val.node.type_ {
            pg_sys::NodeTag::T_Integer => ValueKind::Typed("int4"),
            pg_sys::NodeTag::T_Float => ValueKind::Typed("numeric"),
            pg_sys::NodeTag::T_Boolean => ValueKind::Typed("bool"),
            pg_sys::NodeTag::T_String => ValueKind::Text(text_of(constant.val.sval.sval).unwrap_or_default()),
            _ => ValueKind::Other,
        }
    }
}

/// The last name of a type name (`timestamptz` of pg_catalog.timestamptz).
/// SAFETY: `type_name` is NULL or a valid TypeName.
unsafe fn last_name(type_name: *const pg_sys::TypeName) -> String {
    if type_name.is_null() {
        return String::new();
    }
    // SAFETY: a TypeName's names are a List of String nodes.
    unsafe {
        let names = PgList::<pg_sys::String>::from_pg((*type_name).names);
        names.iter_ptr().last().and_then(|name| text_of((*name).sval)).unwrap_or_default()
    }
}

/// SAFETY: `text` is NULL or a NUL-terminated string.
unsafe fn text_of(text: *const std::ffi::c_char) -> Option<String> {
    // SAFETY: as above.
    (!text.is_null()).then(|| unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned())
}

/// Parse analysis of every statement of `sql` against the catalog: names resolved, types
/// checked, nothing run. In a subtransaction that is rolled back, so the locks it takes go with
/// it. The first error comes back with its byte offset in `sql`, when PostgreSQL gave one.
pub fn analyze(sql: &str) -> Result<(), (CaughtError, Option<usize>)> {
    let c_text = to_c_string(sql);
    let outcome = Scope::rolled_back().run(|_| {
        let _scratch = ScratchContext::enter();
        // SAFETY: raw_parser and parse analysis read the NUL-terminated text; their trees live
        // in the scratch context, freed when it is dropped; we keep nothing of them.
        unsafe {
            let list = pg_sys::raw_parser(c_text.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT);
            for raw in PgList::<pg_sys::RawStmt>::from_pg(list).iter_ptr() {
                pg_sys::parse_analyze_fixedparams(
                    raw,
                    c_text.as_ptr(),
                    std::ptr::null(),
                    0,
                    std::ptr::null_mut(),
                );
            }
        }
    });
    outcome.map_err(|failure| (failure.error, byte_of_char_position(sql, failure.position.cursor)))
}
