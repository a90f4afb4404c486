//! Level 3's drift check without a database: the names a resolver's statements use, looked up
//! in what the schema files create. The server runs PostgreSQL's parse analysis instead; this
//! reports the same errors, in the same words and at the same places, for what it checks:
//! relations, qualified and unqualified columns, INSERT and UPDATE target columns. What it
//! cannot see (columns of subqueries, functions, CTEs) it leaves alone rather than guess.

use confiture_core::seeds::resolvers::{body_line, drift_finding, sql_statements, Resolver};
use confiture_core::seeds::schema::Table;
use confiture_core::seeds::Finding;
use pg_query::protobuf::{ColumnRef, RangeVar, ResTarget};
use pg_query::{NodeEnum, NodeRef};

/// Where the tables a statement names are (the schema files, for the CLI).
pub trait Relations {
    /// `schema.table`, or `table` (schema "") through a session's search path.
    fn find(&self, schema: &str, table: &str) -> Option<&Table>;
}

pub fn drift(resolver: &Resolver, schema: &impl Relations) -> Vec<Finding> {
    sql_statements(&resolver.language, &resolver.body)
        .into_iter()
        .filter_map(|(offset, sql)| {
            let (sqlstate, message, at) = first_error(&sql, schema, &resolver.variables)?;
            drift_finding(resolver, sqlstate, &message, body_line(&resolver.body, offset + at))
        })
        .collect()
}

/// An error PostgreSQL's analysis would raise: (SQLSTATE, message, byte offset in `sql`).
type AnalysisError = (&'static str, String, usize);

/// The first error of the statements of `sql`, as analysis meets them.
fn first_error(sql: &str, schema: &impl Relations, variables: &[String]) -> Option<AnalysisError> {
    let parsed = match pg_query::parse(sql) {
        Ok(parsed) => parsed,
        Err(error) => {
            let at = super::seed_parse::error_token_start(sql).unwrap_or(0);
            return Some(("42601", super::seed_parse::syntax_failure(sql, error).message, at));
        }
    };
    parsed
        .protobuf
        .stmts
        .iter()
        .filter_map(|raw| raw.stmt.as_ref()?.node.as_ref())
        .find_map(|statement| Statement::read(statement, schema, variables).first_error())
}

/// A relation the statement reads or writes, by the name its columns are qualified with.
struct Range<'a> {
    name: String,
    /// None: columns unknown (a subquery, a function, a CTE).
    table: Option<&'a Table>,
}

struct Statement<'a> {
    ranges: Vec<Range<'a>>,
    missing_relations: Vec<AnalysisError>,
    columns: Vec<&'a ColumnRef>,
    /// INSERT column list / UPDATE SET targets, with the written relation's name and table.
    targets: Vec<&'a ResTarget>,
    written: Option<(String, Option<&'a Table>)>,
    output_names: Vec<String>,
    variables: &'a [String],
}

impl<'a> Statement<'a> {
    fn read(node: &'a NodeEnum, schema: &'a impl Relations, variables: &'a [String]) -> Self {
        let mut statement = Statement {
            ranges: Vec::new(),
            missing_relations: Vec::new(),
            columns: Vec::new(),
            targets: Vec::new(),
            written: None,
            output_names: Vec::new(),
            variables,
        };
        let written = match node {
            NodeEnum::InsertStmt(insert) => {
                statement.targets.extend(insert.cols.iter().filter_map(res_target));
                insert.relation.as_ref()
            }
            NodeEnum::UpdateStmt(update) => {
                statement.targets.extend(update.target_list.iter().filter_map(res_target));
                update.relation.as_ref()
            }
            NodeEnum::DeleteStmt(delete) => delete.relation.as_ref(),
            _ => None,
        };
        let mut ctes = Vec::new();
        let mut relations: Vec<&RangeVar> = written.into_iter().collect();
        for (node, _, _, _) in node.nodes() {
            match node {
                NodeRef::CommonTableExpr(cte) => ctes.push(cte.ctename.clone()),
                NodeRef::RangeVar(relation) if !relations.iter().any(|r| r.location == relation.location) => {
                    relations.push(relation)
                }
                NodeRef::RangeSubselect(subquery) => {
                    statement.unknown_range(subquery.alias.as_ref().map(|a| &a.aliasname))
                }
                NodeRef::RangeFunction(function) => {
                    statement.unknown_range(function.alias.as_ref().map(|a| &a.aliasname))
                }
                NodeRef::ColumnRef(column) => statement.columns.push(column),
                NodeRef::ResTarget(target) if !target.name.is_empty() => {
                    statement.output_names.push(target.name.clone())
                }
                _ => {}
            }
        }
        for relation in relations {
            let name = relation.alias.as_ref().map_or(relation.relname.clone(), |a| a.aliasname.clone());
            if relation.schemaname.is_empty() && ctes.contains(&relation.relname) {
                statement.ranges.push(Range { name, table: None });
                continue;
            }
            let table = schema.find(&relation.schemaname, &relation.relname);
            if table.is_none() {
                let written = match relation.schemaname.as_str() {
                    "" => relation.relname.clone(),
                    schema => format!("{schema}.{}", relation.relname),
                };
                let message = format!("relation \"{written}\" does not exist");
                statement.missing_relations.push(("42P01", message, relation.location.max(0) as usize));
            }
            if written.is_some_and(|w| w.location == relation.location) {
                statement.written = Some((relation.relname.clone(), table));
            }
            statement.ranges.push(Range { name, table });
        }
        statement
    }

    fn unknown_range(&mut self, alias: Option<&String>) {
        self.ranges.push(Range { name: alias.cloned().unwrap_or_default(), table: None });
    }

    fn is_variable(&self, name: &str) -> bool {
        self.variables.iter().any(|v| v.eq_ignore_ascii_case(name))
    }

    /// Relations first (analysis resolves FROM before the expressions), then column
    /// references, then the written table's target columns; each group in text order.
    fn first_error(&self) -> Option<AnalysisError> {
        if let Some(error) = self.missing_relations.first() {
            return Some(error.clone());
        }
        let mut columns: Vec<&&ColumnRef> = self.columns.iter().collect();
        columns.sort_by_key(|c| c.location);
        columns.into_iter().find_map(|column| self.column_error(column)).or_else(|| self.target_error())
    }

    fn column_error(&self, column: &ColumnRef) -> Option<AnalysisError> {
        let at = column.location.max(0) as usize;
        let names: Vec<&str> = column
            .fields
            .iter()
            .map_while(|f| match f.node.as_ref() {
                Some(NodeEnum::String(name)) => Some(name.sval.as_str()),
                _ => None,
            })
            .collect();
        let starred = names.len() < column.fields.len();
        // schema.table.column and table.column: the relation is the next-to-last name.
        let qualified = match (names.as_slice(), starred) {
            ([.., qualifier], true) => Some((*qualifier, None)),
            ([.., qualifier, name], false) => Some((*qualifier, Some(*name))),
            _ => None,
        };
        if let Some((qualifier, name)) = qualified {
            if self.is_variable(qualifier) || qualifier.eq_ignore_ascii_case("excluded") {
                return None;
            }
            let Some(range) = self.ranges.iter().find(|r| r.name == qualifier) else {
                return Some(("42P01", format!("missing FROM-clause entry for table \"{qualifier}\""), at));
            };
            let (Some(table), Some(name)) = (range.table, name) else { return None };
            return (!table.has(name))
                .then(|| ("42703", format!("column {qualifier}.{name} does not exist"), at));
        }
        match names.as_slice() {
            [name] => {
                let unknown = self.ranges.is_empty() || self.ranges.iter().any(|r| r.table.is_none());
                let known = self.ranges.iter().filter_map(|r| r.table).any(|t| t.has(name));
                let quiet =
                    unknown || known || self.is_variable(name) || self.output_names.iter().any(|o| o == name);
                (!quiet).then(|| ("42703", format!("column \"{name}\" does not exist"), at))
            }
            _ => None,
        }
    }

    fn target_error(&self) -> Option<AnalysisError> {
        let (relation, Some(table)) = self.written.as_ref()? else { return None };
        self.targets.iter().find(|t| !table.has(&t.name)).map(|target| {
            let message = format!("column \"{}\" of relation \"{relation}\" does not exist", target.name);
            ("42703", message, target.location.max(0) as usize)
        })
    }
}

fn res_target(node: &pg_query::Node) -> Option<&ResTarget> {
    match node.node.as_ref()? {
        NodeEnum::ResTarget(target) => Some(target),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(confiture_core::seeds::schema::Tables);

    impl Relations for Files {
        fn find(&self, schema: &str, table: &str) -> Option<&Table> {
            let schema = if schema.is_empty() { "public" } else { schema };
            self.0.get(&(schema.to_string(), table.to_string()))
        }
    }

    fn schema() -> Files {
        let table = |columns: &[&str]| Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        };
        Files(
            [
                (("p".to_string(), "tb_rate".to_string()), table(&["id", "rate"])),
                (("c".to_string(), "tb_rate".to_string()), table(&["id", "rate"])),
            ]
            .into(),
        )
    }

    #[test]
    fn names_that_do_not_exist_are_reported_as_analysis_words_them() {
        let schema = schema();
        let variables = ["v_total".to_string()];
        let error = |sql: &str| first_error(sql, &schema, &variables);
        assert_eq!(error("INSERT INTO c.tb_rate (id, rate) SELECT s.id, s.rate FROM p.tb_rate s"), None);
        assert_eq!(
            error("INSERT INTO c.tb_rate (id, rate)\nSELECT s.id, s.rate_percent FROM p.tb_rate s"),
            Some(("42703", "column s.rate_percent does not exist".into(), 46))
        );
        assert_eq!(
            error("SELECT s.id FROM p.tb_gone s").map(|e| e.1),
            Some("relation \"p.tb_gone\" does not exist".into())
        );
        assert_eq!(
            error("INSERT INTO c.tb_rate (id, ratio) SELECT 1, 2").map(|e| e.1),
            Some("column \"ratio\" of relation \"tb_rate\" does not exist".into())
        );
        assert_eq!(
            error("SELECT x.id FROM p.tb_rate s").map(|e| e.1),
            Some("missing FROM-clause entry for table \"x\"".into())
        );
        assert_eq!(
            error("SELECT nope FROM p.tb_rate").map(|e| e.1),
            Some("column \"nope\" does not exist".into())
        );
        // Variables, subqueries and output names are left alone.
        assert_eq!(error("SELECT v_total FROM p.tb_rate"), None);
        assert_eq!(error("SELECT q.anything FROM (SELECT 1 AS anything) q"), None);
        assert_eq!(error("SELECT rate AS r FROM p.tb_rate ORDER BY r"), None);
    }
}
