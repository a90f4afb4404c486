//! Renames declared in the DDL files: `-- confiture:renamed-from old_name` on (or just above) a
//! CREATE TABLE line renames the table, on (or just above) a column's line inside one renames the
//! column. Renames are never guessed.

use crate::config::Environment;
use crate::discover;
use crate::failure::{Failure, Kind, Result};
use confiture_core::diff::Rename;
use std::path::Path;

const MARKER: &str = "confiture:renamed-from";

pub fn declared(project: &Path, environment: &Environment) -> Result<Vec<Rename>> {
    let names = discover::discover(project, environment)?;
    let mut renames = Vec::new();
    for source in discover::read_sources(project, &names)? {
        renames.extend(
            scan(&source.text)
                .map_err(|message| Failure::new(Kind::Source, format!("{}: {message}", source.name)))?,
        );
    }
    Ok(renames)
}

/// An identifier as written (quoted or not), folded as PostgreSQL folds it.
fn identifier(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if rest[i + 1..].starts_with('"') {
                    name.push('"');
                    chars.next();
                } else {
                    return Some((name, &rest[i + 1..]));
                }
            } else {
                name.push(c);
            }
        }
        return None;
    }
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_lowercase(), &text[end..]))
}

/// `schema.name` or `name` (schema public).
fn qualified(text: &str) -> Option<(String, String)> {
    let (first, rest) = identifier(text)?;
    match rest.strip_prefix('.') {
        Some(rest) => identifier(rest).map(|(second, _)| (first, second)),
        None => Some(("public".into(), first)),
    }
}

/// The table a `CREATE TABLE` line creates.
fn created_table(code: &str) -> Option<(String, String)> {
    let words: Vec<&str> = code.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let at = lower.iter().position(|w| w == "table")?;
    if lower.first().map(String::as_str) != Some("create") {
        return None;
    }
    let mut rest = &lower[at + 1..];
    if rest.len() >= 3 && rest[0] == "if" && rest[1] == "not" && rest[2] == "exists" {
        rest = &rest[3..];
    }
    let offset = words.len() - rest.len();
    let name = words.get(offset)?;
    qualified(name.split('(').next().unwrap_or(name))
}

pub fn scan(text: &str) -> std::result::Result<Vec<Rename>, String> {
    let mut renames = Vec::new();
    let mut table: Option<(String, String)> = None;
    let mut pending: Option<(String, usize)> = None;
    for (number, line) in text.lines().enumerate() {
        let (code, comment) = match line.find("--") {
            Some(at) => (&line[..at], Some(&line[at + 2..])),
            None => (line, None),
        };
        let marker = comment
            .and_then(|c| c.trim().strip_prefix(MARKER))
            .map(|old| old.trim().trim_matches('"').to_string())
            .map(|old| (old, number + 1));
        if code.trim().is_empty() {
            if marker.is_some() {
                pending = marker;
            }
            continue;
        }
        let declared = marker.or(pending.take());
        if let Some(created) = created_table(code) {
            table = Some(created.clone());
            if let Some((old, _)) = declared {
                let (schema, new) = created;
                let old = if old.contains('.') { old } else { format!("{schema}.{old}") };
                renames.push(Rename { kind: "table".into(), from: old, to: format!("{schema}.{new}") });
            }
        } else if let Some((old, line)) = declared {
            let Some((schema, name)) = &table else {
                return Err(format!("line {line}: {MARKER} is neither on a CREATE TABLE nor inside one"));
            };
            let Some((column, _)) = identifier(code) else {
                return Err(format!("line {line}: {MARKER} must precede a column definition"));
            };
            renames.push(Rename {
                kind: "column".into(),
                from: format!("{schema}.{name}.{old}"),
                to: format!("{schema}.{name}.{column}"),
            });
        }
        if code.trim_end().ends_with(';') {
            table = None;
        }
    }
    Ok(renames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_column_renames_are_read_from_markers() {
        let text = "-- confiture:renamed-from customers\nCREATE TABLE app.clients (\n    id int,\n    \
                    full_name text, -- confiture:renamed-from name\n    -- confiture:renamed-from mail\n    \
                    email text\n);\n";
        let renames = scan(text).unwrap();
        assert_eq!(
            renames,
            vec![
                Rename { kind: "table".into(), from: "app.customers".into(), to: "app.clients".into() },
                Rename {
                    kind: "column".into(),
                    from: "app.clients.name".into(),
                    to: "app.clients.full_name".into()
                },
                Rename {
                    kind: "column".into(),
                    from: "app.clients.mail".into(),
                    to: "app.clients.email".into()
                },
            ]
        );
    }

    #[test]
    fn a_marker_outside_a_table_is_an_error_naming_its_line() {
        let error = scan("SELECT 1;\n-- confiture:renamed-from x\nSELECT 2;\n").unwrap_err();
        assert!(error.contains("line 2"), "{error}");
    }
}
