//! Seed files read with PostgreSQL's parser as a library (libpg_query, the pg_query crate) into
//! the structs the levels check: the same reading as the extension's `server::seed_parse`, from
//! the same grammar, so both paths report the same findings at the same lines.

use confiture_core::seeds::statements::{
    Action, ParseFailure, SeedFile, SeedStatement, Target, Value, ValueKind,
};
use confiture_core::sql_text::{skip_blanks_and_comments, LineIndex};
use pg_query::protobuf::{a_const, AConst, RangeVar, SelectStmt, SetOperation, TypeCast};
use pg_query::NodeEnum;

pub fn parse_file(name: String, text: String) -> SeedFile {
    let parsed = match pg_query::parse(&text) {
        Ok(result) => Ok(read_statements(&result.protobuf, &text)),
        Err(error) => Err(syntax_failure(&text, error)),
    };
    SeedFile { name, text, parsed }
}

/// The parser's message ("syntax error at or near ...") and the line of the token it stopped
/// at. libpg_query's Rust binding drops the error position, so it is found again: the shortest
/// prefix of the text, cut after a token, that fails other than "at end of input" ends with it.
pub fn syntax_failure(text: &str, error: pg_query::Error) -> ParseFailure {
    let message = match error {
        pg_query::Error::Parse(message) | pg_query::Error::Scan(message) => message,
        other => other.to_string(),
    };
    let line = error_token_start(text).map_or(1, |at| LineIndex::new(text).line_of(at));
    ParseFailure { line, message }
}

pub fn error_token_start(text: &str) -> Option<usize> {
    let tokens = pg_query::scan(text).ok()?.tokens;
    let fails_at_token = |index: usize| {
        let end = tokens[index].end as usize;
        matches!(pg_query::parse(&text[..end]), Err(pg_query::Error::Parse(m)) if !m.contains("at end of input"))
    };
    // Monotonic: once a prefix fails at a token, every longer prefix fails there too.
    let (mut low, mut high) = (0, tokens.len());
    while low < high {
        let middle = (low + high) / 2;
        if fails_at_token(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    tokens.get(low).map(|token| token.start as usize)
}

fn read_statements(result: &pg_query::protobuf::ParseResult, text: &str) -> Vec<SeedStatement> {
    let lines = LineIndex::new(text);
    result
        .stmts
        .iter()
        .map(|raw| {
            let from = raw.stmt_location.max(0) as usize;
            let end = if raw.stmt_len > 0 { from + raw.stmt_len as usize } else { text.len() };
            let start = skip_blanks_and_comments(text, from);
            let mut reader = Reader {
                lines: &lines,
                statement: SeedStatement::at(start, end.min(text.len()), lines.line_of(start)),
            };
            // `refused` (statements that cannot run in the seeds' transaction) matters to levels 4
            // and 5 only, which run in the server.
            if let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) {
                reader.statement_node(node);
            }
            reader.statement
        })
        .collect()
}

struct Reader<'a> {
    lines: &'a LineIndex,
    statement: SeedStatement,
}

impl Reader<'_> {
    fn line(&self, location: i32) -> usize {
        self.lines.line_of(location.max(0) as usize)
    }

    fn statement_node(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::InsertStmt(insert) => {
                self.statement.action = Action::Insert;
                self.target(insert.relation.as_ref());
                for column in insert.cols.iter().filter_map(|c| c.node.as_ref()) {
                    if let NodeEnum::ResTarget(target) = column {
                        self.column(&target.name, target.location);
                    }
                }
                if let Some(NodeEnum::SelectStmt(select)) =
                    insert.select_stmt.as_ref().and_then(|s| s.node.as_ref())
                {
                    self.select(select, true);
                }
            }
            NodeEnum::UpdateStmt(update) => {
                self.statement.action = Action::Update;
                self.target(update.relation.as_ref());
                let mut row = Vec::new();
                for item in update.target_list.iter().filter_map(|c| c.node.as_ref()) {
                    if let NodeEnum::ResTarget(target) = item {
                        self.column(&target.name, target.location);
                        row.push(self.value(target.val.as_ref().and_then(|v| v.node.as_ref())));
                    }
                }
                self.statement.rows.push(row);
            }
            NodeEnum::DeleteStmt(delete) => {
                self.statement.action = Action::Delete;
                self.target(delete.relation.as_ref());
            }
            NodeEnum::MergeStmt(merge) => {
                self.statement.action = Action::Merge;
                self.target(merge.relation.as_ref());
            }
            NodeEnum::CopyStmt(copy) if copy.is_from && copy.relation.is_some() => {
                self.statement.action = Action::CopyFrom;
                self.target(copy.relation.as_ref());
                let location = copy.relation.as_ref().map_or(0, |r| r.location);
                for name in copy.attlist.iter().filter_map(|n| n.node.as_ref()) {
                    if let NodeEnum::String(name) = name {
                        self.column(&name.sval, location);
                    }
                }
            }
            NodeEnum::SelectStmt(select) => self.select(select, false),
            _ => {}
        }
    }

    fn target(&mut self, relation: Option<&RangeVar>) {
        let Some(relation) = relation.filter(|r| !r.relname.is_empty()) else { return };
        let schema = (!relation.schemaname.is_empty()).then(|| relation.schemaname.clone());
        self.statement.target =
            Some(Target { schema, table: relation.relname.clone(), resolved_schema: None });
    }

    fn column(&mut self, name: &str, location: i32) {
        let line = self.line(location);
        self.statement.columns.push((name.to_string(), line));
    }

    /// As the server's reader: VALUES rows or each UNION branch's targets; a UNION kept whole.
    fn select(&mut self, select: &SelectStmt, inserted: bool) {
        let mut branches = Vec::new();
        self.branches(select, &mut branches);
        if is_set_operation(select) {
            self.statement.unions.push(branches.clone());
        }
        if inserted {
            self.statement.rows.extend(branches);
        }
    }

    fn branches(&mut self, select: &SelectStmt, out: &mut Vec<Vec<Value>>) {
        if is_set_operation(select) {
            if let Some(left) = &select.larg {
                self.branches(left, out);
            }
            if let Some(right) = &select.rarg {
                self.branches(right, out);
            }
        } else if !select.values_lists.is_empty() {
            for row in select.values_lists.iter().filter_map(|r| r.node.as_ref()) {
                if let NodeEnum::List(list) = row {
                    let values = list.items.iter().map(|v| self.value(v.node.as_ref())).collect();
                    out.push(values);
                }
            }
        } else {
            let values = select
                .target_list
                .iter()
                .filter_map(|t| match t.node.as_ref() {
                    Some(NodeEnum::ResTarget(target)) => {
                        Some(target.val.as_ref().and_then(|v| v.node.as_ref()))
                    }
                    _ => None,
                })
                .map(|value| self.value(value))
                .collect();
            out.push(values);
        }
    }

    fn value(&mut self, node: Option<&NodeEnum>) -> Value {
        match node {
            Some(NodeEnum::AConst(constant)) => {
                Value { kind: constant_kind(constant), line: self.line(constant.location) }
            }
            Some(NodeEnum::TypeCast(cast)) => self.cast(cast),
            _ => Value { kind: ValueKind::Other, line: self.statement.line },
        }
    }

    fn cast(&mut self, cast: &TypeCast) -> Value {
        let line = self.line(cast.location);
        let type_name = cast
            .type_name
            .as_ref()
            .and_then(|t| t.names.last())
            .and_then(|n| match n.node.as_ref() {
                Some(NodeEnum::String(name)) => Some(name.sval.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let constant = match cast.arg.as_ref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::AConst(constant)) => Some(constant_kind(constant)),
            _ => None,
        };
        self.statement.cast(type_name, constant, line)
    }
}

fn is_set_operation(select: &SelectStmt) -> bool {
    select.op != SetOperation::SetopNone as i32 && select.op != SetOperation::Undefined as i32
}

fn constant_kind(constant: &AConst) -> ValueKind {
    if constant.isnull {
        return ValueKind::Null;
    }
    match &constant.val {
        Some(a_const::Val::Ival(_)) => ValueKind::Typed("int4"),
        Some(a_const::Val::Fval(_)) => ValueKind::Typed("numeric"),
        Some(a_const::Val::Boolval(_)) => ValueKind::Typed("bool"),
        Some(a_const::Val::Sval(text)) => ValueKind::Text(text.sval.clone()),
        _ => ValueKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_is_placed_on_the_token_the_parser_stopped_at() {
        let text = "-- two rows\nINSERT INTO t (id) VALUES\n  (1)\n  (2);\n";
        let file = parse_file("f.sql".into(), text.into());
        let failure = file.parsed.unwrap_err();
        assert_eq!((failure.line, failure.message.as_str()), (4, "syntax error at or near \"(\""));
    }

    #[test]
    fn inserts_are_read_with_columns_values_and_uuid_casts() {
        let text = "INSERT INTO prep_seed.tb_x (id, n)\nVALUES ('a'::uuid, 1), (NULL, 2.5)\nUNION ALL SELECT 'b', true;";
        let file = parse_file("f.sql".into(), text.into());
        let statement = &file.statements()[0];
        assert_eq!(statement.action, Action::Insert);
        assert_eq!(statement.target.as_ref().unwrap().display(), "prep_seed.tb_x");
        assert_eq!(statement.columns, [("id".to_string(), 1), ("n".to_string(), 1)]);
        assert_eq!(statement.uuid_casts, [("a".to_string(), 2)]);
        assert_eq!(statement.unions.len(), 1);
        assert!(matches!(statement.rows[1][0].kind, ValueKind::Null));
        assert!(matches!(statement.rows[1][1].kind, ValueKind::Typed("numeric")));
    }
}
