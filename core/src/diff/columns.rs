//! A column's change in place: type (through text for enums), identity and its sequence's
//! options, NOT NULL (through a validated check), storage, statistics, comment.

use super::compare::{truncate_name, Change};
use super::ddl::{storage_name, Writer};
use super::objects::Object;
use super::snapshot::{ColumnDef, RelationDef};
use super::statement::{Hazard, Statement, ACCESS_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE};

impl Writer<'_> {
    pub(super) fn compare_column(
        &self,
        table_a: &RelationDef,
        a: &ColumnDef,
        table_b: &RelationDef,
        b: &ColumnDef,
        stmt: &dyn Fn(String) -> Statement,
    ) -> Change {
        if a.generated != b.generated || (b.generated.is_some() && a.default != b.default) {
            return Change::Replace;
        }
        // Inherited only, to be the table's own while it keeps its parents: the parent drops the
        // column (and with it the child's), so the child adds its own after.
        if !a.local && b.local && table_a.parents == table_b.parents {
            return Change::Replace;
        }
        let table = self.q.qualified(&table_b.schema, &table_b.name);
        let column = self.q.ident(&b.name);
        let mut out = Vec::new();
        let mut invalidates = false;
        // An inherited column's type is its parent's: the parent's ALTER TYPE recurses to it.
        let own_type = a.local || b.local;
        if own_type && (&a.data_type, &a.collation) != (&b.data_type, &b.collation) {
            invalidates = true;
            let mut change = stmt(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} TYPE {}{} USING {column}::{}",
                b.data_type,
                b.collation.as_ref().map(|c| format!(" COLLATE {c}")).unwrap_or_default(),
                b.data_type
            ))
            .lock(ACCESS_EXCLUSIVE);
            let to_text = b.data_type.trim_end_matches("[]") == "text";
            if (self.is_enum(&a.data_type) || self.is_enum(&b.data_type)) && !to_text {
                // No cast between an enum and another type but through text.
                let text = if b.data_type.ends_with("[]") { "text[]" } else { "text" };
                change.ddl =
                    change.ddl.replace(&format!(" USING {column}::"), &format!(" USING {column}::{text}::"));
            }
            if !binary_coercible(&a.data_type, &b.data_type) || a.collation != b.collation {
                change = change.hazard(Hazard::RewritesTable);
            }
            out.push(change);
        }
        if let (Some(_), Some(_), Some(old), Some(new)) =
            (&a.identity, &b.identity, &a.identity_sequence, &b.identity_sequence)
        {
            if old.name != new.name {
                out.push(stmt(format!(
                    "ALTER SEQUENCE {} RENAME TO {}",
                    self.q.qualified(&table_b.schema, &old.name),
                    self.q.ident(&new.name)
                )));
            }
            let mut set = Vec::new();
            if old.increment != new.increment {
                set.push(format!("SET INCREMENT BY {}", new.increment));
            }
            if old.min != new.min {
                set.push(format!("SET MINVALUE {}", new.min));
            }
            if old.max != new.max {
                set.push(format!("SET MAXVALUE {}", new.max));
            }
            if old.start != new.start {
                set.push(format!("SET START WITH {}", new.start));
            }
            if old.cache != new.cache {
                set.push(format!("SET CACHE {}", new.cache));
            }
            if old.cycle != new.cycle {
                set.push(if new.cycle { "SET CYCLE".into() } else { "SET NO CYCLE".into() });
            }
            if !set.is_empty() {
                out.push(
                    stmt(format!("ALTER TABLE {table} ALTER COLUMN {column} {}", set.join(" ")))
                        .lock(ACCESS_EXCLUSIVE),
                );
            }
        }
        // Before an identity is added: it needs the column NOT NULL.
        if !a.not_null && b.not_null {
            out.extend(self.set_not_null(table_b, b).into_iter().map(|(ddl, lock)| stmt(ddl).lock(lock)));
        }
        if a.identity != b.identity {
            out.push(
                stmt(match (a.identity.as_deref(), b.identity.as_deref()) {
                    (_, None) => format!("ALTER TABLE {table} ALTER COLUMN {column} DROP IDENTITY"),
                    (None, Some(kind)) => format!(
                        "ALTER TABLE {table} ALTER COLUMN {column} ADD GENERATED {} AS IDENTITY{}",
                        identity_kind(kind),
                        self.identity_options(&table_b.schema, b)
                    ),
                    (Some(_), Some(kind)) => {
                        format!(
                            "ALTER TABLE {table} ALTER COLUMN {column} SET GENERATED {}",
                            identity_kind(kind)
                        )
                    }
                })
                .lock(ACCESS_EXCLUSIVE),
            );
        }
        if a.not_null && !b.not_null && b.identity.is_none() {
            out.push(
                stmt(format!("ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"))
                    .lock(ACCESS_EXCLUSIVE),
            );
        }
        if a.storage != b.storage {
            let storage = storage_name(b.storage.as_deref().unwrap_or("x"));
            out.push(stmt(format!("ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE {storage}")));
        }
        if a.statistics != b.statistics {
            out.push(stmt(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {}",
                b.statistics.unwrap_or(-1)
            )));
        }
        if a.common.comment != b.common.comment {
            out.extend(self.comment(&Object::Column(table_b, b), &b.common.comment).map(stmt));
        }
        if out.is_empty() {
            Change::Same
        } else {
            Change::Alter { statements: out, invalidates }
        }
    }

    /// SET NOT NULL without a long exclusive lock: a CHECK added NOT VALID and validated (which
    /// lets writers go on) proves the column has no NULL, so SET NOT NULL does not scan.
    pub fn set_not_null(&self, table: &RelationDef, column: &ColumnDef) -> Vec<(String, &'static str)> {
        let name = self.q.qualified(&table.schema, &table.name);
        let ident = self.q.ident(&column.name);
        let set = format!("ALTER TABLE {name} ALTER COLUMN {ident} SET NOT NULL");
        if table.kind == "p" || table.kind == "f" {
            return vec![(set, ACCESS_EXCLUSIVE)];
        }
        let check = self.q.ident(&truncate_name(&format!("{}_{}_not_null", table.name, column.name)));
        vec![
            (
                format!("ALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({ident} IS NOT NULL) NOT VALID"),
                ACCESS_EXCLUSIVE,
            ),
            (format!("ALTER TABLE {name} VALIDATE CONSTRAINT {check}"), SHARE_UPDATE_EXCLUSIVE),
            // Brief: the validated check spares the scan.
            (set, ACCESS_EXCLUSIVE),
            (format!("ALTER TABLE {name} DROP CONSTRAINT {check}"), ACCESS_EXCLUSIVE),
        ]
    }
}

fn identity_kind(code: &str) -> &'static str {
    if code == "a" {
        "ALWAYS"
    } else {
        "BY DEFAULT"
    }
}

/// Type changes PostgreSQL makes without rewriting: longer varchar, varchar to text, numeric with
/// more precision and the same scale.
fn binary_coercible(old: &str, new: &str) -> bool {
    let length = |t: &str, prefix: &str| -> Option<Option<u32>> {
        let rest = t.strip_prefix(prefix)?;
        if rest.is_empty() {
            return Some(None);
        }
        rest.strip_prefix('(')?.strip_suffix(')')?.parse().ok().map(Some)
    };
    if let (Some(o), Some(n)) = (length(old, "character varying"), length(new, "character varying")) {
        return match (o, n) {
            (_, None) => true,
            (Some(o), Some(n)) => n >= o,
            (None, Some(_)) => false,
        };
    }
    if length(old, "character varying").is_some() && new == "text" {
        return true;
    }
    let numeric = |t: &str| -> Option<(u32, u32)> {
        let inner = t.strip_prefix("numeric(")?.strip_suffix(')')?;
        let (p, s) = inner.split_once(',')?;
        Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
    };
    match (numeric(old), numeric(new)) {
        (Some((op, os)), Some((np, ns))) => ns == os && np >= op,
        _ => old != "numeric" && new == "numeric" && old.starts_with("numeric"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_varchar_or_numeric_does_not_rewrite() {
        assert!(binary_coercible("character varying(10)", "character varying(20)"));
        assert!(binary_coercible("character varying(10)", "text"));
        assert!(!binary_coercible("character varying(20)", "character varying(10)"));
        assert!(binary_coercible("numeric(10,2)", "numeric(12,2)"));
        assert!(!binary_coercible("integer", "bigint"));
    }
}
