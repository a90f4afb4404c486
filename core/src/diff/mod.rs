//! Schema diff: from two catalog snapshots (what the database holds, what it should hold) to the
//! statements that turn one into the other, in an order PostgreSQL accepts, each labelled with its
//! hazards. Pure: the extension and the CLI both call `plan`.
//!
//! Every object is created, dropped, altered in place or replaced (dropped and created again).
//! What depends on a dropped or replaced object, or on a column whose type changes, is replaced
//! around the change. The statements are then ordered by the dependencies of both snapshots:
//! drops before what they depend on goes, creates after what they need exists.

mod columns;
mod compare;
mod ddl;
mod objects;
mod online;
mod order;
mod privileges;
mod rebuild;
mod renames;
pub mod snapshot;
mod statement;

pub use renames::Rename;
pub use snapshot::Snapshot;
pub use statement::{Hazard, Statement};

use compare::Change;
use ddl::Writer;
use objects::{Object, Objects};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use snapshot::Key;
use statement::{Quoter, SHARE_UPDATE_EXCLUSIVE};
use std::collections::{BTreeMap, BTreeSet};

/// Hazards a plan may carry only when the caller allows them.
pub const REFUSED_BY_DEFAULT: [Hazard; 1] = [Hazard::DeletesData];

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Hazard names allowed (`all` for every one).
    pub allow_hazards: Vec<String>,
    /// Build indexes CONCURRENTLY, add constraints NOT VALID then validate... on tables that
    /// exist before the plan (default true).
    pub online: Option<bool>,
    pub renames: Vec<Rename>,
    /// Compare owners and privileges too (ALTER ... OWNER TO, GRANT, REVOKE).
    pub privileges: bool,
}

impl Options {
    fn online(&self) -> bool {
        self.online.unwrap_or(true)
    }

    fn allows(&self, hazard: Hazard) -> bool {
        self.allow_hazards.iter().any(|h| h == "all" || h == hazard.name())
    }

    pub fn check(&self) -> Result<(), DiffError> {
        for name in &self.allow_hazards {
            if name != "all" && Hazard::parse(name).is_none() {
                let known: Vec<&str> = Hazard::ALL.iter().map(|h| h.name()).collect();
                return Err(DiffError::Options(format!(
                    "unknown hazard {name:?} in allow_hazards (known: all, {})",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }
}

#[derive(Debug, PartialEq)]
pub enum DiffError {
    Options(String),
    /// Statements carry a hazard the options do not allow.
    Refused {
        hazard: Hazard,
        statements: Vec<String>,
    },
    /// A change the plan cannot express safely.
    Unsupported(String),
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::Options(message) | DiffError::Unsupported(message) => f.write_str(message),
            DiffError::Refused { hazard, statements } => write!(
                f,
                "the plan has {} statement(s) with hazard {}, not allowed: {}",
                statements.len(),
                hazard.name(),
                statements.join("; ")
            ),
        }
    }
}

/// What happens to one object.
enum Action {
    Create,
    Drop,
    Replace,
    Alter { statements: Vec<Statement>, invalidates: bool },
}

struct Planner<'s, 'q> {
    current: Objects<'s>,
    desired: Objects<'s>,
    writer: Writer<'q>,
    actions: BTreeMap<Key, Action>,
    /// Objects whose change forced dependents to be dropped and recreated.
    causes: BTreeSet<Key>,
    /// Enums rebuilt under their name while columns use them (see `rebuild_enum`).
    rebuilt_enums: BTreeSet<Key>,
    online: bool,
    privileges: bool,
}

/// The statements that turn `current` into `desired`.
pub fn plan(current: &Snapshot, desired: &Snapshot, options: &Options) -> Result<Vec<Statement>, DiffError> {
    options.check()?;
    // An object that is not a snapshot would read as an empty database, and plan to drop all.
    for (side, snapshot) in [("current", current), ("desired", desired)] {
        if snapshot.server_version_num < 100_000 {
            return Err(DiffError::Options(format!(
                "{side} is not a catalog snapshot (no server_version_num): take one with confiture.catalog_snapshot()"
            )));
        }
    }
    let quoter = Quoter::new(if desired.reserved_words.is_empty() {
        &current.reserved_words
    } else {
        &desired.reserved_words
    });
    let (renamed, mut statements) = renames::apply(current, desired, &options.renames, &quoter)?;
    let mut planner = Planner {
        current: Objects::new(&renamed).with_dependents(),
        desired: Objects::new(desired),
        writer: Writer {
            q: &quoter,
            enums: [current, desired]
                .iter()
                .flat_map(|side| side.types.iter().filter(|t| t.kind == "e"))
                .map(|t| quoter.qualified(&t.schema, &t.name))
                .collect(),
        },
        actions: BTreeMap::new(),
        causes: BTreeSet::new(),
        rebuilt_enums: BTreeSet::new(),
        online: options.online(),
        privileges: options.privileges,
    };
    planner.decide();
    planner.swap_changed_indexes();
    planner.replace_dependents()?;
    let ordered = planner.ordered();
    if ordered.iter().any(|s| s.object_kind == "function" || s.object_kind == "procedure") {
        // As pg_dump: a function body may name what the plan creates after it.
        statements
            .insert(0, Statement::new("setting", "check_function_bodies", "SET check_function_bodies = off"));
    }
    statements.extend(ordered);
    for hazard in REFUSED_BY_DEFAULT {
        if options.allows(hazard) {
            continue;
        }
        let refused: Vec<String> =
            statements.iter().filter(|s| s.hazards.contains(&hazard)).map(|s| s.ddl.clone()).collect();
        if !refused.is_empty() {
            return Err(DiffError::Refused { hazard, statements: refused });
        }
    }
    Ok(statements)
}

impl<'s> Planner<'s, '_> {
    fn decide(&mut self) {
        // Every key of either side once, borrowed: the current side's, then the desired side's new
        // ones (actions is ordered by key whatever the order of insertion).
        let current_keys = self.current.map.keys();
        let new_keys = self.desired.map.keys().filter(|k| !self.current.map.contains_key(*k));
        let keys: Vec<&Key> = current_keys.chain(new_keys).collect();
        let mut rebuilt = Vec::new();
        for key in keys {
            let action = match (self.current.get(key), self.desired.get(key)) {
                (None, Some(_)) => Action::Create,
                (Some(_), None) => Action::Drop,
                (Some(old), Some(new)) => {
                    let change = self.writer.compare(old, new);
                    let granted = if self.privileges && !matches!(change, Change::Replace) {
                        let display = objects::display_name(key);
                        self.writer
                            .privileges(Some(old), new, &|ddl| Statement::new(new.kind_name(), &display, ddl))
                    } else {
                        Vec::new()
                    };
                    match change {
                        Change::Same if granted.is_empty() => continue,
                        Change::Same => Action::Alter { statements: granted, invalidates: false },
                        Change::Replace => match self.rebuild_enum(key, old, new) {
                            Some(statements) => {
                                rebuilt.push(key.clone());
                                Action::Alter { statements, invalidates: true }
                            }
                            None => Action::Replace,
                        },
                        Change::Alter { mut statements, invalidates } => {
                            statements.extend(granted);
                            Action::Alter { statements, invalidates }
                        }
                    }
                }
                (None, None) => continue,
            };
            self.actions.insert(key.clone(), action);
        }
        self.rebuilt_enums.extend(rebuilt);
    }

    fn is_dropped(&self, key: &Key) -> bool {
        matches!(self.actions.get(key), Some(Action::Drop | Action::Replace))
    }

    fn is_created(&self, key: &Key) -> bool {
        matches!(self.actions.get(key), Some(Action::Create | Action::Replace))
    }

    /// The container of `key` on the current side goes (so `key` goes with it).
    /// What a DROP of `object`'s own would be implied by: its container, the column owning a
    /// sequence, the partitioned table of a partition.
    fn dropped_with(object: &Object) -> Option<Key> {
        match object {
            // A foreign key is dropped on its own, first: two tables dropped together may
            // reference each other, and neither DROP TABLE could then go first.
            Object::Constraint(c) if c.kind == "f" => None,
            // DROP COLUMN (or TABLE) drops the sequences the column owns.
            Object::Sequence(s) => s
                .owned_by
                .as_ref()
                .map(|(schema, table, column)| objects::key("column", schema, table, column)),
            Object::Relation(r) if r.partition_bound.is_some() => {
                r.parents.iter().flatten().next().map(|(schema, table)| objects::relation_key(schema, table))
            }
            _ => object.container(),
        }
    }

    fn container_dropped(&self, key: &Key) -> bool {
        let Some(object) = self.current.get(key) else { return false };
        match Self::dropped_with(object) {
            Some(container) => self.is_dropped(&container) || self.container_dropped(&container),
            None => false,
        }
    }

    /// The container of `key` on the desired side is created by the plan (so `key` is created
    /// with it, or after it, on a table that holds no rows yet).
    fn container_created(&self, key: &Key) -> bool {
        let Some(container) = self.desired.get(key).and_then(|o| o.container()) else { return false };
        self.is_created(&container) || self.container_created(&container)
    }

    /// Mark as replaced, within a fixed point, everything that must be dropped and created again:
    /// what lives in a replaced object, and what depends on something dropped, replaced or
    /// changed in type.
    fn replace_dependents(&mut self) -> Result<(), DiffError> {
        let mut queue: Vec<Key> = self
            .actions
            .iter()
            .filter(|(_, a)| {
                matches!(a, Action::Drop | Action::Replace | Action::Alter { invalidates: true, .. })
            })
            .map(|(k, _)| k.clone())
            .collect();
        // What goes with each object (its columns, constraints..., the sequences its columns own,
        // its partitions), indexed once: looking it up per cause made dropping 1000 tables take
        // minutes.
        let mut goes_with: HashMap<Key, Vec<Key>> = HashMap::default();
        for (key, object) in &self.current.map {
            let mut containers: Vec<Key> = object.container().into_iter().collect();
            containers.extend(Self::dropped_with(object));
            containers.dedup();
            for container in containers {
                goes_with.entry(container).or_default().push(key.clone());
            }
        }
        while let Some(cause) = queue.pop() {
            let whole = self.is_dropped(&cause);
            // What lives in a dropped container goes with it: recreate what should stay.
            let mut affected: Vec<Key> = Vec::new();
            if whole {
                affected.extend(goes_with.get(&cause).into_iter().flatten().cloned());
            }
            let rebuilt_enum = self.rebuilt_enums.contains(&cause);
            let dependents: Vec<Key> = self.current.dependents(&cause).cloned().collect();
            for dependent in &dependents {
                if rebuilt_enum && matches!(self.current.get(dependent), Some(Object::Column(..))) {
                    if self.convert_column_to_rebuilt_enum(dependent) {
                        self.causes.insert(cause.clone());
                        queue.push(dependent.clone());
                    }
                    continue;
                }
                let kind_matters = whole
                    || matches!(
                        self.current.get(dependent),
                        Some(
                            Object::Relation(_)
                                | Object::Policy(_)
                                | Object::Trigger(_)
                                | Object::Function(_)
                                | Object::Default(..)
                        )
                    );
                if kind_matters {
                    affected.push(dependent.clone());
                }
            }
            // In key order, so that a refusal always names the same object.
            affected.sort();
            affected.dedup();
            for key in affected {
                let Some(object) = self.desired.get(&key).copied() else { continue };
                match self.actions.get(&key) {
                    Some(Action::Replace | Action::Create | Action::Drop) => continue,
                    Some(Action::Alter { invalidates: true, .. }) if !whole => continue,
                    _ => {}
                }
                let lives_in_cause = object.container().as_ref() == Some(&cause)
                    || self.current.get(&key).and_then(Self::dropped_with).as_ref() == Some(&cause);
                if object.replaceable() || lives_in_cause {
                    self.actions.insert(key.clone(), Action::Replace);
                    if !lives_in_cause {
                        self.causes.insert(cause.clone());
                    }
                    queue.push(key);
                } else if !matches!(self.actions.get(&key), Some(Action::Alter { .. })) {
                    return Err(DiffError::Unsupported(format!(
                        "{} {} depends on {} {}, which the plan drops or changes, and cannot be recreated \
                         around it: change them in separate migrations",
                        object.kind_name(),
                        objects::display_name(&key),
                        self.current.get(&cause).map_or("object", |o| o.kind_name()),
                        objects::display_name(&cause)
                    )));
                }
            }
        }
        Ok(())
    }

    fn ordered(&self) -> Vec<Statement> {
        let mut graph = order::Graph::default();
        for (key, action) in &self.actions {
            let needs_drop = matches!(action, Action::Drop | Action::Replace)
                && !self.container_dropped(key)
                && !inherited(&self.current, key);
            let needs_create =
                matches!(action, Action::Create | Action::Replace) && !self.covered_create(key);
            if needs_drop {
                let object = self.current.get(key).expect("dropped objects are current");
                let mut statement = self.writer.drop(object);
                if matches!(object, Object::Column(_, c) if c.generated.is_some()) {
                    statement.hazards.retain(|h| *h != Hazard::DeletesData);
                }
                if self.causes.contains(key) {
                    statement = statement.hazard(Hazard::ImpactsDependents);
                }
                if let Object::Index(index) = object {
                    if self.online_table(&objects::relation_key(&index.schema, &index.table)) {
                        statement.ddl = statement.ddl.replacen("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1);
                        statement = statement.lock(SHARE_UPDATE_EXCLUSIVE).outside_transaction();
                    }
                }
                graph.add(order::Node::drop(key, object.rank()), vec![statement]);
            }
            if needs_create {
                let object = self.desired.get(key).expect("created objects are desired");
                graph.add(order::Node::create(key, object.rank()), self.create_statements(key, object));
            }
            if let Action::Alter { statements, .. } = action {
                let object = self.desired.get(key).expect("altered objects are desired");
                let mut statements = statements.clone();
                if self.causes.contains(key) {
                    statements =
                        statements.into_iter().map(|s| s.hazard(Hazard::ImpactsDependents)).collect();
                }
                let (detach, rest): (Vec<Statement>, Vec<Statement>) =
                    statements.into_iter().partition(|s| s.object_kind == compare::DETACH);
                let (inheritance, own): (Vec<Statement>, Vec<Statement>) =
                    rest.into_iter().partition(|s| s.object_kind == compare::INHERITANCE);
                graph.add(order::Node::create(key, object.rank()), own);
                if !detach.is_empty() {
                    self.add_detach_node(&mut graph, key, object, detach);
                }
                if !inheritance.is_empty() {
                    self.add_inheritance_node(&mut graph, key, object, inheritance);
                }
            }
        }
        self.add_edges(&mut graph);
        self.drop_rebuilt_enums(&mut graph);
        graph.sorted()
    }

    /// A node of `statements` that change `object`'s parents, shown under the object's kind.
    fn add_parents_node(
        graph: &mut order::Graph,
        node: &order::Node,
        object: &Object,
        statements: Vec<Statement>,
    ) {
        let kind = object.kind_name();
        graph.add(
            node.clone(),
            statements.into_iter().map(|s| Statement { object_kind: kind.to_string(), ..s }).collect(),
        );
    }

    /// INHERIT and ATTACH PARTITION run once every column of the table and of its parents
    /// (before and after) is in place: attaching needs the columns to match.
    fn add_inheritance_node(
        &self,
        graph: &mut order::Graph,
        key: &Key,
        object: &Object,
        statements: Vec<Statement>,
    ) {
        let node = order::Node::create(&objects::key("inheritance", &key.1, &key.2, ""), u8::MAX);
        Self::add_parents_node(graph, &node, object, statements);
        graph.edge(&order::Node::create(key, object.rank()), &node);
        let mut tables = vec![(key.1.clone(), key.2.clone())];
        for side in [&self.current, &self.desired] {
            if let Some(Object::Relation(r)) = side.get(key) {
                tables.extend(r.parents.iter().flatten().cloned());
            }
        }
        for (schema, table) in &tables {
            for column in self.desired.columns_of(schema, table) {
                if let Some(before) = self.create_node(column) {
                    graph.edge(&before, &node);
                }
            }
        }
    }

    /// NO INHERIT and DETACH PARTITION run first, before any column of the parents they leave
    /// changes (an added column would otherwise be added to the leaving child as well).
    fn add_detach_node(
        &self,
        graph: &mut order::Graph,
        key: &Key,
        object: &Object,
        statements: Vec<Statement>,
    ) {
        let node = order::Node::drop(&objects::key("detach", &key.1, &key.2, ""), u8::MAX);
        Self::add_parents_node(graph, &node, object, statements);
        graph.edge(&node, &order::Node::create(&objects::key("inheritance", &key.1, &key.2, ""), u8::MAX));
        let Some(Object::Relation(r)) = self.current.get(key) else { return };
        for (schema, table) in r.parents.iter().flatten() {
            for side in [&self.current, &self.desired] {
                for column in side.columns_of(schema, table) {
                    for then in [self.create_node(column), self.drop_node(column)].into_iter().flatten() {
                        graph.edge(&node, &then);
                    }
                }
            }
        }
    }

    /// Created by its container, or on an existing table by its parent's ADD COLUMN (an inherited
    /// column that is not the table's own).
    fn covered_create(&self, key: &Key) -> bool {
        if inherited(&self.desired, key) {
            return true;
        }
        self.desired.get(key).is_some_and(|o| o.created_with_container()) && self.container_created(key)
    }

    /// The node that creates or alters `key` on the desired side (its container's when it is
    /// created with it).
    fn create_node(&self, key: &Key) -> Option<order::Node> {
        let object = self.desired.get(key)?;
        if self.covered_create(key) {
            return self.create_node(&object.container()?);
        }
        match self.actions.get(key)? {
            Action::Drop => None,
            _ => Some(order::Node::create(key, object.rank())),
        }
    }

    /// The node that drops `key` on the current side (its container's when it goes with it).
    fn drop_node(&self, key: &Key) -> Option<order::Node> {
        let object = self.current.get(key)?;
        if self.container_dropped(key) || inherited(&self.current, key) {
            return self.drop_node(&Self::dropped_with(object).or_else(|| object.container())?);
        }
        match self.actions.get(key)? {
            Action::Drop | Action::Replace => Some(order::Node::drop(key, object.rank())),
            _ => None,
        }
    }

    fn alter_node(&self, key: &Key) -> Option<order::Node> {
        match self.actions.get(key)? {
            Action::Alter { .. } => Some(order::Node::create(key, self.desired.get(key)?.rank())),
            _ => None,
        }
    }

    fn add_edges(&self, graph: &mut order::Graph) {
        // Each key's nodes are worked out once: a catalog of 1000 tables has tens of thousands of
        // edges, most between objects the plan does not touch.
        let mut creates: HashMap<&Key, Option<order::Node>> = HashMap::default();
        let mut drops: HashMap<&Key, Option<order::Node>> = HashMap::default();
        let mut alters: HashMap<&Key, Option<order::Node>> = HashMap::default();
        macro_rules! node {
            ($memo:ident, $method:ident, $key:expr) => {{
                let key: &Key = $key;
                $memo.entry(key).or_insert_with(|| self.$method(key)).clone()
            }};
        }
        // Only keys with an action, or the columns of a relation created or dropped, can have a
        // node: everything else is skipped without building one.
        let relations = |wanted: fn(&Action) -> bool| -> HashSet<(&str, &str)> {
            self.actions
                .iter()
                .filter(|(k, a)| k.0 == "relation" && wanted(a))
                .map(|(k, _)| (k.1.as_str(), k.2.as_str()))
                .collect()
        };
        let created = relations(|a| matches!(a, Action::Create | Action::Replace));
        let dropped_relations = relations(|a| matches!(a, Action::Drop | Action::Replace));
        let may_have_node = |key: &Key, relations: &HashSet<(&str, &str)>| {
            self.actions.contains_key(key)
                || (matches!(key.0.as_str(), "column" | "default")
                    && relations.contains(&(key.1.as_str(), key.2.as_str())))
        };
        // Creates and alters after what they need is created or altered.
        for (dependent, needs) in &self.desired.needs {
            if !may_have_node(dependent, &created) {
                continue;
            }
            let Some(after) = node!(creates, create_node, dependent) else { continue };
            for need in needs.iter().filter(|need| may_have_node(need, &created)) {
                if let Some(before) = node!(creates, create_node, need) {
                    graph.edge(&before, &after);
                }
            }
        }
        for (dependent, needs) in &self.current.needs {
            if !may_have_node(dependent, &dropped_relations) {
                continue;
            }
            let dropped = node!(drops, drop_node, dependent);
            let altered = node!(alters, alter_node, dependent);
            if dropped.is_none() && altered.is_none() {
                continue;
            }
            for need in needs.iter().filter(|need| may_have_node(need, &dropped_relations)) {
                let need_dropped = node!(drops, drop_node, need);
                // Drops before what they need is dropped or altered.
                if let Some(first) = &dropped {
                    if let Some(then) = need_dropped.clone().or_else(|| node!(alters, alter_node, need)) {
                        graph.edge(first, &then);
                    }
                }
                // An alter that moves away from something dropped runs before the drop.
                if let (Some(first), Some(then)) = (&altered, need_dropped) {
                    graph.edge(first, &then);
                }
            }
        }
        for (key, action) in &self.actions {
            if matches!(action, Action::Replace) {
                if let (Some(first), Some(then)) = (self.drop_node(key), self.create_node(key)) {
                    graph.edge(&first, &then);
                }
            }
        }
    }
}

/// A column a table has from its parent only: added and dropped through the parent.
fn inherited(objects: &Objects, key: &Key) -> bool {
    matches!(objects.get(key), Some(Object::Column(_, c)) if !c.local)
}

#[cfg(test)]
mod tests;
