//! An enum whose values are removed or reordered while columns use it: PostgreSQL cannot drop an
//! enum value, so the type is rebuilt under its name. The old one is renamed aside, the new one
//! created, every column converted through its text (`USING col::text::type`: a row holding a
//! removed value makes the statement fail, and the migration with it), what depends on those
//! columns recreated around them, and the old type dropped last.

use super::compare::truncate_name;
use super::objects::{self, Object};
use super::order;
use super::snapshot::Key;
use super::statement::{literal, Hazard, Statement, ACCESS_EXCLUSIVE};
use super::{Action, Planner};

impl Planner<'_, '_> {
    fn old_enum_name(name: &str) -> String {
        truncate_name(&format!("{name}_cft_old"))
    }

    /// The statements that rebuild `new` beside `old`, when it is an enum some column uses (the
    /// caller records it in `rebuilt_enums`).
    pub(super) fn rebuild_enum(&self, key: &Key, old: &Object, new: &Object) -> Option<Vec<Statement>> {
        let (Object::Type(before), Object::Type(after)) = (old, new) else { return None };
        if before.kind != "e" || after.kind != "e" {
            return None;
        }
        let used_by_columns =
            self.current.dependents(key).any(|d| matches!(self.current.get(d), Some(Object::Column(..))));
        if !used_by_columns {
            return None;
        }
        let q = self.writer.q;
        let display = objects::display_name(key);
        let values: Vec<String> = after.enum_values.iter().flatten().map(|v| literal(v)).collect();
        let mut statements = vec![
            Statement::new(
                "type",
                &display,
                format!(
                    "ALTER TYPE {} RENAME TO {}",
                    q.qualified(&before.schema, &before.name),
                    q.ident(&Self::old_enum_name(&before.name))
                ),
            )
            .lock(ACCESS_EXCLUSIVE),
            Statement::new(
                "type",
                &display,
                format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    q.qualified(&after.schema, &after.name),
                    values.join(", ")
                ),
            )
            .hazard(Hazard::ImpactsDependents),
        ];
        if after.common.comment.is_some() {
            statements.extend(
                self.writer
                    .comment(new, &after.common.comment)
                    .map(|ddl| Statement::new("type", &display, ddl)),
            );
        }
        Some(statements)
    }

    /// Give `column` (which uses a rebuilt enum) the statement converting it; false when its own
    /// change already sets its type.
    pub(super) fn convert_column_to_rebuilt_enum(&mut self, column: &Key) -> bool {
        let Some(Object::Column(table, desired)) = self.desired.get(column).copied() else { return false };
        let Some(Object::Column(_, current)) = self.current.get(column).copied() else { return false };
        if current.data_type != desired.data_type || current.collation != desired.collation {
            return false;
        }
        let q = self.writer.q;
        let name = q.ident(&desired.name);
        let through_text = if desired.data_type.ends_with("[]") { "text[]" } else { "text" };
        let convert = Statement::new(
            "column",
            &objects::display_name(column),
            format!(
                "ALTER TABLE {} ALTER COLUMN {name} TYPE {} USING {name}::{through_text}::{}",
                q.qualified(&table.schema, &table.name),
                desired.data_type,
                desired.data_type
            ),
        )
        .lock(ACCESS_EXCLUSIVE)
        .hazard(Hazard::RewritesTable);
        let mut statements = vec![convert];
        if let Some(Action::Alter { statements: own, .. }) = self.actions.remove(column) {
            statements.extend(own);
        }
        self.actions.insert(column.clone(), Action::Alter { statements, invalidates: true });
        true
    }

    /// The renamed-aside enums go once every column has left them.
    pub(super) fn drop_rebuilt_enums(&self, graph: &mut order::Graph) {
        for key in &self.rebuilt_enums {
            let Some(Object::Type(t)) = self.current.get(key).copied() else { continue };
            let node = order::Node::create(&objects::key("rebuilt_enum", &key.1, &key.2, ""), u8::MAX);
            let old = self.writer.q.qualified(&t.schema, &Self::old_enum_name(&t.name));
            graph.add(
                node.clone(),
                vec![Statement::new("type", &objects::display_name(key), format!("DROP TYPE {old}"))],
            );
            graph.edge(&order::Node::create(key, Object::Type(t).rank()), &node);
            for dependent in self.current.dependents(key) {
                if let Some(Action::Alter { .. }) = self.actions.get(dependent) {
                    if let Some(object) = self.desired.get(dependent) {
                        graph.edge(&order::Node::create(dependent, object.rank()), &node);
                    }
                }
            }
        }
    }
}
