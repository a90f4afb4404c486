//! Design: how tables, keys and schemas fit together (what makes a schema hard to change,
//! deploy or own).

use super::integrity::surrogate_key_name;
use crate::catalog::Relation;
use crate::lint::{Context, Level, Rule};
use serde_json::json;
use std::collections::BTreeMap;

pub const PRIMARY_KEY_TOO_WIDE: Rule = Rule {
    name: "primary_key_too_wide",
    category: "design",
    level: Level::Info,
    rationale: "Every foreign key to a table repeats its whole primary key: a key of many columns widens each referencing table and its indexes, slows joins, and makes a change to any of the columns a cascade of updates. A surrogate key with the natural key kept UNIQUE costs one column.",
    remediation: "Add a surrogate identity key and keep the natural key as a UNIQUE constraint (repoint referencing foreign keys first: the old key cannot be dropped while they use it).",
    check: |ctx, report| {
        let limit = ctx.config.tables.primary_key_max_columns;
        // A partition carries its parent's key: reported once, on the parent.
        for table in ctx.tables().filter(|t| t.partition_of.is_none()) {
            let Some(key) = table.primary_key().filter(|k| k.column_nums().len() > limit) else { continue };
            let columns = table.column_names(key.column_nums());
            report.on_relation(
                table,
                None,
                format!(
                    "primary key {} of {} has {} columns ({})",
                    key.name,
                    table.qualified(),
                    columns.len(),
                    columns.join(", ")
                ),
                json!({"constraint": key.name, "columns": columns, "limit": limit}),
            );
            // A partitioned table's key must contain the partition key: no one-size remedy.
            if table.kind == "r" {
                let name = ctx.catalog.sql_name(&table.schema, &table.name);
                let quoted: Vec<String> = columns.iter().map(|c| ctx.catalog.ident(c)).collect();
                report.remedy(format!(
                    "ALTER TABLE {name} ADD CONSTRAINT {} UNIQUE ({});\n\
                     ALTER TABLE {name} DROP CONSTRAINT {}, ADD COLUMN {} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
                    ctx.catalog.ident(&format!("{}_natural_key", table.name)),
                    quoted.join(", "),
                    ctx.catalog.ident(&key.name),
                    ctx.catalog.ident(&surrogate_key_name(table)),
                ));
            }
        }
    },
};

pub const FOREIGN_KEY_ACROSS_SCHEMAS: Rule = Rule {
    name: "foreign_key_across_schemas",
    category: "design",
    level: Level::Info,
    rationale: "A foreign key to another schema ties the two together: `pg_dump -n` of one restores with an error, `DROP SCHEMA ... CASCADE` of the other silently drops the key, and neither can be moved, versioned or owned on its own. Right when the schemas are one application; worth knowing when they are meant to be separate.",
    remediation: "Move the referencing table into the referenced table's schema (ALTER TABLE ... SET SCHEMA), or waive the finding where the schemas are deployed together.",
    check: |ctx, report| {
        for table in ctx.tables() {
            let across = table.constraints.iter().filter(|c| {
                c.kind == "f" && c.ref_schema.as_deref().is_some_and(|schema| schema != table.schema)
            });
            for key in across {
                let (Some(ref_schema), Some(ref_table)) = (&key.ref_schema, &key.ref_table) else { continue };
                // A partition's key cloned from its parent's is reported once, on the parent.
                if inherited_reference(ctx, table, ref_schema, ref_table) {
                    continue;
                }
                report.on_relation(
                    table,
                    Some(&key.name),
                    format!(
                        "foreign key {} of {} references {ref_schema}.{ref_table}, in another schema",
                        key.name,
                        table.qualified()
                    ),
                    json!({"constraint": key.name, "referenced_schema": ref_schema, "referenced_table": ref_table}),
                );
                report.remedy(format!(
                    "ALTER TABLE {} SET SCHEMA {};",
                    ctx.catalog.sql_name(&table.schema, &table.name),
                    ctx.catalog.ident(ref_schema)
                ));
            }
        }
    },
};

/// Whether `table` is a partition whose parent has a foreign key to the same table.
fn inherited_reference(ctx: &Context, table: &Relation, ref_schema: &str, ref_table: &str) -> bool {
    let Some((schema, name)) = &table.partition_of else { return false };
    ctx.catalog.relation(schema, name).is_some_and(|parent| {
        parent.constraints.iter().any(|c| {
            c.kind == "f"
                && c.ref_schema.as_deref() == Some(ref_schema)
                && c.ref_table.as_deref() == Some(ref_table)
        })
    })
}

/// The relations of each schema, those the configuration excludes aside.
fn relations_by_schema<'c>(ctx: &Context<'c>) -> BTreeMap<&'c str, Vec<&'c Relation>> {
    let mut by_schema: BTreeMap<&str, Vec<&Relation>> = BTreeMap::new();
    for relation in ctx.catalog.relations.iter().filter(|r| !ctx.config.excludes(&r.schema, &r.name)) {
        by_schema.entry(&relation.schema).or_default().push(relation);
    }
    by_schema
}

/// Who owns a schema's relations.
struct Owners<'c> {
    /// How many relations each role owns.
    counts: BTreeMap<&'c str, usize>,
    /// The role owning most; among equals the schema's owner, else the first by name.
    main: &'c str,
    schema_owner: Option<&'c str>,
}

fn owners<'c>(ctx: &Context<'c>, schema: &str, relations: &[&'c Relation]) -> Owners<'c> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for relation in relations {
        *counts.entry(relation.owner.as_str()).or_default() += 1;
    }
    let schema_owner = ctx.catalog.schemas.iter().find(|s| s.name == schema).map(|s| s.owner.as_str());
    let main = counts
        .iter()
        .max_by_key(|(owner, count)| (**count, Some(**owner) == schema_owner, std::cmp::Reverse(**owner)))
        .map(|(owner, _)| *owner)
        .unwrap_or_default();
    Owners { counts, main, schema_owner }
}

pub const MIXED_OWNERS_IN_SCHEMA: Rule = Rule {
    name: "mixed_owners_in_schema",
    category: "design",
    level: Level::Info,
    rationale: "Only a relation's owner (or a member of its role) may ALTER, DROP or GRANT it: when one schema's tables and views belong to several roles, a migration run as one of them fails half way on the others' objects, and who may change what is no longer visible from the schema. One owning role per schema, granted to the people and tools that deploy it.",
    remediation: "Give the odd relations to the role that owns the rest (ALTER ... OWNER TO); the owning role can be granted to whoever deploys.",
    check: |ctx, report| {
        for (schema, relations) in relations_by_schema(ctx) {
            let Owners { counts, main: main_owner, schema_owner } = owners(ctx, schema, &relations);
            if counts.len() < 2 {
                continue;
            }
            let odd: Vec<&&Relation> = relations.iter().filter(|r| r.owner != main_owner).collect();
            let odd_names: Vec<String> = odd.iter().map(|r| r.qualified()).collect();
            let others: Vec<String> = counts
                .iter()
                .filter(|(owner, _)| **owner != main_owner)
                .map(|(owner, count)| format!("{owner} ({count})"))
                .collect();
            report.on_schema(
                schema,
                None,
                format!(
                    "schema {schema} has relations owned by {} roles: {main_owner} owns {}, also {}",
                    counts.len(),
                    counts[main_owner],
                    others.join(", ")
                ),
                json!({"owners": counts, "main_owner": main_owner, "schema_owner": schema_owner,
                       "other_owners_relations": odd_names}),
            );
            let fixes: Vec<String> = odd
                .iter()
                .map(|r| {
                    format!(
                        "ALTER {} {} OWNER TO {};",
                        r.sql_kind(),
                        ctx.catalog.sql_name(&r.schema, &r.name),
                        ctx.catalog.ident(main_owner)
                    )
                })
                .collect();
            report.remedy(fixes.join("\n"));
        }
    },
};

pub const DEFAULT_PRIVILEGES_MISSING: Rule = Rule {
    name: "default_privileges_missing",
    category: "design",
    level: Level::Info,
    rationale: "When a role may read every table and view of a schema, it is meant to read the next one too; without ALTER DEFAULT PRIVILEGES the next migration's table is created without that grant, and the application fails with \"permission denied\" until someone reruns the GRANT.",
    remediation: "ALTER DEFAULT PRIVILEGES FOR ROLE creator IN SCHEMA s GRANT SELECT ON TABLES TO role; (the role that creates the tables: the schema's main owner).",
    check: |ctx, report| {
        for (schema, relations) in relations_by_schema(ctx) {
            // Partitions are read through their parent and are granted nothing themselves.
            let relations: Vec<&Relation> = relations.into_iter().filter(|r| r.partition_of.is_none()).collect();
            if relations.len() < 2 {
                continue;
            }
            let creator = owners(ctx, schema, &relations).main;
            // PUBLIC aside: what every role reads is exposure (other rules), and granting it the
            // next table by default is not advice to give.
            let readers_of_all = relations[0].readers.iter().filter(|role| {
                *role != creator && *role != "public" && relations.iter().all(|r| r.readers.contains(role))
            });
            for role in readers_of_all {
                let granted_by_default = ctx.catalog.default_privileges.iter().any(|d| {
                    d.creator == creator
                        && d.grantee == *role
                        && d.privilege == "SELECT"
                        && d.schema.as_deref().is_none_or(|s| s == schema)
                });
                if granted_by_default {
                    continue;
                }
                report.on_schema(
                    schema,
                    Some(role),
                    format!(
                        "role {role} may SELECT all {} relations of schema {schema}, but no default privilege grants it on those {creator} creates next",
                        relations.len()
                    ),
                    json!({"role": role, "relations": relations.len(), "creator": creator}),
                );
                let grantee = if role == "public" { "PUBLIC".to_string() } else { ctx.catalog.ident(role) };
                report.remedy(format!(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES TO {grantee};",
                    ctx.catalog.ident(creator),
                    ctx.catalog.ident(schema)
                ));
            }
        }
    },
};

pub const TABLE_INHERITANCE: Rule = Rule {
    name: "table_inheritance",
    category: "design",
    level: Level::Info,
    rationale: "Table inheritance (INHERITS) predates declarative partitioning: primary keys, unique constraints and foreign keys do not span a parent and its children (a key on the parent lets a child hold the same value; nothing can reference the family as a whole), and every query on the parent reads the children too.",
    remediation: "Declarative partitioning (PARTITION BY / PARTITION OF) when the children split the parent's rows; otherwise separate tables, sharing columns through a type or by convention. The SQL detaches the child (queries on the parent stop reading its rows).",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| !t.inherits_from.is_empty()) {
            let parents: Vec<String> = table.inherits_from.iter().map(|(s, n)| format!("{s}.{n}")).collect();
            report.on_relation(
                table,
                None,
                format!("table {} inherits from {}", table.qualified(), parents.join(", ")),
                json!({"parents": parents}),
            );
            let name = ctx.catalog.sql_name(&table.schema, &table.name);
            let detach: Vec<String> = table
                .inherits_from
                .iter()
                .map(|(s, n)| format!("ALTER TABLE {name} NO INHERIT {};", ctx.catalog.sql_name(s, n)))
                .collect();
            report.remedy(detach.join("\n"));
        }
    },
};

pub const RULE_INSTEAD_OF_TRIGGER: Rule = Rule {
    name: "rule_instead_of_trigger",
    category: "design",
    level: Level::Warning,
    rationale: "A rule rewrites the query, not the rows it touches: its action is a second query that evaluates NEW's expressions again (a default calling nextval() gives the logged row another value than the inserted one), COPY ignores rules, and RETURNING and ON CONFLICT do not combine with them. A trigger (an INSTEAD OF trigger on a view) does what most rules mean to do, row by row.",
    remediation: "Move what the rule does into a trigger (INSTEAD OF on a view, BEFORE/AFTER on a table), then drop the rule.",
    check: |ctx, report| {
        for relation in ctx.catalog.relations.iter().filter(|r| !ctx.config.excludes(&r.schema, &r.name)) {
            for (name, event) in &relation.rules {
                report.on_relation(
                    relation,
                    Some(name),
                    format!("rule {name} rewrites {event} on {}", relation.qualified()),
                    json!({"rule": name, "event": event}),
                );
                report.remedy(format!(
                    "DROP RULE {} ON {};",
                    ctx.catalog.ident(name),
                    ctx.catalog.sql_name(&relation.schema, &relation.name)
                ));
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::*;
    use serde_json::json;

    fn keyed(name: &str, key: &[i16]) -> serde_json::Value {
        let columns: Vec<(String, &str, &str, bool)> =
            (1..=6).map(|i| (format!("c{i}"), "int8", "bigint", true)).collect();
        let columns: Vec<(&str, &str, &str, bool)> =
            columns.iter().map(|(n, t, f, nn)| (n.as_str(), *t, *f, *nn)).collect();
        let mut t = table(name, &columns);
        t["constraints"] = json!([{"name": format!("{name}_pkey"), "kind": "p", "columns": key}]);
        t
    }

    #[test]
    fn primary_keys_wider_than_the_limit() {
        let mut partition = keyed("wide_2024", &[1, 2, 3, 4, 5]);
        partition["partition_of"] = json!(["app", "wide_parted"]);
        let mut parted = keyed("wide_parted", &[1, 2, 3, 4, 5]);
        parted["kind"] = json!("p");
        let catalog = catalog(json!({"relations": [
            keyed("four", &[1, 2, 3, 4]), keyed("five", &[1, 2, 3, 4, 5]), parted, partition]}));
        assert_eq!(findings_of("primary_key_too_wide", &catalog), ["app.five", "app.wide_parted"]);
        assert_eq!(
            findings_with(
                "primary_key_too_wide",
                &catalog,
                json!({"tables": {"primary_key_max_columns": 3}})
            ),
            ["app.five", "app.four", "app.wide_parted"]
        );
        let finding = all_findings(&catalog)
            .into_iter()
            .find(|f| f.cache_key == "primary_key_too_wide:app.five")
            .unwrap();
        assert_eq!(
            finding.remediation,
            "ALTER TABLE app.five ADD CONSTRAINT five_natural_key UNIQUE (c1, c2, c3, c4, c5);\n\
             ALTER TABLE app.five DROP CONSTRAINT five_pkey, ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
        );
        assert_eq!(finding.metadata["columns"], json!(["c1", "c2", "c3", "c4", "c5"]));
    }

    #[test]
    fn rules_written_with_create_rule() {
        let mut logged = table("orders", &[("id", "int8", "bigint", true)]);
        logged["rules"] = json!([["orders_log", "INSERT"]]);
        let mut view = table("open_orders", &[("id", "int8", "bigint", true)]);
        view["kind"] = json!("v");
        view["rules"] = json!([["open_orders_delete", "DELETE"]]);
        let plain = table("items", &[("id", "int8", "bigint", true)]);
        let catalog = catalog(json!({"relations": [logged, view, plain]}));
        assert_eq!(
            findings_of("rule_instead_of_trigger", &catalog),
            ["app.open_orders.open_orders_delete", "app.orders.orders_log"]
        );
        let finding = all_findings(&catalog)
            .into_iter()
            .find(|f| f.cache_key == "rule_instead_of_trigger:app.orders.orders_log")
            .unwrap();
        assert_eq!(finding.remediation, "DROP RULE orders_log ON app.orders;");
        assert_eq!(finding.metadata["event"], "INSERT");
    }

    #[test]
    fn tables_made_with_inherits() {
        let mut child = table("event_2024", &[("id", "int8", "bigint", true)]);
        child["inherits_from"] = json!([["app", "event"], ["audit", "stamped"]]);
        let mut partition = table("log_2024", &[("id", "int8", "bigint", true)]);
        partition["partition_of"] = json!(["app", "log"]);
        let catalog = catalog(json!({"relations": [child, partition, table("event", &[])]}));
        assert_eq!(findings_of("table_inheritance", &catalog), ["app.event_2024"]);
        let finding = all_findings(&catalog)
            .into_iter()
            .find(|f| f.cache_key == "table_inheritance:app.event_2024")
            .unwrap();
        assert_eq!(
            finding.remediation,
            "ALTER TABLE app.event_2024 NO INHERIT app.event;\nALTER TABLE app.event_2024 NO INHERIT audit.stamped;"
        );
        assert_eq!(finding.metadata["parents"], json!(["app.event", "audit.stamped"]));
    }

    fn referencing(name: &str, schema: &str, ref_schema: &str) -> serde_json::Value {
        let mut t = table(name, &[("ref_id", "int8", "bigint", true)]);
        t["schema"] = json!(schema);
        t["constraints"] = json!([{"name": format!("{name}_ref_fk"), "kind": "f", "columns": [1],
                                   "ref_schema": ref_schema, "ref_table": "target", "ref_columns": [1]}]);
        t
    }

    #[test]
    fn foreign_keys_to_other_schemas() {
        let mut partition = referencing("orders_2024", "sales", "crm");
        partition["partition_of"] = json!(["sales", "orders"]);
        let catalog = catalog(json!({"relations": [
            referencing("orders", "sales", "crm"), partition, referencing("lines", "sales", "sales")]}));
        assert_eq!(findings_of("foreign_key_across_schemas", &catalog), ["sales.orders.orders_ref_fk"]);
        let finding =
            all_findings(&catalog).into_iter().find(|f| f.rule == "foreign_key_across_schemas").unwrap();
        assert_eq!(finding.remediation, "ALTER TABLE sales.orders SET SCHEMA crm;");
        assert_eq!(finding.metadata["referenced_schema"], "crm");
    }

    fn owned(name: &str, owner: &str, kind: &str) -> serde_json::Value {
        let mut t = table(name, &[]);
        t["owner"] = json!(owner);
        t["kind"] = json!(kind);
        t
    }

    #[test]
    fn one_schema_several_owners() {
        let mixed = catalog(json!({
            "schemas": [{"name": "app", "owner": "deployer"}],
            "relations": [owned("a", "app_owner", "r"), owned("b", "app_owner", "r"),
                          owned("c", "postgres", "v"), owned("d", "deployer", "m")]}));
        assert_eq!(findings_of("mixed_owners_in_schema", &mixed), ["app"]);
        let finding = all_findings(&mixed).into_iter().find(|f| f.rule == "mixed_owners_in_schema").unwrap();
        assert_eq!(
            finding.message,
            "schema app has relations owned by 3 roles: app_owner owns 2, also deployer (1), postgres (1)"
        );
        assert_eq!(
            finding.remediation,
            "ALTER VIEW app.c OWNER TO app_owner;\nALTER MATERIALIZED VIEW app.d OWNER TO app_owner;"
        );
        // Equal counts: the schema's owner is the one to keep.
        let tie = catalog(json!({
            "schemas": [{"name": "app", "owner": "zed"}],
            "relations": [owned("a", "amy", "r"), owned("b", "zed", "r")]}));
        let finding = all_findings(&tie).into_iter().find(|f| f.rule == "mixed_owners_in_schema").unwrap();
        assert_eq!(finding.remediation, "ALTER TABLE app.a OWNER TO zed;");
        let single = catalog(json!({"relations": [owned("a", "amy", "r"), owned("b", "amy", "v")]}));
        assert!(findings_of("mixed_owners_in_schema", &single).is_empty());
    }

    #[test]
    fn roles_reading_a_whole_schema_without_default_privileges() {
        let read_by = |name: &str, readers: &[&str]| {
            let mut t = owned(name, "app_owner", "r");
            t["readers"] = json!(readers);
            t
        };
        let relations =
            json!([read_by("a", &["reader", "public"]), read_by("b", &["reader", "auditor", "public"])]);
        let with_defaults = |defaults: serde_json::Value| {
            catalog(json!({"relations": relations.clone(), "default_privileges": defaults}))
        };
        let none = with_defaults(json!([]));
        // PUBLIC reads both too: not advised to be granted the next table by default.
        assert_eq!(findings_of("default_privileges_missing", &none), ["app.reader"]);
        let finding =
            all_findings(&none).into_iter().find(|f| f.rule == "default_privileges_missing").unwrap();
        assert_eq!(
            finding.remediation,
            "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA app GRANT SELECT ON TABLES TO reader;"
        );
        let grant = |creator: &str, schema: Option<&str>, privilege: &str| json!([{"creator": creator, "schema": schema, "grantee": "reader", "privilege": privilege}]);
        assert!(findings_of(
            "default_privileges_missing",
            &with_defaults(grant("app_owner", Some("app"), "SELECT"))
        )
        .is_empty());
        assert!(findings_of(
            "default_privileges_missing",
            &with_defaults(grant("app_owner", None, "SELECT"))
        )
        .is_empty());
        assert_eq!(
            findings_of("default_privileges_missing", &with_defaults(grant("postgres", None, "SELECT"))),
            ["app.reader"]
        );
        assert_eq!(
            findings_of(
                "default_privileges_missing",
                &with_defaults(grant("app_owner", Some("other"), "SELECT"))
            ),
            ["app.reader"]
        );
        assert_eq!(
            findings_of("default_privileges_missing", &with_defaults(grant("app_owner", None, "INSERT"))),
            ["app.reader"]
        );
        // One relation is no pattern.
        let lone = catalog(json!({"relations": [read_by("a", &["reader"])]}));
        assert!(findings_of("default_privileges_missing", &lone).is_empty());
    }
}
