//! What the schema files create, read with PostgreSQL's parser (pg_query) without a database:
//! schemas, tables and views with their columns and single-column foreign keys, and functions.
//! The seed levels ask it what they would ask the catalog of a database built from those files.

use confiture_core::seeds::levels::Catalog;
use confiture_core::seeds::resolvers::Resolver;
use confiture_core::seeds::schema::{Table, Tables};
use confiture_core::seeds::Finding;
use pg_query::protobuf::{a_const, AlterTableType, ColumnDef, ConstrType, Constraint, RangeVar};
use pg_query::{Node, NodeEnum};
use std::collections::BTreeSet;

/// A function as pg_proc would hold it: (schema, name, argument count, language, body,
/// argument names).
#[derive(Clone, Debug)]
struct Function {
    schema: String,
    name: String,
    arguments: usize,
    language: String,
    body: String,
    argument_names: Vec<String>,
}

#[derive(Debug, Default)]
pub struct SchemaFiles {
    schemas: BTreeSet<String>,
    pub tables: Tables,
    functions: Vec<Function>,
    /// Where unqualified names go while the files are read (their `SET search_path`).
    creation_path: Vec<String>,
}

impl SchemaFiles {
    /// Read the files in build order. A file the parser rejects is an error naming it.
    pub fn read<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut schema = SchemaFiles { creation_path: vec!["public".into()], ..Default::default() };
        schema.schemas.insert("public".into());
        for (name, text) in files {
            let parsed = pg_query::parse(text).map_err(|error| {
                let failure = super::seed_parse::syntax_failure(text, error);
                format!("{name}:{}: {}", failure.line, failure.message)
            })?;
            for raw in &parsed.protobuf.stmts {
                if let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) {
                    schema.statement(node);
                }
            }
        }
        Ok(schema)
    }

    fn statement(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::CreateSchemaStmt(create) => {
                self.schemas.insert(create.schemaname.clone());
            }
            NodeEnum::CreateStmt(create) => self.create_table(create),
            NodeEnum::CreateForeignTableStmt(create) => {
                if let Some(base) = &create.base_stmt {
                    self.create_table(base);
                }
            }
            NodeEnum::ViewStmt(view) => {
                let Some(relation) = &view.view else { return };
                let key = self.creation_key(relation);
                let mut columns: Vec<String> = view.aliases.iter().filter_map(string_of).collect();
                if let Some(Some(NodeEnum::SelectStmt(select))) = view.query.as_ref().map(|q| q.node.as_ref())
                {
                    let derived = self.select_columns(select);
                    columns.extend(derived.into_iter().skip(columns.len()));
                }
                self.tables.insert(key, Table { columns, references: Default::default() });
            }
            NodeEnum::AlterTableStmt(alter) => self.alter_table(alter),
            NodeEnum::RenameStmt(rename) => self.rename(rename),
            NodeEnum::CreateFunctionStmt(create) => self.create_function(create),
            NodeEnum::VariableSetStmt(set) if set.name.eq_ignore_ascii_case("search_path") => {
                // The parser has folded unquoted names already; '' is an empty path.
                self.creation_path =
                    set.args.iter().filter_map(constant_text).filter(|s| !s.is_empty()).collect();
            }
            NodeEnum::SelectStmt(select) => self.set_config(select),
            _ => {}
        }
    }

    /// pg_dump's `SELECT pg_catalog.set_config('search_path', '', false);`.
    fn set_config(&mut self, select: &pg_query::protobuf::SelectStmt) {
        for target in &select.target_list {
            let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else { continue };
            let Some(NodeEnum::FuncCall(call)) = target.val.as_ref().and_then(|v| v.node.as_ref()) else {
                continue;
            };
            let name = call.funcname.iter().filter_map(string_of).last().unwrap_or_default();
            let arguments: Vec<String> = call.args.iter().filter_map(constant_text).collect();
            if name == "set_config" && arguments.first().is_some_and(|a| a == "search_path") {
                let path = arguments.get(1).cloned().unwrap_or_default();
                self.creation_path = path
                    .split(',')
                    .map(|s| s.trim().trim_matches('"').to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
        }
    }

    /// Where `CREATE ... relation` puts it: its schema, else the first of the search path.
    fn creation_key(&self, relation: &RangeVar) -> (String, String) {
        let schema = match relation.schemaname.as_str() {
            "" => {
                self.creation_path.iter().find(|s| *s != "$user").cloned().unwrap_or_else(|| "public".into())
            }
            schema => schema.to_string(),
        };
        (schema, relation.relname.clone())
    }

    /// An existing table a statement names: its schema, else the first of the search path that has it.
    fn existing_key(&self, relation: &RangeVar) -> (String, String) {
        if relation.schemaname.is_empty() {
            if let Some(schema) = self
                .creation_path
                .iter()
                .find(|s| self.tables.contains_key(&((*s).clone(), relation.relname.clone())))
            {
                return (schema.clone(), relation.relname.clone());
            }
        }
        self.creation_key(relation)
    }

    fn create_table(&mut self, create: &pg_query::protobuf::CreateStmt) {
        let Some(relation) = &create.relation else { return };
        let key = self.creation_key(relation);
        let mut table = Table::default();
        // Inherited (and partition-of) tables start with their parents' columns.
        for parent in create.inh_relations.iter().filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::RangeVar(parent)) => Some(parent),
            _ => None,
        }) {
            if let Some(parent) = self.tables.get(&self.existing_key(parent)) {
                table.columns.extend(
                    parent.columns.iter().filter(|c| !table.columns.contains(c)).cloned().collect::<Vec<_>>(),
                );
            }
        }
        for element in create.table_elts.iter().filter_map(|n| n.node.as_ref()) {
            match element {
                NodeEnum::ColumnDef(column) => self.add_column(&mut table, column),
                NodeEnum::Constraint(constraint) => self.add_reference(&mut table, constraint, None),
                NodeEnum::TableLikeClause(like) => {
                    if let Some(source) =
                        like.relation.as_ref().and_then(|r| self.tables.get(&self.existing_key(r)))
                    {
                        table.columns.extend(source.columns.clone());
                    }
                }
                _ => {}
            }
        }
        self.tables.insert(key, table);
    }

    fn add_column(&self, table: &mut Table, column: &ColumnDef) {
        if !table.columns.contains(&column.colname) {
            table.columns.push(column.colname.clone());
        }
        for constraint in column.constraints.iter().filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::Constraint(constraint)) => Some(constraint),
            _ => None,
        }) {
            self.add_reference(table, constraint, Some(&column.colname));
        }
    }

    /// A single-column foreign key: the column (named, or the column it is declared on) and the
    /// table it references.
    fn add_reference(&self, table: &mut Table, constraint: &Constraint, on_column: Option<&str>) {
        if constraint.contype != ConstrType::ConstrForeign as i32 {
            return;
        }
        let columns: Vec<String> = constraint.fk_attrs.iter().filter_map(string_of).collect();
        let column = match (columns.as_slice(), on_column) {
            ([column], _) => column.clone(),
            ([], Some(column)) => column.to_string(),
            _ => return,
        };
        if let Some(parent) = &constraint.pktable {
            table.references.insert(column, self.existing_key(parent));
        }
    }

    fn alter_table(&mut self, alter: &pg_query::protobuf::AlterTableStmt) {
        let Some(relation) = &alter.relation else { return };
        let key = self.existing_key(relation);
        let Some(mut table) = self.tables.remove(&key) else { return };
        for command in alter.cmds.iter().filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::AlterTableCmd(command)) => Some(command),
            _ => None,
        }) {
            let definition = command.def.as_ref().and_then(|d| d.node.as_ref());
            match (AlterTableType::try_from(command.subtype), definition) {
                (Ok(AlterTableType::AtAddColumn), Some(NodeEnum::ColumnDef(column))) => {
                    self.add_column(&mut table, column)
                }
                (Ok(AlterTableType::AtAddConstraint), Some(NodeEnum::Constraint(constraint))) => {
                    self.add_reference(&mut table, constraint, None)
                }
                (Ok(AlterTableType::AtDropColumn), _) => {
                    table.columns.retain(|c| *c != command.name);
                    table.references.remove(&command.name);
                }
                _ => {}
            }
        }
        self.tables.insert(key, table);
    }

    fn rename(&mut self, rename: &pg_query::protobuf::RenameStmt) {
        use pg_query::protobuf::ObjectType;
        let Some(relation) = &rename.relation else { return };
        let key = self.existing_key(relation);
        match ObjectType::try_from(rename.rename_type) {
            Ok(ObjectType::ObjectColumn) => {
                if let Some(table) = self.tables.get_mut(&key) {
                    for column in table.columns.iter_mut().filter(|c| **c == rename.subname) {
                        column.clone_from(&rename.newname);
                    }
                    if let Some(parent) = table.references.remove(&rename.subname) {
                        table.references.insert(rename.newname.clone(), parent);
                    }
                }
            }
            Ok(ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectForeignTable) => {
                if let Some(table) = self.tables.remove(&key) {
                    self.tables.insert((key.0, rename.newname.clone()), table);
                }
            }
            _ => {}
        }
    }

    fn create_function(&mut self, create: &pg_query::protobuf::CreateFunctionStmt) {
        let names: Vec<String> = create.funcname.iter().filter_map(string_of).collect();
        let (schema, name) = match names.as_slice() {
            [name] => (self.creation_path.first().cloned().unwrap_or_else(|| "public".into()), name.clone()),
            [.., schema, name] => (schema.clone(), name.clone()),
            [] => return,
        };
        let mut arguments = 0;
        let mut argument_names = Vec::new();
        for parameter in create.parameters.iter().filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::FunctionParameter(parameter)) => Some(parameter),
            _ => None,
        }) {
            use pg_query::protobuf::FunctionParameterMode::*;
            // pronargs counts the input arguments: IN, INOUT, VARIADIC (and unspecified).
            let mode = pg_query::protobuf::FunctionParameterMode::try_from(parameter.mode);
            if !matches!(mode, Ok(FuncParamOut | FuncParamTable)) {
                arguments += 1;
            }
            argument_names.push(parameter.name.clone());
        }
        if argument_names.iter().all(String::is_empty) {
            argument_names.clear();
        }
        let option = |wanted: &str| {
            create.options.iter().find_map(|n| match n.node.as_ref() {
                Some(NodeEnum::DefElem(option)) if option.defname == wanted => option.arg.as_deref().cloned(),
                _ => None,
            })
        };
        let language =
            option("language").as_ref().and_then(string_of).unwrap_or_else(|| "sql".into()).to_lowercase();
        // prosrc: the AS string (the first of two for C functions); empty for a BEGIN ATOMIC body.
        let body = match option("as").and_then(|n| n.node) {
            Some(NodeEnum::List(list)) => list.items.first().and_then(string_of).unwrap_or_default(),
            Some(NodeEnum::String(text)) => text.sval,
            _ => String::new(),
        };
        self.functions.retain(|f| !(f.schema == schema && f.name == name && f.arguments == arguments));
        self.functions.push(Function { schema, name, arguments, language, body, argument_names });
    }

    /// A view's columns from its SELECT: each target's name (its alias, or the column it reads),
    /// `*` expanded from the tables it reads when they are known.
    fn select_columns(&self, select: &pg_query::protobuf::SelectStmt) -> Vec<String> {
        let mut columns = Vec::new();
        for target in &select.target_list {
            let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else { continue };
            if !target.name.is_empty() {
                columns.push(target.name.clone());
                continue;
            }
            match target.val.as_ref().and_then(|v| v.node.as_ref()) {
                Some(NodeEnum::ColumnRef(reference)) => {
                    match reference.fields.last().and_then(|f| f.node.as_ref()) {
                        Some(NodeEnum::String(name)) => columns.push(name.sval.clone()),
                        Some(NodeEnum::AStar(_)) => {
                            for from in select.from_clause.iter().filter_map(|n| match n.node.as_ref() {
                                Some(NodeEnum::RangeVar(from)) => Some(from),
                                _ => None,
                            }) {
                                if let Some(table) = self.tables.get(&self.existing_key(from)) {
                                    columns.extend(table.columns.clone());
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(NodeEnum::FuncCall(call)) => columns.push(
                    call.funcname.iter().filter_map(string_of).last().unwrap_or_else(|| "?column?".into()),
                ),
                _ => columns.push("?column?".into()),
            }
        }
        columns
    }
}

impl super::drift::Relations for SchemaFiles {
    fn find(&self, schema: &str, table: &str) -> Option<&Table> {
        self.tables.get(&(session_schema(schema).to_string(), table.to_string()))
    }
}

/// Where an unqualified name (schema "") resolves in a session, as the server resolves the
/// seeds' targets and the resolvers' names: the default search path's public.
fn session_schema(schema: &str) -> &str {
    if schema.is_empty() {
        "public"
    } else {
        schema
    }
}

impl Catalog for SchemaFiles {
    fn schema_of(&mut self, schema: Option<&str>, table: &str) -> Option<String> {
        let schema = session_schema(schema.unwrap_or(""));
        self.tables.contains_key(&(schema.to_string(), table.to_string())).then(|| schema.to_string())
    }

    fn schema_exists(&mut self, schema: &str) -> bool {
        self.schemas.contains(schema) || self.tables.keys().any(|(s, _)| s == schema)
    }

    fn tables(&mut self, schemas: &[String]) -> Tables {
        self.tables
            .iter()
            .filter(|((schema, _), _)| schemas.contains(schema))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn function(&mut self, schema: &str, name: &str) -> Option<(String, String, Vec<String>)> {
        self.functions
            .iter()
            .find(|f| f.schema == schema && f.name == name && f.arguments == 0)
            .map(|f| (f.language.clone(), f.body.clone(), f.argument_names.clone()))
    }

    fn drift(&mut self, resolver: &Resolver, _tables: &Tables) -> Vec<Finding> {
        super::drift::drift(resolver, self)
    }
}

fn string_of(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::String(text) => Some(text.sval.clone()),
        NodeEnum::TypeName(name) => name.names.iter().filter_map(string_of).last(),
        _ => None,
    }
}

/// A constant's text: `'app'`, `app` (a name), `1`.
fn constant_text(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::AConst(constant) => match &constant.val {
            Some(a_const::Val::Sval(text)) => Some(text.sval.clone()),
            Some(a_const::Val::Ival(number)) => Some(number.ival.to_string()),
            _ => None,
        },
        NodeEnum::String(text) => Some(text.sval.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_columns_references_and_functions_from_files() {
        let files = [
            ("a.sql", "CREATE SCHEMA app;\nSET search_path = app, public;\nCREATE TABLE parent (id int PRIMARY KEY);\n"),
            (
                "b.sql",
                "CREATE TABLE child (id int, parent_id int REFERENCES parent, other_id int,\n\
                 FOREIGN KEY (other_id) REFERENCES public.other (id));\n\
                 ALTER TABLE child ADD COLUMN note text, DROP COLUMN id;\n\
                 ALTER TABLE child RENAME COLUMN note TO remark;\n\
                 CREATE VIEW v AS SELECT c.*, 1 AS one FROM child c;\n\
                 CREATE FUNCTION app.f() RETURNS void LANGUAGE plpgsql AS $$BEGIN NULL; END$$;\n",
            ),
        ];
        let mut schema = SchemaFiles::read(files).unwrap();
        let child = &schema.tables[&("app".to_string(), "child".to_string())];
        assert_eq!(child.columns, ["parent_id", "other_id", "remark"]);
        assert_eq!(child.references["parent_id"], ("app".to_string(), "parent".to_string()));
        assert_eq!(child.references["other_id"], ("public".to_string(), "other".to_string()));
        assert_eq!(
            schema.tables[&("app".to_string(), "v".to_string())].columns,
            ["parent_id", "other_id", "remark", "one"]
        );
        assert!(schema.schema_exists("app"));
        let (language, body, _) = schema.function("app", "f").unwrap();
        assert_eq!((language.as_str(), body.as_str()), ("plpgsql", "BEGIN NULL; END"));
        let error = SchemaFiles::read([("c.sql", "CREATE TABLE (;")]).unwrap_err();
        assert!(error.starts_with("c.sql:1: syntax error"), "{error}");
    }
}
