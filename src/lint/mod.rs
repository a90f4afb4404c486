//! Lint: rules over a catalog snapshot. Pure code: the server layer (`run.rs`) loads the
//! snapshot, waivers and custom rules, and calls `lint`.

pub mod config;
pub mod custom;
pub mod rules;
pub mod run;

use crate::catalog::{Catalog, Function, Relation};
use config::LintConfig;

pub use confiture_core::lint::{docs_url, Finding, Level, RuleInfo};

/// A built-in rule: what it checks, why, and the function that checks it.
pub struct Rule {
    pub name: &'static str,
    pub category: &'static str,
    pub level: Level,
    pub rationale: &'static str,
    pub remediation: &'static str,
    pub check: fn(&Context, &mut Report),
}

impl Rule {
    pub fn about(&self) -> RuleInfo {
        RuleInfo::of(self.name, self.category, self.rationale)
    }
}

/// What a rule sees: the catalog, the configuration, and the exclusions applied.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub config: &'a LintConfig,
}

impl<'a> Context<'a> {
    /// Tables (plain and partitioned) not excluded by the configuration.
    pub fn tables(&self) -> impl Iterator<Item = &'a Relation> + '_ {
        self.catalog.tables().filter(|t| !self.config.excludes(&t.schema, &t.name))
    }

    /// Tables and materialized views (what holds rows, indexes, columns to name and comment),
    /// not excluded by the configuration.
    pub fn stored(&self) -> impl Iterator<Item = &'a Relation> + '_ {
        self.catalog
            .relations
            .iter()
            .filter(|r| (r.is_table() || r.kind == "m") && !self.config.excludes(&r.schema, &r.name))
    }

    /// Views and materialized views not excluded by the configuration.
    pub fn views(&self) -> impl Iterator<Item = &'a Relation> + '_ {
        self.catalog.relations.iter().filter(|r| r.is_view() && !self.config.excludes(&r.schema, &r.name))
    }

    pub fn schema_excluded(&self, schema: &str) -> bool {
        self.config.schema_excluded(schema)
    }

    /// Whether server-wide findings (settings, roles, replication slots) belong in this lint:
    /// not when the configuration restricts it to some schemas.
    pub fn whole_server(&self) -> bool {
        self.config.schemas.is_empty()
    }
}

/// Collects one rule's findings.
pub struct Report<'r> {
    rule: &'r Rule,
    level: Level,
    findings: Vec<Finding>,
}

/// Where a finding is: a schema (if any), an object and its type, and an optional detail that
/// makes the cache key unique (a column, an index, a policy).
pub struct Site<'s> {
    pub schema: Option<&'s str>,
    pub object: &'s str,
    pub object_type: &'static str,
    pub detail: Option<&'s str>,
}

impl Site<'_> {
    fn key(&self, rule: &str) -> String {
        let mut key = format!("{rule}:");
        if let Some(schema) = self.schema {
            key.push_str(schema);
            key.push('.');
        }
        key.push_str(self.object);
        if let Some(detail) = self.detail {
            key.push('.');
            key.push_str(detail);
        }
        key
    }
}

impl Report<'_> {
    /// Give the finding just added a remediation of its own: runnable SQL naming its objects.
    pub fn remedy(&mut self, remediation: String) {
        if let Some(finding) = self.findings.last_mut() {
            finding.remediation = remediation;
        }
    }

    pub fn add(&mut self, site: Site, message: String, mut metadata: serde_json::Value) {
        if let Some(fields) = metadata.as_object_mut() {
            fields.insert("docs_url".into(), docs_url(self.rule.name).into());
        }
        self.findings.push(Finding {
            rule: self.rule.name.to_string(),
            level: self.level,
            category: self.rule.category.to_string(),
            schema_name: site.schema.map(str::to_string),
            object_name: site.object.to_string(),
            object_type: site.object_type.to_string(),
            message,
            remediation: self.rule.remediation.to_string(),
            cache_key: site.key(self.rule.name),
            metadata,
            waived: false,
            about: self.rule.about(),
        });
    }

    /// A finding about a schema (or something in it named by `detail`, not a relation).
    pub fn on_schema(
        &mut self,
        schema: &str,
        detail: Option<&str>,
        message: String,
        metadata: serde_json::Value,
    ) {
        self.add(Site { schema: None, object: schema, object_type: "schema", detail }, message, metadata);
    }

    /// A finding about a function, named by its signature.
    pub fn on_function(&mut self, function: &Function, message: String, metadata: serde_json::Value) {
        let site = Site {
            schema: Some(&function.schema),
            object: &function.signature,
            object_type: "function",
            detail: None,
        };
        self.add(site, message, metadata);
    }

    pub fn on_relation(
        &mut self,
        relation: &Relation,
        detail: Option<&str>,
        message: String,
        metadata: serde_json::Value,
    ) {
        let object_type = match relation.kind.as_str() {
            "v" => "view",
            "m" => "materialized view",
            "f" => "foreign table",
            _ => "table",
        };
        self.add(
            Site { schema: Some(&relation.schema), object: &relation.name, object_type, detail },
            message,
            metadata,
        );
    }
}

/// Run every enabled built-in rule; findings sorted by level, schema, object, rule.
pub fn lint(catalog: &Catalog, config: &LintConfig) -> Vec<Finding> {
    let context = Context { catalog, config };
    let mut findings = Vec::new();
    for rule in rules::ALL {
        if !config.enabled(rule.name) {
            continue;
        }
        let mut report = Report { rule, level: config.level(rule.name, rule.level), findings: Vec::new() };
        (rule.check)(&context, &mut report);
        findings.append(&mut report.findings);
    }
    let mut findings = fold_partitions(catalog, findings);
    sort(&mut findings);
    findings
}

/// A partition inherits its parent's columns, defaults and constraints, so a rule that fires on
/// the parent fires again on each partition: report it once, on the highest ancestor that has
/// the same finding, with the partitions listed in its metadata.
fn fold_partitions(catalog: &Catalog, findings: Vec<Finding>) -> Vec<Finding> {
    use std::collections::HashMap;
    let position: HashMap<String, usize> =
        findings.iter().enumerate().map(|(i, f)| (f.cache_key.clone(), i)).collect();
    let mut folded_into: Vec<Option<usize>> = vec![None; findings.len()];
    for (i, finding) in findings.iter().enumerate() {
        let Some(schema) = &finding.schema_name else { continue };
        let Some(relation) = catalog.relation(schema, &finding.object_name) else { continue };
        let own = format!("{}:{}.{}", finding.rule, schema, finding.object_name);
        let Some(detail) = finding.cache_key.strip_prefix(&own) else { continue };
        folded_into[i] = catalog
            .ancestors(relation)
            .filter_map(|parent| {
                position.get(&format!("{}:{}.{}{detail}", finding.rule, parent.schema, parent.name))
            })
            .last()
            .copied();
    }
    let mut partitions: HashMap<usize, Vec<String>> = HashMap::new();
    for (i, target) in folded_into.iter().enumerate() {
        if let Some(target) = target {
            let f = &findings[i];
            partitions.entry(*target).or_default().push(format!(
                "{}.{}",
                f.schema_name.as_deref().unwrap_or(""),
                f.object_name
            ));
        }
    }
    findings
        .into_iter()
        .enumerate()
        .filter(|(i, _)| folded_into[*i].is_none())
        .map(|(i, mut finding)| {
            if let Some(mut names) = partitions.remove(&i) {
                names.sort();
                if let Some(metadata) = finding.metadata.as_object_mut() {
                    metadata.insert("partitions".into(), serde_json::json!(names));
                }
            }
            finding
        })
        .collect()
}

pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.level, &a.schema_name, &a.object_name, &a.rule, &a.cache_key).cmp(&(
            b.level,
            &b.schema_name,
            &b.object_name,
            &b.rule,
            &b.cache_key,
        ))
    });
}

pub fn rule(name: &str) -> Option<&'static Rule> {
    rules::ALL.iter().find(|r| r.name == name)
}
