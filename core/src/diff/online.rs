//! The online patterns: on tables that exist before the plan (and hold rows), indexes are built and
//! dropped CONCURRENTLY and swapped when they change, foreign keys and checks are added NOT VALID
//! and validated after. Tables the plan creates get plain statements.

use super::objects::{self, Object};
use super::snapshot::Key;
use super::statement::{Hazard, Statement, ACCESS_EXCLUSIVE, SHARE_ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE};
use super::{compare, Action, Planner};

impl Planner<'_, '_> {
    /// Whether `table` exists before and after the plan, holding rows, and takes CONCURRENTLY.
    pub(super) fn online_table(&self, table: &Key) -> bool {
        self.online
            && !self.is_dropped(table)
            && matches!(self.current.get(table), Some(Object::Relation(r)) if r.kind != "p")
            && self.desired.get(table).is_some()
    }

    /// A changed index on a live table is built anew beside the old one, which is then dropped and
    /// its name given to the new one: the table is never without it.
    pub(super) fn swap_changed_indexes(&mut self) {
        let swaps: Vec<Key> = self
            .actions
            .iter()
            .filter(|(k, a)| matches!(a, Action::Replace) && k.0 == "index")
            .filter(|(k, _)| self.current.dependents(k).next().is_none())
            .filter(|(k, _)| {
                self.current.get(k).and_then(|o| o.container()).is_some_and(|t| self.online_table(&t))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in swaps {
            let Some(Object::Index(index)) = self.desired.get(&key).copied() else { continue };
            let q = self.writer.q;
            let display = objects::display_name(&key);
            let temporary = compare::truncate_name(&format!("{}_cft_new", index.name));
            let definition = index.definition.replacen(
                &format!(" {} ON ", q.ident(&index.name)),
                &format!(" {} ON ", q.ident(&temporary)),
                1,
            );
            let mut statements = vec![
                Statement::new("index", &display, concurrently(&definition))
                    .lock(SHARE_UPDATE_EXCLUSIVE)
                    .hazard(Hazard::BuildsIndex)
                    .outside_transaction(),
                Statement::new(
                    "index",
                    &display,
                    format!("DROP INDEX CONCURRENTLY {}", q.qualified(&index.schema, &index.name)),
                )
                .lock(SHARE_UPDATE_EXCLUSIVE)
                .outside_transaction(),
                Statement::new(
                    "index",
                    &display,
                    format!(
                        "ALTER INDEX {} RENAME TO {}",
                        q.qualified(&index.schema, &temporary),
                        q.ident(&index.name)
                    ),
                )
                .lock(SHARE_UPDATE_EXCLUSIVE),
            ];
            if index.replica_identity {
                statements.push(
                    Statement::new("index", &display, self.writer.replica_index(index))
                        .lock(ACCESS_EXCLUSIVE),
                );
            }
            if index.comment.is_some() {
                statements.extend(
                    self.writer
                        .comment(&Object::Index(index), &index.comment)
                        .map(|ddl| Statement::new("index", &display, ddl)),
                );
            }
            self.actions.insert(key, Action::Alter { statements, invalidates: false });
        }
    }

    /// CREATE statements, with the online patterns on tables that exist before the plan.
    pub(super) fn create_statements(&self, key: &Key, object: &Object) -> Vec<Statement> {
        let mut statements = self.writer.create(object);
        if self.privileges {
            let display = objects::display_name(key);
            statements.extend(
                self.writer
                    .privileges(None, object, &|ddl| Statement::new(object.kind_name(), &display, ddl)),
            );
        }
        let on_existing_table = object
            .container()
            .filter(|c| c.0 == "relation")
            .is_some_and(|table| self.current.get(&table).is_some() && !self.is_dropped(&table));
        if !self.online || !on_existing_table {
            return statements;
        }
        let table = object.container().and_then(|t| self.desired.get(&t).copied());
        let partitioned = matches!(table, Some(Object::Relation(r)) if r.kind == "p");
        match object {
            Object::Index(index) if !partitioned => {
                statements[0] = Statement { ddl: concurrently(&index.definition), ..statements[0].clone() }
                    .lock(SHARE_UPDATE_EXCLUSIVE)
                    .outside_transaction();
            }
            Object::Constraint(c) if matches!(c.kind.as_str(), "f" | "c") && !partitioned => {
                let table_name = self.writer.q.qualified(&c.schema, &c.table);
                let name = self.writer.q.ident(&c.name);
                let definition = c.definition.replace(" NOT VALID", "");
                let lock = if c.kind == "f" { SHARE_ROW_EXCLUSIVE } else { ACCESS_EXCLUSIVE };
                statements[0] = Statement {
                    ddl: format!("ALTER TABLE {table_name} ADD CONSTRAINT {name} {definition} NOT VALID"),
                    ..statements[0].clone()
                }
                .lock(lock);
                if c.validated {
                    statements.insert(
                        1,
                        Statement::new(
                            "constraint",
                            &objects::display_name(key),
                            format!("ALTER TABLE {table_name} VALIDATE CONSTRAINT {name}"),
                        )
                        .lock(SHARE_UPDATE_EXCLUSIVE),
                    );
                }
            }
            Object::Column(_, c)
                if c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none() =>
            {
                // PostgreSQL checks every row for it under the lock (and fails on a table with
                // rows: there is no value to put); labelled, the change is the author's to split.
                statements[0] = statements[0].clone().hazard(Hazard::ScansUnderLock);
            }
            _ => {}
        }
        statements
    }
}

/// `CREATE [UNIQUE] INDEX name ON ...` as `CREATE [UNIQUE] INDEX CONCURRENTLY name ON ...`.
fn concurrently(definition: &str) -> String {
    for prefix in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] {
        if let Some(rest) = definition.strip_prefix(prefix) {
            return format!("{prefix}CONCURRENTLY {rest}");
        }
    }
    definition.to_string()
}
