//! What it takes to turn one object into its desired self: nothing, statements that alter it in
//! place, or dropping and creating it again.

use super::ddl::{relation_sql_kind, Writer};
use super::objects::{display_name, Object};
use super::snapshot::*;
use super::statement::{literal, Hazard, Statement, ACCESS_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE};
use std::collections::BTreeMap;

pub enum Change {
    Same,
    /// Altered in place. `invalidates`: objects depending on it must be dropped and recreated
    /// around the change (a column's type).
    Alter {
        statements: Vec<Statement>,
        invalidates: bool,
    },
    /// Dropped and created again.
    Replace,
}

fn alter(statements: Vec<Statement>) -> Change {
    if statements.is_empty() {
        Change::Same
    } else {
        Change::Alter { statements, invalidates: false }
    }
}

impl Writer<'_> {
    pub fn compare(&self, current: &Object, desired: &Object) -> Change {
        let display = display_name(&desired.key());
        let stmt = |ddl: String| Statement::new(desired.kind_name(), &display, ddl);
        let comment_change = |old: &Option<String>, new: &Option<String>| -> Vec<Statement> {
            if old == new {
                vec![]
            } else {
                self.comment(desired, new).map(stmt).into_iter().collect()
            }
        };
        match (current, desired) {
            (Object::Schema(a), Object::Schema(b)) => {
                alter(comment_change(&a.common.comment, &b.common.comment))
            }
            (Object::Extension(a), Object::Extension(b)) => {
                let mut out = Vec::new();
                if a.schema != b.schema {
                    out.push(stmt(format!(
                        "ALTER EXTENSION {} SET SCHEMA {}",
                        self.q.ident(&b.name),
                        self.q.ident(&b.schema)
                    )));
                }
                if a.version != b.version {
                    out.push(stmt(format!(
                        "ALTER EXTENSION {} UPDATE TO {}",
                        self.q.ident(&b.name),
                        literal(&b.version)
                    )));
                }
                alter(out)
            }
            (Object::Collation(a), Object::Collation(b)) => {
                if (&a.provider, &a.collate, &a.ctype, &a.icu_locale, a.deterministic)
                    != (&b.provider, &b.collate, &b.ctype, &b.icu_locale, b.deterministic)
                {
                    return Change::Replace;
                }
                alter(comment_change(&a.common.comment, &b.common.comment))
            }
            (Object::Type(a), Object::Type(b)) => self.compare_type(a, b, &stmt, comment_change),
            (Object::Sequence(a), Object::Sequence(b)) => {
                let mut out = Vec::new();
                let name = self.q.qualified(&b.schema, &b.name);
                let same_options = (&a.data_type, a.start, a.increment, a.min, a.max, a.cache, a.cycle)
                    == (&b.data_type, b.start, b.increment, b.min, b.max, b.cache, b.cycle);
                if !same_options {
                    out.push(stmt(format!("ALTER SEQUENCE {name} {}", self.sequence_options(b))));
                }
                if a.unlogged != b.unlogged {
                    let to = if b.unlogged { "UNLOGGED" } else { "LOGGED" };
                    out.push(stmt(format!("ALTER SEQUENCE {name} SET {to}")));
                }
                out.extend(comment_change(&a.common.comment, &b.common.comment));
                alter(out)
            }
            (Object::SequenceOwner(a), Object::SequenceOwner(b)) => {
                if a.owned_by == b.owned_by {
                    Change::Same
                } else {
                    alter(self.create(desired))
                }
            }
            (Object::Relation(a), Object::Relation(b)) => self.compare_relation(a, b, desired, &stmt),
            (Object::Column(table_a, a), Object::Column(table_b, b)) => {
                self.compare_column(table_a, a, table_b, b, &stmt)
            }
            (Object::Default(_, a), Object::Default(_, b)) => {
                if a.default == b.default {
                    Change::Same
                } else {
                    alter(self.create(desired))
                }
            }
            (Object::Constraint(a), Object::Constraint(b)) => {
                if (&a.kind, &a.definition.replace(" NOT VALID", ""))
                    != (&b.kind, &b.definition.replace(" NOT VALID", ""))
                {
                    return Change::Replace;
                }
                // PostgreSQL cannot un-validate a constraint: it is added again NOT VALID.
                if a.validated && !b.validated {
                    return Change::Replace;
                }
                let mut out = Vec::new();
                if !a.validated && b.validated {
                    out.push(
                        stmt(format!(
                            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                            self.q.qualified(&b.schema, &b.table),
                            self.q.ident(&b.name)
                        ))
                        .lock(SHARE_UPDATE_EXCLUSIVE),
                    );
                }
                out.extend(comment_change(&a.comment, &b.comment));
                alter(out)
            }
            (Object::Index(a), Object::Index(b)) => {
                if a.table != b.table || a.definition != b.definition {
                    return Change::Replace;
                }
                let mut out = Vec::new();
                if b.replica_identity && !a.replica_identity {
                    out.push(stmt(self.replica_index(b)).lock(ACCESS_EXCLUSIVE));
                }
                out.extend(comment_change(&a.comment, &b.comment));
                alter(out)
            }
            (Object::Function(a), Object::Function(b)) => {
                let mut out = Vec::new();
                if a.definition != b.definition {
                    // CREATE OR REPLACE keeps the result type and argument names; an aggregate's
                    // definition is a CREATE AGGREGATE.
                    if (&a.kind, &a.result, &a.signature) != (&b.kind, &b.result, &b.signature)
                        || b.kind == "a"
                    {
                        return Change::Replace;
                    }
                    out.push(stmt(b.definition.trim_end().to_string()));
                }
                out.extend(comment_change(&a.common.comment, &b.common.comment));
                alter(out)
            }
            (Object::Trigger(a), Object::Trigger(b)) => {
                if a.definition != b.definition {
                    return Change::Replace;
                }
                let mut out = Vec::new();
                if a.enabled != b.enabled {
                    out.push(stmt(self.trigger_state(b).unwrap_or_else(|| {
                        format!(
                            "ALTER TABLE {} ENABLE TRIGGER {}",
                            self.q.qualified(&b.schema, &b.table),
                            self.q.ident(&b.name)
                        )
                    })));
                }
                out.extend(comment_change(&a.comment, &b.comment));
                alter(out)
            }
            (Object::Policy(a), Object::Policy(b)) => {
                let clause_removed =
                    (a.using.is_some() && b.using.is_none()) || (a.check.is_some() && b.check.is_none());
                if a.permissive != b.permissive || a.command != b.command || clause_removed {
                    return Change::Replace;
                }
                let mut out = Vec::new();
                if (&a.roles, &a.using, &a.check) != (&b.roles, &b.using, &b.check) {
                    let mut sql = format!(
                        "ALTER POLICY {} ON {} TO {}",
                        self.q.ident(&b.name),
                        self.q.qualified(&b.schema, &b.table),
                        self.roles(b)
                    );
                    if let Some(using) = &b.using {
                        sql += &format!(" USING ({using})");
                    }
                    if let Some(check) = &b.check {
                        sql += &format!(" WITH CHECK ({check})");
                    }
                    out.push(stmt(sql).lock(ACCESS_EXCLUSIVE));
                }
                out.extend(comment_change(&a.comment, &b.comment));
                alter(out)
            }
            _ => Change::Replace,
        }
    }

    fn compare_type(
        &self,
        a: &TypeDef,
        b: &TypeDef,
        stmt: &dyn Fn(String) -> Statement,
        comment_change: impl Fn(&Option<String>, &Option<String>) -> Vec<Statement>,
    ) -> Change {
        let name = self.q.qualified(&b.schema, &b.name);
        let mut out = Vec::new();
        if a.kind != b.kind {
            return Change::Replace;
        }
        match b.kind.as_str() {
            "e" => {
                let old = a.enum_values.clone().unwrap_or_default();
                let new = b.enum_values.clone().unwrap_or_default();
                match enum_additions(&old, &new) {
                    // Each value is placed next to one that exists by then, so the order holds.
                    Some(additions) => out.extend(additions.into_iter().map(|(value, place)| {
                        stmt(format!("ALTER TYPE {name} ADD VALUE {} {place}", literal(&value)))
                            .hazard(Hazard::NotReversible)
                    })),
                    None => return Change::Replace,
                }
            }
            "d" => {
                if (&a.base_type, &a.collation) != (&b.base_type, &b.collation) {
                    return Change::Replace;
                }
                if a.default != b.default {
                    out.push(stmt(match &b.default {
                        Some(default) => format!("ALTER DOMAIN {name} SET DEFAULT {default}"),
                        None => format!("ALTER DOMAIN {name} DROP DEFAULT"),
                    }));
                }
                if a.not_null != b.not_null {
                    let action = if b.not_null { "SET" } else { "DROP" };
                    out.push(stmt(format!("ALTER DOMAIN {name} {action} NOT NULL")));
                }
                let old: BTreeMap<&str, &DomainCheck> =
                    a.checks.iter().flatten().map(|c| (c.name.as_str(), c)).collect();
                let new: BTreeMap<&str, &DomainCheck> =
                    b.checks.iter().flatten().map(|c| (c.name.as_str(), c)).collect();
                for (check_name, check) in &old {
                    if new.get(check_name).is_none_or(|n| n.definition != check.definition) {
                        out.push(stmt(format!(
                            "ALTER DOMAIN {name} DROP CONSTRAINT {}",
                            self.q.ident(check_name)
                        )));
                    }
                }
                for (check_name, check) in &new {
                    if old.get(check_name).is_none_or(|o| o.definition != check.definition) {
                        // Added NOT VALID, then validated: existing values are checked
                        // without blocking writers meanwhile.
                        let definition = check.definition.replace(" NOT VALID", "");
                        out.push(stmt(format!(
                            "ALTER DOMAIN {name} ADD CONSTRAINT {} {definition} NOT VALID",
                            self.q.ident(check_name)
                        )));
                        if check.validated {
                            out.push(stmt(format!(
                                "ALTER DOMAIN {name} VALIDATE CONSTRAINT {}",
                                self.q.ident(check_name)
                            )));
                        }
                    }
                }
            }
            "c" => {
                let old: Vec<&Attribute> = a.attributes.iter().flatten().collect();
                let new: Vec<&Attribute> = b.attributes.iter().flatten().collect();
                for attribute in &old {
                    if !new.iter().any(|n| n.name == attribute.name) {
                        out.push(
                            stmt(format!(
                                "ALTER TYPE {name} DROP ATTRIBUTE {}",
                                self.q.ident(&attribute.name)
                            ))
                            .hazard(Hazard::DeletesData),
                        );
                    }
                }
                for attribute in &new {
                    match old.iter().find(|o| o.name == attribute.name) {
                        None => out.push(stmt(format!(
                            "ALTER TYPE {name} ADD ATTRIBUTE {}",
                            self.attribute_definition(attribute)
                        ))),
                        Some(o)
                            if (&o.data_type, &o.collation)
                                != (&attribute.data_type, &attribute.collation) =>
                        {
                            out.push(stmt(format!(
                                "ALTER TYPE {name} ALTER ATTRIBUTE {} SET DATA TYPE {}{}",
                                self.q.ident(&attribute.name),
                                attribute.data_type,
                                attribute
                                    .collation
                                    .as_ref()
                                    .map(|c| format!(" COLLATE {c}"))
                                    .unwrap_or_default()
                            )))
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                if a.range != b.range {
                    return Change::Replace;
                }
            }
        }
        out.extend(comment_change(&a.common.comment, &b.common.comment));
        alter(out)
    }

    fn compare_relation(
        &self,
        a: &RelationDef,
        b: &RelationDef,
        desired: &Object,
        stmt: &dyn Fn(String) -> Statement,
    ) -> Change {
        let name = self.q.qualified(&b.schema, &b.name);
        let sql_kind = relation_sql_kind(b);
        if a.kind != b.kind || a.partition_key != b.partition_key || a.server != b.server {
            return Change::Replace;
        }
        let mut out = Vec::new();
        match b.kind.as_str() {
            "m" if a.definition != b.definition => return Change::Replace,
            "v" if a.definition != b.definition => {
                // CREATE OR REPLACE VIEW may only add columns at the end, names and types kept.
                let keeps_columns = a.columns.len() <= b.columns.len()
                    && a.columns
                        .iter()
                        .zip(&b.columns)
                        .all(|(o, n)| (&o.name, &o.data_type) == (&n.name, &n.data_type));
                if !keeps_columns {
                    return Change::Replace;
                }
                out.push(stmt(format!(
                    "CREATE OR REPLACE VIEW {name} AS\n{}",
                    b.definition.as_deref().unwrap_or_default().trim().trim_end_matches(';').trim_end()
                )));
            }
            _ => {}
        }
        let parents_changed = a.parents != b.parents || a.partition_bound != b.partition_bound;
        // Tagged: the planner detaches before the parent's columns change, and attaches once the
        // columns on both sides are in place (see DETACH and INHERITANCE).
        let stmt = |ddl: String| -> Statement {
            let mut statement = stmt(ddl);
            if parents_changed && is_detach(&statement.ddl) {
                statement.object_kind = DETACH.to_string();
            } else if parents_changed && is_inheritance(&statement.ddl) {
                statement.object_kind = INHERITANCE.to_string();
            }
            statement
        };
        if parents_changed {
            if a.partition_bound.is_some() {
                let (schema, parent) = a.parents.iter().flatten().next().cloned().unwrap_or_default();
                out.push(
                    stmt(format!(
                        "ALTER TABLE {} DETACH PARTITION {name}",
                        self.q.qualified(&schema, &parent)
                    ))
                    .lock(ACCESS_EXCLUSIVE),
                );
            } else {
                for (schema, parent) in a.parents.iter().flatten() {
                    if !b.parents.iter().flatten().any(|p| p == &(schema.clone(), parent.clone())) {
                        out.push(stmt(format!(
                            "ALTER TABLE {name} NO INHERIT {}",
                            self.q.qualified(schema, parent)
                        )));
                    }
                }
            }
            if let Some(bound) = &b.partition_bound {
                let (schema, parent) = b.parents.iter().flatten().next().cloned().unwrap_or_default();
                out.push(
                    stmt(format!(
                        "ALTER TABLE {} ATTACH PARTITION {name} {bound}",
                        self.q.qualified(&schema, &parent)
                    ))
                    .hazard(Hazard::ScansUnderLock),
                );
            } else {
                for (schema, parent) in b.parents.iter().flatten() {
                    if a.partition_bound.is_some()
                        || !a.parents.iter().flatten().any(|p| p == &(schema.clone(), parent.clone()))
                    {
                        out.push(stmt(format!(
                            "ALTER TABLE {name} INHERIT {}",
                            self.q.qualified(schema, parent)
                        )));
                    }
                }
            }
        }
        if a.unlogged != b.unlogged {
            let to = if b.unlogged { "UNLOGGED" } else { "LOGGED" };
            out.push(
                stmt(format!("ALTER TABLE {name} SET {to}"))
                    .lock(ACCESS_EXCLUSIVE)
                    .hazard(Hazard::RewritesTable),
            );
        }
        if a.options != b.options {
            let old = option_map(&a.options);
            let new = option_map(&b.options);
            let removed: Vec<&str> = old.keys().filter(|k| !new.contains_key(*k)).copied().collect();
            if !removed.is_empty() {
                out.push(stmt(format!("ALTER {sql_kind} {name} RESET ({})", removed.join(", "))));
            }
            let set: Vec<String> =
                new.iter().filter(|(k, v)| old.get(*k) != Some(v)).map(|(k, v)| format!("{k}={v}")).collect();
            if !set.is_empty() {
                out.push(stmt(format!("ALTER {sql_kind} {name} SET ({})", set.join(", "))));
            }
        }
        if a.rls_enabled != b.rls_enabled {
            let action = if b.rls_enabled { "ENABLE" } else { "DISABLE" };
            out.push(stmt(format!("ALTER TABLE {name} {action} ROW LEVEL SECURITY")).lock(ACCESS_EXCLUSIVE));
        }
        if a.replica_identity != b.replica_identity && b.replica_identity.as_deref() != Some("i") {
            let setting = match b.replica_identity.as_deref() {
                Some("f") => "FULL",
                Some("n") => "NOTHING",
                _ => "DEFAULT",
            };
            out.push(stmt(format!("ALTER TABLE {name} REPLICA IDENTITY {setting}")).lock(ACCESS_EXCLUSIVE));
        }
        if a.rls_forced != b.rls_forced {
            let action = if b.rls_forced { "FORCE" } else { "NO FORCE" };
            out.push(stmt(format!("ALTER TABLE {name} {action} ROW LEVEL SECURITY")).lock(ACCESS_EXCLUSIVE));
        }
        if a.common.comment != b.common.comment {
            out.extend(self.comment(desired, &b.common.comment).map(stmt));
        }
        // Columns of views come with the view: their comments are the relation's business.
        if matches!(b.kind.as_str(), "v" | "m") {
            for column in &b.columns {
                let old =
                    a.columns.iter().find(|c| c.name == column.name).and_then(|c| c.common.comment.clone());
                if old != column.common.comment {
                    out.extend(self.comment(&Object::Column(b, column), &column.common.comment).map(stmt));
                }
            }
        }
        alter(out)
    }
}

/// The object kind that marks a relation's statements giving it parents (INHERIT, ATTACH
/// PARTITION): they need every column of both tables in place.
pub const INHERITANCE: &str = "inheritance";
/// The object kind that marks a relation's statements leaving its parents (NO INHERIT, DETACH
/// PARTITION): they run before the parent's columns change, which would change the child's too.
pub const DETACH: &str = "detach";

fn is_inheritance(ddl: &str) -> bool {
    [" INHERIT ", " ATTACH PARTITION "].iter().any(|word| ddl.contains(word))
}

fn is_detach(ddl: &str) -> bool {
    [" NO INHERIT ", " DETACH PARTITION "].iter().any(|word| ddl.contains(word))
}

/// PostgreSQL truncates names to 63 bytes; do it ourselves so the name we drop is the one made.
pub fn truncate_name(name: &str) -> String {
    let mut out = name.to_string();
    while out.len() > 63 {
        out.pop();
    }
    out
}

fn option_map(options: &Option<Vec<String>>) -> BTreeMap<&str, &str> {
    options.iter().flatten().map(|item| item.split_once('=').unwrap_or((item.as_str(), ""))).collect()
}

/// The values to add, each with where it goes (`BEFORE 'x'` / `AFTER 'y'`), when `new` keeps
/// every old value in its order; None when a value is removed or moved.
fn enum_additions(old: &[String], new: &[String]) -> Option<Vec<(String, String)>> {
    let mut positions = old.iter().map(|v| new.iter().position(|n| n == v));
    let mut last = None;
    for position in positions.by_ref() {
        let position = position?;
        if last.is_some_and(|l| position <= l) {
            return None;
        }
        last = Some(position);
    }
    let mut additions = Vec::new();
    for (i, value) in new.iter().enumerate() {
        if old.contains(value) {
            continue;
        }
        let place = if i > 0 {
            format!("AFTER {}", literal(&new[i - 1]))
        } else {
            match new.get(1) {
                Some(next) => format!("BEFORE {}", literal(next)),
                None => String::new(),
            }
        };
        additions.push((value.clone(), place));
    }
    Some(additions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn enum_values_are_added_next_to_a_neighbour_that_exists() {
        let additions = enum_additions(&strings(&["b", "d"]), &strings(&["a", "b", "c", "d", "e"])).unwrap();
        assert_eq!(
            additions,
            vec![
                ("a".into(), "BEFORE 'b'".into()),
                ("c".into(), "AFTER 'b'".into()),
                ("e".into(), "AFTER 'd'".into())
            ]
        );
        assert!(enum_additions(&strings(&["a", "b"]), &strings(&["b", "a"])).is_none());
        assert!(enum_additions(&strings(&["a", "b"]), &strings(&["a"])).is_none());
    }
}
