//! Levels 1 to 3 in order, over what a [`Catalog`] knows: the server's catalog (in
//! validate_seeds()) or the project's schema files read offline by the CLI. One orchestration
//! for both, so that both report the same findings for the same schema.

use super::config::SeedConfig;
use super::resolvers::{check_resolver, declared_variables, Resolver};
use super::schema::{check_schema, Tables};
use super::statements::SeedFile;
use super::{files, Finding};
use std::collections::{BTreeSet, HashMap};

/// What the levels ask about the database the seeds are for.
pub trait Catalog {
    /// The schema of the table `schema.table` (or `table`, through the search path), if it exists.
    fn schema_of(&mut self, schema: Option<&str>, table: &str) -> Option<String>;
    fn schema_exists(&mut self, schema: &str) -> bool;
    /// The tables (with columns and single-column foreign keys) of these schemas.
    fn tables(&mut self, schemas: &[String]) -> Tables;
    /// A function `schema.name()` without arguments: (language, body, argument names).
    fn function(&mut self, schema: &str, name: &str) -> Option<(String, String, Vec<String>)>;
    /// Names in the resolver's statements that do not exist: SCHEMA_DRIFT_IN_RESOLVER (and
    /// RESOLVER_NOT_READ for a statement that cannot be checked).
    fn drift(&mut self, resolver: &Resolver, tables: &Tables) -> Vec<Finding>;
}

/// What levels 1-3 found, and what levels 4-5 run with.
pub struct Checked {
    pub findings: Vec<Finding>,
    pub tables: Tables,
    /// The staging tables' resolvers, by table.
    pub resolvers: Vec<(String, Resolver)>,
}

/// Levels 1 to `level.min(3)` over the parsed files (their targets are resolved here).
pub fn check(level: i32, files: &mut [SeedFile], config: &SeedConfig, catalog: &mut impl Catalog) -> Checked {
    resolve_targets(files, catalog);
    let pattern = catalog.schema_exists(&config.staging_schema);
    let mut findings = files::check_files(files, config, pattern);
    let tables = if level >= 2 { catalog.tables(&schemas_of(files, config)) } else { Tables::new() };
    if level >= 2 {
        findings.extend(check_schema(files, &tables, config, pattern));
    }
    let mut resolvers = Vec::new();
    if level >= 3 && pattern {
        let finals = staging_tables(&tables, config)
            .into_iter()
            .filter(|(table, _)| tables.contains_key(&(config.final_schema.clone(), table.clone())));
        for (table, columns) in finals {
            let resolver = resolver(catalog, config, &table);
            findings.extend(check_resolver(&table, &columns, resolver.as_ref(), &tables, config));
            if let Some(resolver) = resolver {
                findings.extend(catalog.drift(&resolver, &tables));
                resolvers.push((table, resolver));
            }
        }
    }
    Checked { findings, tables, resolvers }
}

/// Findings in report order: by level, file and line.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| (a.level, &a.file, a.line).cmp(&(b.level, &b.file, b.line)));
}

fn resolve_targets(files: &mut [SeedFile], catalog: &mut impl Catalog) {
    // Seed files often repeat one table thousands of times: ask once per name.
    let mut known: HashMap<(Option<String>, String), Option<String>> = HashMap::new();
    for file in files {
        let Ok(statements) = &mut file.parsed else { continue };
        for target in statements.iter_mut().filter_map(|s| s.target.as_mut()) {
            let key = (target.schema.clone(), target.table.clone());
            let schema = known
                .entry(key)
                .or_insert_with(|| catalog.schema_of(target.schema.as_deref(), &target.table))
                .clone();
            target.resolved_schema = schema;
        }
    }
}

/// The staging and final schemas and every schema a seed writes.
fn schemas_of(files: &[SeedFile], config: &SeedConfig) -> Vec<String> {
    let mut schemas: BTreeSet<String> = [config.staging_schema.clone(), config.final_schema.clone()].into();
    for statement in files.iter().flat_map(SeedFile::statements) {
        if let Some(schema) = statement.target.as_ref().and_then(|t| t.schema()) {
            schemas.insert(schema.to_string());
        }
    }
    schemas.into_iter().collect()
}

/// The staging schema's tables with their columns.
pub fn staging_tables(tables: &Tables, config: &SeedConfig) -> Vec<(String, Vec<String>)> {
    tables
        .iter()
        .filter(|((schema, _), _)| *schema == config.staging_schema)
        .map(|((_, name), table)| (name.clone(), table.columns.clone()))
        .collect()
}

/// A staging table's resolver: `<resolver schema>.<prefix><table>()`, without arguments.
fn resolver(catalog: &mut impl Catalog, config: &SeedConfig, table: &str) -> Option<Resolver> {
    let schema = config.resolver_schema();
    let name = config.resolver_name(table);
    let (language, body, mut variables) = catalog.function(schema, &name)?;
    variables.extend(declared_variables(&body));
    Some(Resolver { signature: format!("{schema}.{name}()"), language, body, variables })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds::schema::Table;
    use crate::seeds::statements::{Action, SeedStatement, Target};

    /// A catalog with prep_seed.tb_city and catalog.tb_city, and no resolver.
    #[derive(Default)]
    struct Fake {
        lookups: usize,
    }

    impl Catalog for Fake {
        fn schema_of(&mut self, schema: Option<&str>, table: &str) -> Option<String> {
            self.lookups += 1;
            (table == "tb_city").then(|| schema.unwrap_or("prep_seed").to_string())
        }
        fn schema_exists(&mut self, schema: &str) -> bool {
            schema == "prep_seed"
        }
        fn tables(&mut self, schemas: &[String]) -> Tables {
            let table = Table { columns: vec!["id".into(), "name".into()], ..Default::default() };
            schemas
                .iter()
                .filter(|s| *s == "prep_seed" || *s == "catalog")
                .map(|s| ((s.clone(), "tb_city".into()), table.clone()))
                .collect()
        }
        fn function(&mut self, _: &str, _: &str) -> Option<(String, String, Vec<String>)> {
            None
        }
        fn drift(&mut self, _: &Resolver, _: &Tables) -> Vec<Finding> {
            vec![]
        }
    }

    fn insert(table: &str, columns: &[&str], line: usize) -> SeedStatement {
        let mut statement = SeedStatement::at(0, 1, line);
        statement.action = Action::Insert;
        statement.target =
            Some(Target { schema: Some("prep_seed".into()), table: table.into(), resolved_schema: None });
        statement.columns = columns.iter().map(|c| (c.to_string(), line)).collect();
        statement
    }

    #[test]
    fn levels_run_in_order_over_the_catalog_and_ask_once_per_table() {
        let statements = vec![
            insert("tb_city", &["id", "name"], 1),
            insert("tb_city", &["id", "nom"], 2),
            insert("tb_town", &["id"], 3),
        ];
        let mut files = vec![SeedFile { name: "s.sql".into(), text: String::new(), parsed: Ok(statements) }];
        let mut catalog = Fake::default();
        let mut checked = check(3, &mut files, &SeedConfig::default(), &mut catalog);
        sort(&mut checked.findings);
        let codes: Vec<(&str, Option<i32>)> =
            checked.findings.iter().map(|f| (f.code.as_str(), f.line)).collect();
        assert_eq!(
            codes,
            [
                ("MISSING_TARGET_COLUMN", Some(2)),
                ("MISSING_TARGET_TABLE", Some(3)),
                ("MISSING_RESOLVER_FUNCTION", None)
            ]
        );
        assert_eq!(catalog.lookups, 2, "tb_city and tb_town, once each");
        assert_eq!(
            files[0].statements()[0].target.as_ref().unwrap().resolved_schema.as_deref(),
            Some("prep_seed")
        );
        // Level 1 asks nothing of the tables.
        assert!(check(1, &mut files, &SeedConfig::default(), &mut Fake::default()).tables.is_empty());
    }
}
