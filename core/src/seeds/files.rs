//! Level 1: the seed files on their own. Parsed by PostgreSQL's parser (a file it refuses is
//! one finding); then what each statement writes, its UUID literals and its UNIONs.

use super::config::{staging_key_role, SeedConfig};
#[cfg(test)]
use super::statements::ParseFailure;
use super::statements::{SeedFile, SeedStatement, Value, ValueKind};
use super::{Code, Finding};

/// Level 1 findings for every file. `pattern` is false for plain seeds (no staging schema in
/// the database): their targets and column names are not the staging pattern's business.
pub fn check_files(files: &[SeedFile], config: &SeedConfig, pattern: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in files {
        match &file.parsed {
            Err(failure) => findings.push(Finding::new(
                Code::SeedUnparseable,
                Some((&file.name, failure.line)),
                file.name.clone(),
                format!("PostgreSQL's parser rejects the file: {}", failure.message),
            )),
            Ok(statements) => {
                for statement in statements {
                    check_statement(&file.name, statement, config, pattern, &mut findings);
                }
            }
        }
    }
    findings
}

fn check_statement(
    file: &str,
    statement: &SeedStatement,
    config: &SeedConfig,
    pattern: bool,
    out: &mut Vec<Finding>,
) {
    let target = statement.target.as_ref().filter(|_| statement.action.writes());
    let in_staging = target.is_some_and(|t| t.schema() == Some(config.staging_schema.as_str()));
    if let (true, Some(target)) = (pattern, target) {
        if !in_staging {
            out.push(Finding::new(
                Code::PrepSeedTargetMismatch,
                Some((file, statement.line)),
                target.display(),
                format!(
                    "{} writes {}, outside the staging schema {}",
                    statement.action.as_sql(),
                    target.display(),
                    config.staging_schema
                ),
            ));
        }
    }
    if pattern && in_staging {
        for (column, line) in &statement.columns {
            if let Some(message) = fk_naming_problem(column) {
                let object = format!("{}.{column}", target.map(|t| t.display()).unwrap_or_default());
                out.push(Finding::new(Code::InvalidFkNaming, Some((file, *line)), object, message));
            }
        }
    }
    check_uuids(file, statement, pattern && in_staging, out);
    for union in &statement.unions {
        check_union(file, union, out);
    }
}

/// Why a staging column's name breaks the key convention, if it does.
fn fk_naming_problem(column: &str) -> Option<String> {
    if column.starts_with("fk_") && staging_key_role(column).is_none() {
        Some(format!("staging key column {column} does not end in _id (fk_<parent>_id)"))
    } else if column.ends_with("_id") && !column.starts_with("fk_") {
        Some(format!("staging column {column} looks like a key but does not start with fk_ (fk_<parent>_id)"))
    } else {
        None
    }
}

/// Strings cast to uuid must be UUIDs; so must strings in the staging pattern's key columns
/// (`id`, `fk_<parent>_id`) when `key_columns` (elsewhere an `id` may be anything).
fn check_uuids(file: &str, statement: &SeedStatement, key_columns: bool, out: &mut Vec<Finding>) {
    let mut reported = Vec::new();
    let mut report = |text: &str, line: usize, column: &str, out: &mut Vec<Finding>| {
        if !is_uuid(text) && !reported.contains(&(line, text.to_string())) {
            reported.push((line, text.to_string()));
            let object = match (&statement.target, column) {
                (Some(target), column) if !column.is_empty() => format!("{}.{column}", target.display()),
                (Some(target), _) => target.display(),
                (None, _) => file.to_string(),
            };
            out.push(Finding::new(
                Code::InvalidUuidFormat,
                Some((file, line)),
                object,
                format!("'{text}' is not a valid UUID"),
            ));
        }
    };
    for row in statement.rows.iter().filter(|_| key_columns) {
        for ((column, _), value) in statement.columns.iter().zip(row) {
            if column != "id" && staging_key_role(column).is_none() {
                continue;
            }
            let text = match &value.kind {
                ValueKind::Text(text) => text,
                ValueKind::Cast { text: Some(text), .. } => text,
                _ => continue,
            };
            report(text, value.line, column, out);
        }
    }
    for (text, line) in &statement.uuid_casts {
        report(text, *line, "", out);
    }
}

/// PostgreSQL accepts more spellings (braces, no hyphens, upper case); seeds should use the
/// canonical 8-4-4-4-12 form so that they can be searched and compared.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What kind of type a constant has, coarsely: PostgreSQL resolves a UNION column within one
/// category (int4 with numeric, date with timestamp), so only a change of category is an error.
fn category(value: &Value) -> Option<String> {
    let type_name = match &value.kind {
        ValueKind::Typed(type_name) => *type_name,
        ValueKind::Cast { type_name, .. } => type_name.as_str(),
        _ => return None,
    };
    let category = match type_name {
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8" | "money" => "number",
        "text" | "varchar" | "bpchar" | "name" | "citext" => "text",
        "date" | "timestamp" | "timestamptz" => "date/time",
        other => other,
    };
    Some(category.to_string())
}

fn check_union(file: &str, branches: &[Vec<Value>], out: &mut Vec<Finding>) {
    let width = branches.iter().map(Vec::len).max().unwrap_or(0);
    for position in 0..width {
        let column: Vec<&Value> = branches.iter().filter_map(|branch| branch.get(position)).collect();
        let mut first: Option<(String, &Value)> = None;
        for value in &column {
            let Some(category) = category(value) else { continue };
            match &first {
                None => first = Some((category, value)),
                Some((expected, at)) if *expected != category => {
                    out.push(Finding::new(
                        Code::UnionTypeMismatch,
                        Some((file, value.line)),
                        format!("column {}", position + 1),
                        format!(
                            "UNION column {} is {category} here but {expected} in the branch at line {}",
                            position + 1,
                            at.line
                        ),
                    ));
                    break;
                }
                _ => {}
            }
        }
        for value in column.iter().filter(|value| value.kind == ValueKind::Null) {
            let hint = match &first {
                Some((category, _)) => {
                    format!("Write NULL::<type> with the column's type ({category} in another branch).")
                }
                None => Code::UnionUncastNull.hint().to_string(),
            };
            out.push(
                Finding::new(
                    Code::UnionUncastNull,
                    Some((file, value.line)),
                    format!("column {}", position + 1),
                    format!(
                        "bare NULL in UNION column {}: its type comes from the other branches",
                        position + 1
                    ),
                )
                .with_hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds::statements::{Action, Target};

    fn value(kind: ValueKind, line: usize) -> Value {
        Value { kind, line }
    }

    fn insert(
        schema: &str,
        columns: &[&str],
        rows: Vec<Vec<Value>>,
        unions: Vec<Vec<Vec<Value>>>,
    ) -> SeedFile {
        let statement = SeedStatement {
            start: 0,
            end: 0,
            line: 1,
            action: Action::Insert,
            target: Some(Target { schema: Some(schema.into()), table: "tb_x".into(), resolved_schema: None }),
            columns: columns.iter().map(|c| (c.to_string(), 1)).collect(),
            rows,
            unions,
            uuid_casts: vec![],
            refused: None,
        };
        SeedFile { name: "x.sql".into(), text: String::new(), parsed: Ok(vec![statement]) }
    }

    fn codes(findings: &[Finding]) -> Vec<(&str, Option<i32>)> {
        findings.iter().map(|f| (f.code.as_str(), f.line)).collect()
    }

    #[test]
    fn uuids_must_be_canonical() {
        assert!(is_uuid("0b1e6f52-8c3a-4d7e-9f10-2a4b6c8d0e1f"));
        assert!(is_uuid("0B1E6F52-8C3A-4D7E-9F10-2A4B6C8D0E1F"));
        assert!(!is_uuid("0b1e6f528c3a4d7e9f102a4b6c8d0e1f"));
        assert!(!is_uuid("0b1e6f52-8c3a-4d7e-9f10-2a4b6c8d0e1g"));
        assert!(!is_uuid("{0b1e6f52-8c3a-4d7e-9f10-2a4b6c8d0e1f}"));
    }

    #[test]
    fn key_columns_of_the_staging_schema_are_checked() {
        let config = SeedConfig::default();
        let good = "0b1e6f52-8c3a-4d7e-9f10-2a4b6c8d0e1f";
        let rows = vec![vec![
            value(ValueKind::Text(good.into()), 2),
            value(ValueKind::Text("nope".into()), 3),
            value(ValueKind::Text("nope".into()), 4),
        ]];
        let file = insert("prep_seed", &["id", "fk_city_id", "label"], rows, vec![]);
        // The label is not a key: its text is not a UUID and need not be.
        assert_eq!(codes(&check_files(&[file], &config, true)), [("INVALID_UUID_FORMAT", Some(3))]);
        let named = insert("prep_seed", &["id", "fk_city", "city_id"], vec![], vec![]);
        let found = check_files(&[named], &config, true);
        assert_eq!(codes(&found), [("INVALID_FK_NAMING", Some(1)), ("INVALID_FK_NAMING", Some(1))]);
    }

    #[test]
    fn targets_outside_staging_count_only_in_the_pattern() {
        let config = SeedConfig::default();
        let rows = vec![vec![value(ValueKind::Text("PAR".into()), 1), value(ValueKind::Text("x".into()), 1)]];
        let file = insert("catalog", &["id", "city_id"], rows, vec![]);
        assert_eq!(
            codes(&check_files(std::slice::from_ref(&file), &config, true)),
            [("PREP_SEED_TARGET_MISMATCH", Some(1))]
        );
        // Plain seeds: neither the target, the key naming nor what an id holds is the pattern's business.
        assert!(check_files(&[file], &config, false).is_empty());
    }

    #[test]
    fn union_columns_must_agree_and_nulls_be_cast() {
        let config = SeedConfig::default();
        let cast =
            |t: &str, line| value(ValueKind::Cast { type_name: t.into(), text: None, null: false }, line);
        let unions = vec![vec![
            vec![cast("uuid", 1), value(ValueKind::Typed("int4"), 1), cast("timestamptz", 1)],
            vec![value(ValueKind::Typed("int4"), 2), cast("numeric", 2), value(ValueKind::Null, 2)],
            vec![cast("uuid", 3), value(ValueKind::Text("7".into()), 3), cast("date", 3)],
        ]];
        let file = insert("prep_seed", &[], vec![], unions);
        // int4 with numeric and timestamptz with date are one category each: no error there.
        assert_eq!(
            codes(&check_files(&[file], &config, true)),
            [("UNION_TYPE_MISMATCH", Some(2)), ("UNION_UNCAST_NULL", Some(2))]
        );
    }

    #[test]
    fn an_unparseable_file_is_one_finding() {
        let file = SeedFile {
            name: "broken.sql".into(),
            text: String::new(),
            parsed: Err(ParseFailure { line: 4, message: "syntax error at or near \"(\"".into() }),
        };
        let found = check_files(&[file], &SeedConfig::default(), true);
        assert_eq!(codes(&found), [("SEED_UNPARSEABLE", Some(4))]);
        assert!(found[0].message.ends_with("syntax error at or near \"(\""));
    }
}
