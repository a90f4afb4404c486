//! Declared renames: never guessed. The current snapshot is rewritten as if the rename had run,
//! and the plan starts with the RENAME statements, so the data stays where it is.

use super::objects::relation_key;
use super::snapshot::{Key, Snapshot};
use super::statement::{Quoter, Statement, ACCESS_EXCLUSIVE};
use super::DiffError;
use serde::Deserialize;

/// `kind` is `table` (`from`/`to` as `schema.name`; views and sequences alike) or `column`
/// (`schema.table.old` to `schema.table.new`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub kind: String,
    pub from: String,
    pub to: String,
}

fn parts(name: &str, count: usize, rename: &Rename) -> Result<Vec<String>, DiffError> {
    let split: Vec<String> = name.split('.').map(str::to_string).collect();
    if split.len() != count {
        return Err(DiffError::Options(format!(
            "rename of {} {:?}: expected {} dot-separated parts in {name:?}",
            rename.kind, rename.from, count
        )));
    }
    Ok(split)
}

fn rename_key(key: &mut Key, kinds: &[&str], schema: &str, from: &str, to: &str, by_part: bool) {
    if kinds.contains(&key.0.as_str()) && key.1 == schema {
        if by_part {
            if key.3 == from {
                key.3 = to.to_string();
            }
        } else if key.2 == from {
            key.2 = to.to_string();
        }
    }
}

/// Replace the identifier `from` by `to` in a definition the server printed (quoted or not).
fn replace_identifier(text: &str, from: &str, to: &str, q: &Quoter) -> String {
    let (old, new) = (q.ident(from), q.ident(to));
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    while i < text.len() {
        let boundary_before = i == 0 || !is_word(bytes[i - 1]) || old.starts_with('"');
        if boundary_before && text[i..].starts_with(&old) {
            let end = i + old.len();
            if end >= text.len() || !is_word(bytes[end]) || old.ends_with('"') {
                out.push_str(&new);
                i = end;
                continue;
            }
        }
        let ch = text[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

pub fn apply(
    current: &Snapshot,
    desired: &Snapshot,
    renames: &[Rename],
    q: &Quoter,
) -> Result<(Snapshot, Vec<Statement>), DiffError> {
    let mut snapshot = current.clone();
    let mut statements = Vec::new();
    for rename in renames {
        match rename.kind.as_str() {
            "table" => {
                let from = parts(&rename.from, 2, rename)?;
                let to = parts(&rename.to, 2, rename)?;
                if from[0] != to[0] {
                    return Err(DiffError::Options(format!(
                        "rename of {} to {}: a rename keeps the schema",
                        rename.from, rename.to
                    )));
                }
                let (schema, old, new) = (&from[0], &from[1], &to[1]);
                let exists = |s: &Snapshot, name: &str| {
                    s.relations.iter().any(|r| &r.schema == schema && r.name == name)
                };
                // Already renamed (the declaration outlives its migration), or nothing to rename.
                if !exists(&snapshot, old)
                    || exists(&snapshot, new)
                    || !exists(desired, new)
                    || exists(desired, old)
                {
                    continue;
                }
                let relation = snapshot
                    .relations
                    .iter_mut()
                    .find(|r| &r.schema == schema && &r.name == old)
                    .expect("exists");
                relation.name = new.clone();
                let kind = super::ddl::relation_sql_kind(relation);
                statements.push(
                    Statement::new(
                        "table",
                        &rename.from,
                        format!("ALTER {kind} {} RENAME TO {}", q.qualified(schema, old), q.ident(new)),
                    )
                    .lock(ACCESS_EXCLUSIVE),
                );
                for c in snapshot.constraints.iter_mut().filter(|c| &c.schema == schema && &c.table == old) {
                    c.table = new.clone();
                }
                for i in snapshot.indexes.iter_mut().filter(|i| &i.schema == schema && &i.table == old) {
                    i.table = new.clone();
                    i.definition = replace_identifier(&i.definition, old, new, q);
                }
                for t in snapshot.triggers.iter_mut().filter(|t| &t.schema == schema && &t.table == old) {
                    t.table = new.clone();
                    t.definition = replace_identifier(&t.definition, old, new, q);
                }
                for p in snapshot.policies.iter_mut().filter(|p| &p.schema == schema && &p.table == old) {
                    p.table = new.clone();
                }
                for s in snapshot.sequences.iter_mut() {
                    if let Some((sc, t, _)) = &mut s.owned_by {
                        if sc == schema && t == old {
                            *t = new.clone();
                        }
                    }
                }
                for r in snapshot.relations.iter_mut() {
                    for (sc, p) in r.parents.iter_mut().flatten() {
                        if sc == schema && p == old {
                            *p = new.clone();
                        }
                    }
                }
                for (a, b) in snapshot.dependencies.iter_mut() {
                    for k in [a, b] {
                        rename_key(
                            k,
                            &["relation", "column", "default", "constraint", "trigger", "policy"],
                            schema,
                            old,
                            new,
                            false,
                        );
                    }
                }
            }
            "column" => {
                let from = parts(&rename.from, 3, rename)?;
                let to = parts(&rename.to, 3, rename)?;
                if from[..2] != to[..2] {
                    return Err(DiffError::Options(format!(
                        "rename of {} to {}: a column rename keeps its table",
                        rename.from, rename.to
                    )));
                }
                let (schema, table, old, new) = (&from[0], &from[1], &from[2], &to[2]);
                let has = |s: &Snapshot, name: &str| {
                    s.relations.iter().any(|r| {
                        &r.schema == schema && &r.name == table && r.columns.iter().any(|c| c.name == name)
                    })
                };
                if !has(&snapshot, old) || has(&snapshot, new) || !has(desired, new) || has(desired, old) {
                    continue;
                }
                let relation = snapshot
                    .relations
                    .iter_mut()
                    .find(|r| &r.schema == schema && &r.name == table)
                    .expect("has");
                for column in relation.columns.iter_mut().filter(|c| &c.name == old) {
                    column.name = new.clone();
                }
                statements.push(
                    Statement::new(
                        "column",
                        &rename.from,
                        format!(
                            "ALTER TABLE {} RENAME COLUMN {} TO {}",
                            q.qualified(schema, table),
                            q.ident(old),
                            q.ident(new)
                        ),
                    )
                    .lock(ACCESS_EXCLUSIVE),
                );
                // PostgreSQL follows the column by number: definitions that named it now name
                // the new name.
                for c in snapshot.constraints.iter_mut().filter(|c| &c.schema == schema && &c.table == table)
                {
                    c.definition = replace_identifier(&c.definition, old, new, q);
                }
                for i in snapshot.indexes.iter_mut().filter(|i| &i.schema == schema && &i.table == table) {
                    i.definition = replace_identifier(&i.definition, old, new, q);
                }
                for p in snapshot.policies.iter_mut().filter(|p| &p.schema == schema && &p.table == table) {
                    p.using = p.using.as_ref().map(|u| replace_identifier(u, old, new, q));
                    p.check = p.check.as_ref().map(|u| replace_identifier(u, old, new, q));
                }
                for s in snapshot.sequences.iter_mut() {
                    if let Some((sc, t, c)) = &mut s.owned_by {
                        if sc == schema && t == table && c == old {
                            *c = new.clone();
                        }
                    }
                }
                let table_key = relation_key(schema, table);
                for (a, b) in snapshot.dependencies.iter_mut() {
                    for k in [a, b] {
                        if (k.0 == "column" || k.0 == "default")
                            && (&k.1, &k.2) == (&table_key.1, &table_key.2)
                            && &k.3 == old
                        {
                            k.3 = new.clone();
                        }
                    }
                }
            }
            other => {
                return Err(DiffError::Options(format!("unknown rename kind {other:?} (table or column)")));
            }
        }
    }
    Ok((snapshot, statements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_replaced_as_whole_words() {
        let q = Quoter::new(&[]);
        assert_eq!(
            replace_identifier("CREATE INDEX i ON s.t USING btree (name, name_2)", "name", "title", &q),
            "CREATE INDEX i ON s.t USING btree (title, name_2)"
        );
        assert_eq!(
            replace_identifier("CHECK ((\"Name\" <> ''))", "Name", "Title", &q),
            "CHECK ((\"Title\" <> ''))"
        );
    }
}
