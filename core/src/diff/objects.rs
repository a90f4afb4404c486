//! The snapshot as a map of objects by key, each knowing its container: the unit the plan
//! creates, drops, alters or replaces.

use super::snapshot::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug)]
pub enum Object<'s> {
    Schema(&'s SchemaDef),
    Extension(&'s ExtensionDef),
    Collation(&'s CollationDef),
    Type(&'s TypeDef),
    Sequence(&'s SequenceDef),
    /// A sequence's OWNED BY: set after the table exists, the sequence being created before it.
    SequenceOwner(&'s SequenceDef),
    Relation(&'s RelationDef),
    Column(&'s RelationDef, &'s ColumnDef),
    /// A column's DEFAULT (not a generation expression, which is part of the column).
    Default(&'s RelationDef, &'s ColumnDef),
    Constraint(&'s ConstraintDef),
    Index(&'s IndexDef),
    Function(&'s FunctionDef),
    Trigger(&'s TriggerDef),
    Policy(&'s PolicyDef),
}

pub fn key(kind: &str, schema: &str, name: &str, part: &str) -> Key {
    (kind.to_string(), schema.to_string(), name.to_string(), part.to_string())
}

fn is_view(relation: &RelationDef) -> bool {
    matches!(relation.kind.as_str(), "v" | "m")
}

pub fn relation_key(schema: &str, name: &str) -> Key {
    key("relation", schema, name, "")
}

impl<'s> Object<'s> {
    pub fn key(&self) -> Key {
        match self {
            Object::Schema(s) => key("schema", &s.name, "", ""),
            Object::Extension(e) => key("extension", "", &e.name, ""),
            Object::Collation(c) => key("collation", &c.schema, &c.name, ""),
            Object::Type(t) => key("type", &t.schema, &t.name, ""),
            Object::Sequence(s) => key("sequence", &s.schema, &s.name, ""),
            Object::SequenceOwner(s) => key("sequence_owner", &s.schema, &s.name, ""),
            Object::Relation(r) => relation_key(&r.schema, &r.name),
            Object::Column(r, c) => key("column", &r.schema, &r.name, &c.name),
            Object::Default(r, c) => key("default", &r.schema, &r.name, &c.name),
            Object::Constraint(c) => key("constraint", &c.schema, &c.table, &c.name),
            Object::Index(i) => key("index", &i.schema, &i.name, ""),
            Object::Function(f) => key("function", &f.schema, &f.name, &f.arguments),
            Object::Trigger(t) => key("trigger", &t.schema, &t.table, &t.name),
            Object::Policy(p) => key("policy", &p.schema, &p.table, &p.name),
        }
    }

    /// The object this one lives in: created with it (columns, defaults) or dropped with it.
    pub fn container(&self) -> Option<Key> {
        match self {
            Object::Column(r, _) => Some(relation_key(&r.schema, &r.name)),
            Object::Default(r, _) if is_view(r) => Some(relation_key(&r.schema, &r.name)),
            Object::Default(r, c) => Some(key("column", &r.schema, &r.name, &c.name)),
            Object::Constraint(c) => Some(relation_key(&c.schema, &c.table)),
            Object::Index(i) => Some(relation_key(&i.schema, &i.table)),
            Object::Trigger(t) => Some(relation_key(&t.schema, &t.table)),
            Object::Policy(p) => Some(relation_key(&p.schema, &p.table)),
            Object::SequenceOwner(s) => Some(key("sequence", &s.schema, &s.name, "")),
            _ => None,
        }
    }

    /// Created by its container's CREATE statement (a table's columns and their defaults).
    pub fn created_with_container(&self) -> bool {
        match self {
            Object::Column(..) => true,
            Object::Default(r, _) => !is_view(r),
            _ => false,
        }
    }

    /// Dropped or recreated on its own when something it depends on goes away.
    pub fn replaceable(&self) -> bool {
        match self {
            Object::Relation(r) => matches!(r.kind.as_str(), "v" | "m"),
            Object::Default(..)
            | Object::Constraint(_)
            | Object::Index(_)
            | Object::Function(_)
            | Object::Trigger(_)
            | Object::Policy(_)
            | Object::SequenceOwner(_) => true,
            _ => false,
        }
    }

    /// Order among objects ready at the same time: what others usually need comes first.
    pub fn rank(&self) -> u8 {
        match self {
            Object::Schema(_) => 0,
            Object::Extension(_) | Object::Collation(_) => 1,
            Object::Type(_) => 2,
            Object::Sequence(_) => 3,
            Object::Function(_) => 4,
            Object::Relation(r) if matches!(r.kind.as_str(), "v" | "m") => 10,
            Object::Relation(_) => 5,
            Object::Column(..) => 6,
            Object::Default(..) => 7,
            Object::SequenceOwner(_) => 8,
            Object::Constraint(c) if c.kind == "f" => 10,
            Object::Constraint(_) => 9,
            Object::Index(_) => 9,
            Object::Trigger(_) => 11,
            Object::Policy(_) => 11,
        }
    }

    /// How the plan's rows name the kind.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Object::Schema(_) => "schema",
            Object::Extension(_) => "extension",
            Object::Collation(_) => "collation",
            Object::Type(_) => "type",
            Object::Sequence(_) | Object::SequenceOwner(_) => "sequence",
            Object::Relation(r) => match r.kind.as_str() {
                "v" => "view",
                "m" => "materialized view",
                "f" => "foreign table",
                _ => "table",
            },
            Object::Column(..) | Object::Default(..) => "column",
            Object::Constraint(_) => "constraint",
            Object::Index(_) => "index",
            Object::Function(f) if f.kind == "p" => "procedure",
            Object::Function(f) if f.kind == "a" => "aggregate",
            Object::Function(_) => "function",
            Object::Trigger(_) => "trigger",
            Object::Policy(_) => "policy",
        }
    }
}

/// How a plan row names an object: `schema.name`, `schema.table.column`, `f(int)`... (unquoted).
pub fn display_name(key: &Key) -> String {
    let (kind, schema, name, part) = key;
    match kind.as_str() {
        "schema" => schema.clone(),
        "extension" => name.clone(),
        "function" => format!("{schema}.{name}({part})"),
        _ if part.is_empty() => format!("{schema}.{name}"),
        _ => format!("{schema}.{name}.{part}"),
    }
}

/// Every object of a snapshot, and its dependency edges in both directions.
pub struct Objects<'s> {
    pub map: BTreeMap<Key, Object<'s>>,
    /// dependent -> what it needs. (Hash maps: a catalog of 1000 tables has tens of thousands of
    /// edges; nothing depends on their order, the plan is sorted at the end.)
    pub needs: HashMap<Key, Vec<Key>>,
    /// referenced -> what needs it: built by `with_dependents`, for the side the planner walks
    /// backwards (the current one).
    needed_by: HashMap<Key, Vec<Key>>,
}

impl<'s> Objects<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        let mut map = BTreeMap::new();
        let mut add = |object: Object<'s>| {
            map.insert(object.key(), object);
        };
        snapshot.schemas.iter().for_each(|s| add(Object::Schema(s)));
        snapshot.extensions.iter().for_each(|e| add(Object::Extension(e)));
        snapshot.collations.iter().for_each(|c| add(Object::Collation(c)));
        snapshot.types.iter().for_each(|t| add(Object::Type(t)));
        for sequence in &snapshot.sequences {
            add(Object::Sequence(sequence));
            if sequence.owned_by.is_some() {
                add(Object::SequenceOwner(sequence));
            }
        }
        for relation in &snapshot.relations {
            add(Object::Relation(relation));
            // A view's columns are its query's: they come and go with the view. Their defaults
            // (for INSERT through the view) are set on their own.
            if is_view(relation) {
                for column in relation.columns.iter().filter(|c| c.default.is_some()) {
                    add(Object::Default(relation, column));
                }
                continue;
            }
            // Inherited columns too: a partition detached keeps them as its own.
            for column in &relation.columns {
                add(Object::Column(relation, column));
                if column.default.is_some() && column.generated.is_none() {
                    add(Object::Default(relation, column));
                }
            }
        }
        snapshot.constraints.iter().filter(|c| c.local).for_each(|c| add(Object::Constraint(c)));
        snapshot.indexes.iter().for_each(|i| add(Object::Index(i)));
        snapshot.functions.iter().for_each(|f| add(Object::Function(f)));
        snapshot.triggers.iter().for_each(|t| add(Object::Trigger(t)));
        snapshot.policies.iter().for_each(|p| add(Object::Policy(p)));

        let mut objects = Objects { map, needs: HashMap::default(), needed_by: HashMap::default() };
        for (dependent, referenced) in &snapshot.dependencies {
            // A sequence's ownership is its own object (SequenceOwner), set after the table.
            if dependent.0 == "sequence" && referenced.0 == "column" {
                continue;
            }
            let (dependent, referenced) = (objects.addressable(dependent), objects.addressable(referenced));
            objects.edge(dependent, referenced);
        }
        let containment: Vec<(Key, Key)> =
            objects.map.values().filter_map(|o| o.container().map(|c| (o.key(), c))).collect();
        for (object, container) in containment {
            objects.edge(object, container);
        }
        for sequence in snapshot.sequences.iter() {
            if let Some((schema, table, column)) = &sequence.owned_by {
                let owner = key("sequence_owner", &sequence.schema, &sequence.name, "");
                objects.edge(owner, key("column", schema, table, column));
            }
        }
        objects
    }

    /// `key`, or its relation's key for a column that is not an object of its own (a view's, an
    /// inherited one).
    fn addressable(&self, key: &Key) -> Key {
        if key.0 == "column" && !self.map.contains_key(key) {
            return relation_key(&key.1, &key.2);
        }
        key.clone()
    }

    fn edge(&mut self, dependent: Key, referenced: Key) {
        if dependent == referenced {
            return;
        }
        self.needs.entry(dependent).or_default().push(referenced);
    }

    /// Index the edges backwards too, for `dependents`.
    pub fn with_dependents(mut self) -> Self {
        for (dependent, needs) in &self.needs {
            for referenced in needs {
                self.needed_by.entry(referenced.clone()).or_default().push(dependent.clone());
            }
        }
        self
    }

    /// The column keys of `schema.table` that are objects, in name order.
    pub fn columns_of<'a>(&'a self, schema: &'a str, table: &'a str) -> impl Iterator<Item = &'a Key> + 'a {
        self.map
            .range(key("column", schema, table, "")..)
            .map(|(k, _)| k)
            .take_while(move |k| (k.0.as_str(), k.1.as_str(), k.2.as_str()) == ("column", schema, table))
    }

    pub fn get(&self, key: &Key) -> Option<&Object<'s>> {
        self.map.get(key)
    }

    pub fn dependents(&self, key: &Key) -> impl Iterator<Item = &Key> {
        self.needed_by.get(key).into_iter().flatten()
    }
}
