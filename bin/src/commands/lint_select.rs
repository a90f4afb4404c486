//! `lint --select/--ignore` (which rules run) and `lint --baseline` (which findings are already
//! known). Pure: the rule list comes from confiture.lint_rules(), the findings from lint_schema().

use crate::failure::{Failure, Kind, Result};
use confiture_core::lint::Finding;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A rule as confiture.lint_rules() lists it.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub name: String,
    pub level: String,
    pub category: String,
    pub rationale: String,
    pub custom: bool,
}

/// Which rules run: `select` (rule names, categories, or `default` for every rule; empty means
/// every rule), then `ignore` (names or categories) removes. Returns each rule's `enabled` flag,
/// for the `rules` section of the lint configuration. An unknown name is an error, not a no-op.
pub fn rule_switches(rules: &[Rule], select: &[String], ignore: &[String]) -> Result<BTreeMap<String, bool>> {
    let matches =
        |rule: &Rule, token: &str| token == "default" || token == rule.name || token == rule.category;
    for token in select.iter().chain(ignore) {
        if !rules.iter().any(|rule| matches(rule, token)) {
            let mut categories: Vec<&str> = rules.iter().map(|r| r.category.as_str()).collect();
            categories.sort_unstable();
            categories.dedup();
            return Err(Failure::new(Kind::Config, format!("lint: no rule or category \"{token}\""))
                .with_hint(format!(
                    "confiture lint --list-rules lists the rules; the categories are {}.",
                    categories.join(", ")
                )));
        }
    }
    Ok(rules
        .iter()
        .map(|rule| {
            let selected = select.is_empty() || select.iter().any(|token| matches(rule, token));
            let ignored = ignore.iter().any(|token| token != "default" && matches(rule, token));
            (rule.name.clone(), selected && !ignored)
        })
        .collect())
}

/// A baseline file: the findings a team has accepted for now, by their stable cache_key.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
pub struct BaselineEntry {
    pub cache_key: String,
    pub rule: String,
    pub object: String,
}

impl Baseline {
    pub fn of(findings: &[Finding]) -> Self {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .filter(|f| !f.waived)
            .map(|f| BaselineEntry {
                cache_key: f.cache_key.clone(),
                rule: f.rule.clone(),
                object: f.object(),
            })
            .collect();
        entries.sort_by(|a, b| a.cache_key.cmp(&b.cache_key));
        entries.dedup_by(|a, b| a.cache_key == b.cache_key);
        Self { version: 1, findings: entries }
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::new(Kind::Config, format!("cannot read the baseline {}: {e}", path.display()))
                .with_hint("Create it with confiture lint --baseline FILE --write-baseline.")
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Failure::new(Kind::Config, format!("{}: not a confiture lint baseline: {e}", path.display()))
        })
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("serializable") + "\n";
        std::fs::write(path, text).map_err(|e| {
            Failure::new(Kind::Config, format!("cannot write the baseline {}: {e}", path.display()))
        })
    }

    /// The findings the baseline does not know, and the baseline without the entries whose
    /// finding has gone (so a fixed problem cannot silently come back).
    pub fn split(&self, findings: Vec<Finding>) -> (Vec<Finding>, Baseline) {
        let current: BTreeSet<&str> = findings.iter().map(|f| f.cache_key.as_str()).collect();
        let kept = Baseline {
            version: 1,
            findings: self
                .findings
                .iter()
                .filter(|e| current.contains(e.cache_key.as_str()))
                .cloned()
                .collect(),
        };
        let known: BTreeSet<&str> = self.findings.iter().map(|e| e.cache_key.as_str()).collect();
        let new = findings.into_iter().filter(|f| !known.contains(f.cache_key.as_str())).collect();
        (new, kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use confiture_core::lint::Level;

    fn rule(name: &str, category: &str) -> Rule {
        Rule {
            name: name.into(),
            level: "warning".into(),
            category: category.into(),
            rationale: String::new(),
            custom: false,
        }
    }

    fn finding(key: &str) -> Finding {
        Finding {
            rule: "r".into(),
            level: Level::Warning,
            category: "c".into(),
            schema_name: Some("app".into()),
            object_name: key.into(),
            object_type: "table".into(),
            message: "m".into(),
            remediation: "fix".into(),
            cache_key: key.into(),
            metadata: serde_json::json!({}),
            waived: false,
            about: Default::default(),
        }
    }

    #[test]
    fn select_then_ignore() {
        let rules = [rule("a", "naming"), rule("b", "naming"), rule("c", "security")];
        let on = |select: &[&str], ignore: &[&str]| {
            let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let switches = rule_switches(&rules, &owned(select), &owned(ignore)).unwrap();
            switches.into_iter().filter(|(_, on)| *on).map(|(name, _)| name).collect::<Vec<_>>()
        };
        assert_eq!(on(&[], &[]), ["a", "b", "c"]);
        assert_eq!(on(&["naming"], &[]), ["a", "b"]);
        assert_eq!(on(&["naming"], &["b"]), ["a"]);
        assert_eq!(on(&["default"], &["security"]), ["a", "b"]);
        assert_eq!(on(&["c", "a"], &[]), ["a", "c"]);
        let unknown = rule_switches(&rules, &["nope".into()], &[]).unwrap_err();
        assert_eq!(
            (unknown.kind, unknown.message.as_str()),
            (Kind::Config, "lint: no rule or category \"nope\"")
        );
    }

    #[test]
    fn baseline_hides_known_findings_and_forgets_fixed_ones() {
        let baseline = Baseline::of(&[finding("r:app.a"), finding("r:app.b")]);
        let (new, kept) = baseline.split(vec![finding("r:app.a"), finding("r:app.c")]);
        assert_eq!(new.iter().map(|f| f.cache_key.as_str()).collect::<Vec<_>>(), ["r:app.c"]);
        assert_eq!(kept.findings.iter().map(|e| e.cache_key.as_str()).collect::<Vec<_>>(), ["r:app.a"]);
    }

    #[test]
    fn baseline_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lint-baseline.json");
        let baseline = Baseline::of(&[finding("r:app.b"), finding("r:app.a"), finding("r:app.a")]);
        baseline.write(&path).unwrap();
        assert_eq!(Baseline::read(&path).unwrap(), baseline);
        assert_eq!(baseline.findings.len(), 2, "sorted and deduplicated");
        std::fs::write(&path, "{").unwrap();
        assert!(Baseline::read(&path).unwrap_err().message.contains("not a confiture lint baseline"));
    }
}
