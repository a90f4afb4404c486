//! What a sync will do, decided before any row moves: the tables (selected, matched in the
//! target, ordered parents first), each column's mask, the rows' filter and the COPY format.
//! Everything that can be refused is refused here, all problems listed at once.

use super::catalog::{differences, shown, Index, Table, Trigger};
use super::stream::Wire;
use crate::failure::{Failure, Kind, Result};
use confiture_core::mask::personal::looks_personal;
use confiture_core::mask::rules::{split_qualified, RuleSet, TableRules};
use confiture_core::mask::{ColumnMask, Key, Strategy};
use globset::{Glob, GlobMatcher};
use std::collections::{BTreeMap, BTreeSet};

/// What the command line selects.
#[derive(Debug, Default)]
pub struct Selection {
    pub tables: Vec<String>,
    pub exclude: Vec<String>,
    /// `table=condition` pairs.
    pub filters: Vec<String>,
    pub allow_unmasked: bool,
}

pub struct TablePlan {
    pub source: Table,
    /// The target's enabled user triggers, turned off while the table loads.
    pub target_triggers: Vec<Trigger>,
    /// The target's indexes rebuilt after the COPY.
    pub target_indexes: Vec<Index>,
    /// The copied columns, in COPY order, with the mask of each masked one.
    pub columns: Vec<PlannedColumn>,
    pub filter: Option<String>,
    pub wire: Wire,
}

pub struct PlannedColumn {
    pub name: String,
    pub type_name: String,
    pub mask: Option<ColumnMask>,
    /// What the fingerprint and the report say about the mask.
    pub rule: Option<String>,
}

impl TablePlan {
    pub fn name(&self) -> String {
        self.source.sql_name()
    }

    /// The columns masked (not those a `keep` rule declares harmless).
    pub fn masked_columns(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.mask.as_ref().is_some_and(|m| *m.strategy() != Strategy::Keep))
            .map(|c| c.name.clone())
            .collect()
    }

    /// The masks for the stream, by position; `sql` expressions are computed by the source.
    pub fn stream_masks(&self) -> Vec<Option<&ColumnMask>> {
        self.columns.iter().map(|c| c.mask.as_ref().filter(|m| !m.strategy().passes_through())).collect()
    }
}

fn matcher(pattern: &str) -> Result<(bool, GlobMatcher)> {
    let glob = Glob::new(pattern)
        .map_err(|e| Failure::new(Kind::Config, format!("table pattern {pattern:?}: {e}")))?;
    Ok((pattern.contains('.'), glob.compile_matcher()))
}

fn matches(patterns: &[(bool, GlobMatcher)], table: &Table) -> bool {
    let qualified = format!("{}.{}", table.schema, table.name);
    patterns
        .iter()
        .any(|(has_schema, glob)| glob.is_match(if *has_schema { &qualified } else { &table.name }))
}

/// The source tables a rule or filter names: `schema.table` exactly, or a bare name in `public`,
/// else in the one schema that has it; a partitioned table stands for its partitions.
fn find<'t>(tables: &'t [Table], name: &str, what: &str) -> Result<Vec<&'t Table>> {
    let (schema, table) =
        split_qualified(name).map_err(|e| Failure::new(Kind::Config, format!("{what}: {e}")))?;
    let named = |(s, n): (&str, &str)| n == table && schema.as_ref().is_none_or(|wanted| wanted == s);
    let candidates: Vec<&Table> =
        tables.iter().filter(|t| named((&t.schema, &t.name)) || named(t.logical())).collect();
    let schemas: BTreeSet<&str> = candidates.iter().map(|t| t.logical().0).collect();
    match schemas.len() {
        0 => Err(Failure::new(
            Kind::Config,
            format!("{what} names table {name}, which the source does not have"),
        )),
        1 => Ok(candidates),
        _ if schema.is_none() && schemas.contains("public") => {
            Ok(candidates.into_iter().filter(|t| t.logical().0 == "public").collect())
        }
        _ => Err(Failure::new(
            Kind::Config,
            format!("{what} names table {name}, which several schemas have: qualify it (schema.table)"),
        )),
    }
}

pub fn plan(
    source_tables: &[Table],
    target_tables: &[Table],
    selection: &Selection,
    rules: Option<(&RuleSet, &Key)>,
) -> Result<Vec<TablePlan>> {
    let include = selection.tables.iter().map(|p| matcher(p)).collect::<Result<Vec<_>>>()?;
    let exclude = selection.exclude.iter().map(|p| matcher(p)).collect::<Result<Vec<_>>>()?;
    let selected: Vec<&Table> = source_tables
        .iter()
        .filter(|t| (include.is_empty() || matches(&include, t)) && !matches(&exclude, t))
        .collect();
    if selected.is_empty() {
        return Err(Failure::new(Kind::Config, "no table of the source is selected: nothing to sync"));
    }
    let targets: BTreeMap<(&str, &str), &Table> =
        target_tables.iter().map(|t| ((t.schema.as_str(), t.name.as_str()), t)).collect();
    let target_of = |t: &Table| targets.get(&(t.schema.as_str(), t.name.as_str())).copied();

    let mut problems: Vec<String> = selected.iter().flat_map(|t| differences(t, target_of(t))).collect();

    // Rules and filters, by source table.
    let mut table_rules: BTreeMap<String, &TableRules> = BTreeMap::new();
    if let Some((rules, _)) = rules {
        for entry in &rules.tables {
            let name = match &entry.schema {
                Some(schema) => format!("{}.{}", shown(schema), shown(&entry.table)),
                None => shown(&entry.table),
            };
            for table in find(source_tables, &name, "the rules file")? {
                table_rules.insert(table.sql_name(), entry);
            }
        }
    }
    let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in &selection.filters {
        let Some((name, condition)) =
            pair.split_once('=').filter(|(n, c)| !n.is_empty() && !c.trim().is_empty())
        else {
            return Err(Failure::new(Kind::Config, format!("--where {pair:?}: expected table=condition")));
        };
        for table in find(source_tables, name.trim(), "--where")? {
            filters.entry(table.sql_name()).or_default().push(condition.trim().to_string());
        }
    }

    let mut unmasked = Vec::new();
    let mut plans = Vec::new();
    for source in selected {
        let Some(target) = target_of(source) else { continue };
        let entry = table_rules.get(&source.sql_name()).copied();
        let mut columns = Vec::new();
        for column in source.copied_columns() {
            let rule = entry.and_then(|e| e.columns.iter().find(|r| r.column == column.name));
            let target_column = target.column(&column.name);
            let mut planned = PlannedColumn {
                name: column.name.clone(),
                type_name: column.type_name.clone(),
                mask: None,
                rule: None,
            };
            match (rule, rules) {
                (Some(rule), Some((_, key))) => {
                    let unique = target_column.is_some_and(|c| c.unique);
                    let where_ = format!("{}.{}", source.shown_name(), shown(&column.name));
                    match rule.strategy(unique) {
                        Err(e) => problems.push(format!("{where_}: {e}")),
                        Ok(strategy)
                            if strategy.gives_null() && target_column.is_some_and(|c| c.not_null) =>
                        {
                            problems.push(format!("{where_}: strategy null on a NOT NULL column"))
                        }
                        Ok(strategy) => {
                            let (schema, table) = source.logical();
                            let domain = rule.domain_or(schema, table);
                            planned.rule =
                                Some(format!("{} {:?} domain {domain}", rule.strategy, rule.options));
                            planned.mask = Some(ColumnMask::new(key, &domain, strategy));
                        }
                    }
                }
                _ => {
                    if let Some(word) = looks_personal(source.logical().1, &column.name) {
                        unmasked.push(format!("{}.{} ({word})", source.shown_name(), shown(&column.name)));
                    }
                }
            }
            columns.push(planned);
        }
        if let Some(entry) = entry {
            for rule in &entry.columns {
                if source.copied_columns().all(|c| c.name != rule.column) {
                    problems.push(format!(
                        "the rules file masks {}.{}, which the source does not have (or generates)",
                        source.shown_name(),
                        shown(&rule.column)
                    ));
                }
            }
        }
        let mut conditions = filters.remove(&source.sql_name()).unwrap_or_default();
        if let Some(condition) = entry.and_then(|e| e.filter.clone()) {
            conditions.insert(0, condition);
        }
        let filter = (!conditions.is_empty())
            .then(|| conditions.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(" AND "));
        let portable = source.copied_columns().chain(target.copied_columns()).all(|c| c.portable_binary);
        let masks_text = columns.iter().all(|c| match &c.mask {
            Some(mask) if !mask.strategy().passes_through() => {
                source.column(&c.name).is_some_and(|s| s.text_like)
                    && target.column(&c.name).is_some_and(|t| t.text_like)
            }
            _ => true,
        });
        let wire = if portable && masks_text { Wire::Binary } else { Wire::Text };
        plans.push(TablePlan {
            source: source.clone(),
            target_triggers: target.triggers.clone(),
            target_indexes: target.indexes.clone(),
            columns,
            filter,
            wire,
        });
    }
    if !unmasked.is_empty() && !selection.allow_unmasked {
        let how =
            if rules.is_some() { "no rule masks them" } else { "the copy is not anonymized (--anonymize)" };
        problems.push(format!("these columns look personal and {how}:\n    {}", unmasked.join("\n    ")));
    }
    if !problems.is_empty() {
        return Err(Failure::new(
            Kind::Config,
            format!("sync refused before copying anything:\n  {}", problems.join("\n  ")),
        )
        .with_hint(
            "Build the target from the same schema files (confiture build --fresh), fix the rules file, or, for \
             columns that are not personal, give them the strategy keep (--allow-unmasked copies them all as they are).",
        ));
    }
    Ok(plans)
}

/// A stable summary of the run's choices: a resumed run must make the same ones.
pub fn fingerprint(plans: &[TablePlan], key: Option<&Key>) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"confiture sync 1\n");
    if let Some(key) = key {
        hash.update(key.fingerprint().as_bytes());
    }
    // By name: the load order follows the target's foreign keys, which a run drops.
    let mut sorted: Vec<&TablePlan> = plans.iter().collect();
    sorted.sort_by_key(|plan| plan.name());
    for plan in sorted {
        hash.update(format!("\n{} {:?} {:?}", plan.name(), plan.filter, plan.wire).as_bytes());
        for column in &plan.columns {
            hash.update(format!("\n {} {:?}", column.name, column.rule).as_bytes());
        }
    }
    hash.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Whether a masking strategy needs the source to compute it (the `sql` strategy).
pub fn source_expression(column: &PlannedColumn) -> Option<&str> {
    match column.mask.as_ref().map(ColumnMask::strategy) {
        Some(Strategy::Sql { expr }) => Some(expr),
        _ => None,
    }
}
