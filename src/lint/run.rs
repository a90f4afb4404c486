//! The server side of lint: load settings, custom rules, waivers and the catalog snapshot,
//! run the rules, apply waivers.

use super::config::{merge, LintConfig};
use super::custom::{check_name, check_shape, CustomRow, CustomRule, FunctionShape};
use super::{lint, rule, rules, sort, Finding, Level};
use crate::catalog::{Catalog, Index, Relation};
use crate::errors::sqlstate;
use crate::server::scope::{Scope, Setting};
use crate::server::{catalog_loader, function_ref};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::JsonB;
use std::collections::HashSet;

fn invalid(message: String) -> ! {
    crate::errors::invalid(message, None)
}

fn spi_failed(what: &str, error: pgrx::spi::Error) -> ! {
    crate::errors::spi_failed("confiture lint", what, error)
}

/// The registered custom rules (lint_custom_rules is readable by every role).
pub fn custom_rules() -> Vec<CustomRule> {
    Spi::connect(|client| {
        let rows = client.select(
            "SELECT name, function, level, category, description FROM confiture.lint_custom_rules ORDER BY name",
            None,
            &[],
        )?;
        rows.map(|row| {
            Ok(CustomRule {
                name: row.get::<String>(1)?.unwrap_or_default(),
                function: row.get::<String>(2)?.unwrap_or_default(),
                level: row.get::<String>(3)?.as_deref().and_then(Level::parse).unwrap_or(Level::Warning),
                category: row.get::<String>(4)?.unwrap_or_default(),
                description: row.get::<String>(5)?,
            })
        })
        .collect::<Result<Vec<_>, pgrx::spi::Error>>()
    })
    .unwrap_or_else(|e| spi_failed("reading confiture.lint_custom_rules", e))
}

fn settings() -> serde_json::Value {
    Spi::get_one::<JsonB>("SELECT (SELECT config FROM confiture.lint_settings WHERE name = 'default')")
        .unwrap_or_else(|e| spi_failed("reading confiture.lint_settings", e))
        .map_or(serde_json::json!({}), |j| j.0)
}

fn waived_keys() -> HashSet<String> {
    Spi::connect(|client| {
        client
            .select("SELECT cache_key FROM confiture.lint_waivers", None, &[])?
            .map(|row| row.get::<String>(1).map(Option::unwrap_or_default))
            .collect::<Result<HashSet<_>, _>>()
    })
    .unwrap_or_else(|e| spi_failed("reading confiture.lint_waivers", e))
}

fn snapshot(config: &LintConfig) -> Catalog {
    let table_age = |catalog: &Catalog, table: &Relation| {
        config.enabled(rules::maintenance::TABLE_NEVER_READ.name)
            && rules::maintenance::never_read_candidate(config, catalog, table)
    };
    let index_age = |table: &Relation, index: &Index| {
        config.enabled(rules::performance::UNUSED_INDEX.name)
            && rules::performance::unused_index_candidate(config, table, index)
    };
    let wanted = catalog_loader::Wanted {
        column_stats: [&rules::bloat::TABLE_BLOAT, &rules::bloat::INDEX_BLOAT]
            .iter()
            .any(|r| config.enabled(r.name)),
        table_age: &table_age,
        index_age: &index_age,
    };
    let mut catalog = catalog_loader::load(&wanted).unwrap_or_else(|e| spi_failed("reading the catalog", e));
    if config.enabled(rules::security::SECRET_COLUMN_PLAIN_TEXT.name) {
        catalog_loader::sample_columns(&mut catalog, rules::security::SECRET_TEXT_TYPES, |column| {
            config.secrets.secret_word(column).is_some()
        });
    }
    catalog
}

pub fn lint_schema(config: serde_json::Value) -> Vec<Finding> {
    let custom = custom_rules();
    let mut known: Vec<&str> = rules::ALL.iter().map(|r| r.name).collect();
    known.extend(custom.iter().map(|r| r.name.as_str()));
    let config = LintConfig::parse(merge(settings(), config), &known).unwrap_or_else(|e| invalid(e));
    let catalog = snapshot(&config);
    let mut findings = lint(&catalog, &config);
    for rule in custom.iter().filter(|r| config.enabled(&r.name)) {
        let level = config.rules.get(&rule.name).and_then(|o| o.level);
        findings.extend(run_custom_rule(rule, level));
    }
    let waived = waived_keys();
    for finding in &mut findings {
        finding.waived = waived.contains(&finding.cache_key);
    }
    if !config.include_waived {
        findings.retain(|f| !f.waived);
    }
    sort(&mut findings);
    findings
}

/// The search_path every custom rule runs under, whichever function (lint_schema or
/// lint_schema_json) and session called it: a rule that needs other schemas names them, or sets
/// its own search_path in its definition.
const RULE_SETTINGS: &[Setting] = &[(c"search_path", c"pg_catalog, pg_temp")];

/// Run one custom rule in a scope that is always rolled back (a lint changes nothing, whatever
/// the rule does) under fixed settings: an error becomes a finding about the rule; a cancel
/// stops the lint.
fn run_custom_rule(rule: &CustomRule, level: Option<Level>) -> Vec<Finding> {
    // Resolved inside the scope: a role that may not see the function's schema gets a finding.
    let outcome = Scope::rolled_back().with_settings(RULE_SETTINGS).run(|_| {
        let Some(oid) = function_ref::resolve(&rule.function) else { return Ok(None) };
        Spi::connect(|client| -> Result<Option<String>, pgrx::spi::Error> {
            let found = client.select(
                "SELECT format('SELECT coalesce(jsonb_agg(to_jsonb(r)), ''[]'')::text FROM %I.%I() AS r', n.nspname, p.proname) \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = $1",
                None,
                &[DatumWithOid::from(oid)],
            )?;
            let query: Option<String> = if found.is_empty() { None } else { found.first().get(1)? };
            match query {
                Some(query) => client.select(&query, None, &[])?.first().get::<String>(1),
                None => Ok(None),
            }
        })
    });
    match outcome.map_err(|failure| failure.error) {
        Ok(Ok(Some(json))) => match serde_json::from_str::<Vec<CustomRow>>(&json) {
            Ok(rows) => rows.into_iter().map(|row| rule.finding(row, level)).collect(),
            Err(e) => vec![rule.failure(&format!("unexpected rows: {e}"), "XX000")],
        },
        Ok(Ok(None)) => {
            vec![rule.failure(&format!("its function {} no longer exists", rule.function), "42883")]
        }
        Ok(Err(e)) => vec![rule.failure(&e.to_string(), "XX000")],
        Err(CaughtError::PostgresError(e) | CaughtError::ErrorReport(e)) => {
            vec![rule.failure(e.message(), &sqlstate(e.sql_error_code()))]
        }
        Err(CaughtError::RustPanic { ereport, .. }) => vec![rule.failure(ereport.message(), "XX000")],
    }
}

/// What confiture.register_lint_rule() stores, after every check passed.
pub fn register(name: &str, function: pg_sys::Oid, level: &str, category: &str, description: Option<&str>) {
    check_name(name, rule(name).is_some()).unwrap_or_else(|e| invalid(e));
    if Level::parse(level).is_none() {
        invalid(format!("level must be error, warning or info, not \"{level}\""));
    }
    let shape = function_shape(function)
        .unwrap_or_else(|| invalid(format!("no function with OID {}", function.to_u32())));
    check_shape(&shape).unwrap_or_else(|e| invalid(e));
    let signature = function_ref::signature_of(function)
        .unwrap_or_else(|| invalid(format!("no function with OID {}", function.to_u32())));
    Spi::run_with_args(
        "INSERT INTO confiture.lint_custom_rules (name, function, level, category, description) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (name) DO UPDATE SET function = EXCLUDED.function, level = EXCLUDED.level, \
           category = EXCLUDED.category, description = EXCLUDED.description",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(signature.as_str()),
            DatumWithOid::from(level),
            DatumWithOid::from(category),
            DatumWithOid::from(description),
        ],
    )
    .unwrap_or_else(|e| spi_failed("saving the rule", e));
}

fn function_shape(function: pg_sys::Oid) -> Option<FunctionShape> {
    const QUERY: &str = "SELECT p.oid::regprocedure::text, p.proretset, p.pronargs::int4, \
        CASE WHEN p.proallargtypes IS NOT NULL THEN \
          (SELECT json_agg(json_build_array(a.name, format_type(a.typ, NULL)) ORDER BY a.ord) \
             FROM unnest(p.proargnames, p.proargmodes::text[], p.proallargtypes) WITH ORDINALITY AS a(name, mode, typ, ord) \
            WHERE a.mode IN ('o', 'b', 't')) \
        WHEN t.typtype = 'c' THEN \
          (SELECT json_agg(json_build_array(att.attname, format_type(att.atttypid, NULL)) ORDER BY att.attnum) \
             FROM pg_attribute att WHERE att.attrelid = t.typrelid AND att.attnum > 0 AND NOT att.attisdropped) \
        END::text \
        FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype WHERE p.oid = $1";
    Spi::connect(|client| {
        let row = client.select(QUERY, None, &[DatumWithOid::from(function)])?.first();
        if row.is_empty() {
            return Ok(None);
        }
        let columns: Option<String> = row.get(4)?;
        Ok::<_, pgrx::spi::Error>(Some(FunctionShape {
            signature: row.get::<String>(1)?.unwrap_or_default(),
            returns_set: row.get::<bool>(2)?.unwrap_or(false),
            argument_count: row.get::<i32>(3)?.unwrap_or(0),
            columns: columns.and_then(|c| serde_json::from_str(&c).ok()),
        }))
    })
    .unwrap_or_else(|e| spi_failed("reading the function", e))
}
