use crate::lint::{Level, Rule, Site};
use serde_json::json;

/// A lower snake_case spelling of `name`: `OrderItems` -> `order_items`, `API-Key` -> `api_key`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
            out.push('_');
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
        previous = Some(c);
    }
    let trimmed = out.trim_matches('_');
    match trimmed.chars().next() {
        None => "renamed".into(),
        Some(first) if first.is_ascii_digit() => format!("n_{trimmed}"),
        Some(_) => trimmed.to_string(),
    }
}

pub const TABLE_NAME_NOT_SNAKE_CASE: Rule = Rule {
    name: "table_name_not_snake_case",
    category: "naming",
    level: Level::Warning,
    rationale: "Names outside lower snake_case must be double-quoted in every query that uses them.",
    remediation: "Rename the table to a lower snake_case name (and the queries that use it).",
    check: |ctx, report| {
        for table in ctx.stored().filter(|t| !ctx.config.is_snake_case(&t.name)) {
            report.on_relation(
                table,
                None,
                format!("{} {} is not snake_case", table.noun(), table.qualified()),
                json!({}),
            );
            report.remedy(format!(
                "ALTER {} {} RENAME TO {};",
                table.sql_kind(),
                ctx.catalog.sql_name(&table.schema, &table.name),
                ctx.catalog.ident(&snake_case(&table.name))
            ));
        }
    },
};

pub const COLUMN_NAME_NOT_SNAKE_CASE: Rule = Rule {
    name: "column_name_not_snake_case",
    category: "naming",
    level: Level::Warning,
    rationale: "Names outside lower snake_case must be double-quoted in every query that uses them.",
    remediation: "Rename the column to a lower snake_case name (and the queries that use it).",
    check: |ctx, report| {
        for table in ctx.stored() {
            for column in table.columns.iter().filter(|c| !ctx.config.is_snake_case(&c.name)) {
                report.on_relation(
                    table,
                    Some(&column.name),
                    format!("column {}.{} is not snake_case", table.qualified(), column.name),
                    json!({"column": column.name}),
                );
                report.remedy(format!(
                    "ALTER {} {} RENAME COLUMN {} TO {};",
                    table.sql_kind(),
                    ctx.catalog.sql_name(&table.schema, &table.name),
                    ctx.catalog.ident(&column.name),
                    ctx.catalog.ident(&snake_case(&column.name))
                ));
            }
        }
    },
};

pub const OBJECT_NAME_NOT_SNAKE_CASE: Rule = Rule {
    name: "object_name_not_snake_case",
    category: "naming",
    level: Level::Warning,
    rationale: "Names outside lower snake_case must be double-quoted in every statement that uses them: views, indexes, constraints, functions, triggers, types and schemas as much as tables and columns.",
    remediation: "Rename the object to a lower snake_case name (and what refers to it by name).",
    check: |ctx, report| {
        let catalog = ctx.catalog;
        let plain = |name: &str| ctx.config.is_snake_case(name);
        for schema in catalog.schemas.iter().filter(|s| !ctx.schema_excluded(&s.name) && !plain(&s.name)) {
            report.on_schema(&schema.name, None, format!("schema {} is not snake_case", schema.name), json!({}));
            report.remedy(format!(
                "ALTER SCHEMA {} RENAME TO {};",
                catalog.ident(&schema.name),
                catalog.ident(&snake_case(&schema.name))
            ));
        }
        // Views and foreign tables (tables and materialized views have their own rule).
        for relation in catalog.relations.iter().filter(|r| {
            matches!(r.kind.as_str(), "v" | "f") && !ctx.config.excludes(&r.schema, &r.name) && !plain(&r.name)
        }) {
            report.on_relation(relation, None, format!("{} {} is not snake_case", relation.noun(), relation.qualified()), json!({}));
            report.remedy(format!(
                "ALTER {} {} RENAME TO {};",
                relation.sql_kind(),
                catalog.sql_name(&relation.schema, &relation.name),
                catalog.ident(&snake_case(&relation.name))
            ));
        }
        // Indexes and constraints of tables whose own name is fine: those of a table that is not
        // were named after it, and are reported once it is renamed. A constraint's index is
        // renamed with its constraint; a partition's attached index follows its parent's.
        for table in ctx.stored().filter(|t| plain(&t.name)) {
            for constraint in table.constraints.iter().filter(|c| !plain(&c.name)) {
                report.on_relation(
                    table,
                    Some(&constraint.name),
                    format!("constraint {} on {} is not snake_case", constraint.name, table.qualified()),
                    json!({"constraint": constraint.name}),
                );
                report.remedy(format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                    catalog.sql_name(&table.schema, &table.name),
                    catalog.ident(&constraint.name),
                    catalog.ident(&snake_case(&constraint.name))
                ));
            }
            for index in table.indexes.iter().filter(|i| !i.constraint && !i.attached && !plain(&i.name)) {
                report.on_relation(
                    table,
                    Some(&index.name),
                    format!("index {} on {} is not snake_case", index.name, table.qualified()),
                    json!({"index": index.name}),
                );
                report.remedy(format!(
                    "ALTER INDEX {} RENAME TO {};",
                    catalog.sql_name(&table.schema, &index.name),
                    catalog.ident(&snake_case(&index.name))
                ));
            }
        }
        for object in catalog.named_objects.iter().filter(|o| !ctx.schema_excluded(&o.schema) && !plain(&o.name)) {
            let renamed = catalog.ident(&snake_case(&object.name));
            match object.table.as_deref() {
                Some(table) if !ctx.config.excludes(&object.schema, table) => {
                    report.add(
                        Site { schema: Some(&object.schema), object: table, object_type: "table", detail: Some(&object.name) },
                        format!("trigger {} on {}.{table} is not snake_case", object.name, object.schema),
                        json!({"trigger": object.name}),
                    );
                    report.remedy(format!(
                        "ALTER TRIGGER {} ON {} RENAME TO {renamed};",
                        catalog.ident(&object.name),
                        catalog.sql_name(&object.schema, table)
                    ));
                }
                Some(_) => {}
                None => {
                    let object_type = if object.kind == "domain" { "domain" } else { "type" };
                    report.add(
                        Site { schema: Some(&object.schema), object: &object.name, object_type, detail: None },
                        format!("{object_type} {}.{} is not snake_case", object.schema, object.name),
                        json!({}),
                    );
                    report.remedy(format!(
                        "ALTER {} {} RENAME TO {renamed};",
                        object_type.to_uppercase(),
                        catalog.sql_name(&object.schema, &object.name)
                    ));
                }
            }
        }
        for function in catalog.functions.iter().filter(|f| !ctx.schema_excluded(&f.schema)) {
            let name = function.signature.split('(').next().unwrap_or_default();
            if plain(name) {
                continue;
            }
            report.on_function(function, format!("function {}.{} is not snake_case", function.schema, function.signature), json!({}));
            report.remedy(format!("ALTER ROUTINE {} RENAME TO {};", function.sql_name, catalog.ident(&snake_case(name))));
        }
    },
};

pub const SCHEMA_NAMED_AFTER_ENVIRONMENT: Rule = Rule {
    name: "schema_named_after_environment",
    category: "naming",
    level: Level::Info,
    rationale: "A schema named after its environment (prod_sales, sales_staging) must be renamed, with every reference to it, whenever one environment is refreshed from another: the environment belongs in the database's or the server's name, not in the schema's.",
    remediation: "Rename the schema without the environment (and the code and search_path settings that name it); keep the environment in the database name.",
    check: |ctx, report| {
        let words = &ctx.config.naming.environment_words;
        let is_environment = |part: &str| words.iter().any(|w| w.eq_ignore_ascii_case(part));
        for schema in ctx.catalog.schemas.iter().filter(|s| !ctx.schema_excluded(&s.name)) {
            let parts: Vec<&str> = schema.name.split('_').filter(|p| !p.is_empty()).collect();
            let Some(environment) = parts.iter().find(|p| is_environment(p)) else { continue };
            report.on_schema(
                &schema.name,
                None,
                format!("schema {} is named after an environment ({environment})", schema.name),
                json!({"environment": environment}),
            );
            let rest: Vec<&str> = parts.iter().copied().filter(|p| !is_environment(p)).collect();
            if !rest.is_empty() {
                report.remedy(format!(
                    "ALTER SCHEMA {} RENAME TO {};",
                    ctx.catalog.ident(&schema.name),
                    ctx.catalog.ident(&rest.join("_"))
                ));
            }
        }
    },
};

pub const RESERVED_WORD_NAME: Rule = Rule {
    name: "reserved_word_name",
    category: "naming",
    level: Level::Warning,
    rationale:
        "A table or column named after an SQL reserved word (user, order, table...) must always be quoted.",
    remediation: "Rename it (for example order -> order_no, user -> app_user).",
    check: |ctx, report| {
        let reserved = |name: &str| ctx.catalog.reserved_words.iter().any(|w| w == name);
        for table in ctx.tables() {
            if reserved(&table.name) {
                report.on_relation(
                    table,
                    None,
                    format!("table {} is named after a reserved word", table.qualified()),
                    json!({}),
                );
            }
            for column in table.columns.iter().filter(|c| reserved(&c.name)) {
                report.on_relation(
                    table,
                    Some(&column.name),
                    format!("column {}.{} is named after a reserved word", table.qualified(), column.name),
                    json!({"column": column.name}),
                );
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::*;
    use serde_json::json;

    #[test]
    fn camel_case_tables_and_columns_are_found() {
        let catalog = catalog(json!({"relations": [
            table("Customer", &[("id", "int8", "bigint", true)]),
            table("order_line", &[("id", "int8", "bigint", true), ("CreatedBy", "text", "text", false)]),
        ]}));
        assert_eq!(findings_of("table_name_not_snake_case", &catalog), ["app.Customer"]);
        assert_eq!(findings_of("column_name_not_snake_case", &catalog), ["app.order_line.CreatedBy"]);
    }

    #[test]
    fn views_indexes_constraints_functions_and_schemas_are_named_too() {
        let mut orders = table("orders", &[("id", "int8", "bigint", true)]);
        orders["constraints"] = json!([{"name": "orders_pkey", "kind": "p", "columns": [1]},
                                       {"name": "Orders_Positive", "kind": "c", "columns": [1]}]);
        orders["indexes"] = json!([
            {"name": "orders_pkey", "columns": [1], "key_columns": 1, "method": "btree", "shape": "a", "unique": true, "constraint": true},
            {"name": "IX_Orders_Id", "columns": [1], "key_columns": 1, "method": "btree", "shape": "b"},
            {"name": "orders_id_idx", "columns": [1], "key_columns": 1, "method": "btree", "shape": "c"}]);
        // A table already reported by its own rule: its generated names are not reported again.
        let mut camel = table("Customer", &[("id", "int8", "bigint", true)]);
        camel["indexes"] = json!([{"name": "Customer_id_idx", "columns": [1], "key_columns": 1, "method": "btree", "shape": "d"}]);
        let mut view = table("ActiveOrders", &[("id", "int8", "bigint", true)]);
        view["kind"] = json!("v");
        let catalog = catalog(json!({
            "relations": [orders, camel, view, table("fine", &[])],
            "schemas": [{"name": "app"}, {"name": "Reporting"}],
            "named_objects": [
                {"kind": "domain", "schema": "app", "name": "PositiveInt", "table": null},
                {"kind": "type", "schema": "app", "name": "order_status", "table": null},
                {"kind": "trigger", "schema": "app", "name": "SetUpdatedAt", "table": "orders"}],
            "functions": [
                {"schema": "app", "signature": "GetOrder(bigint)", "sql_name": "app.\"GetOrder\"(bigint)", "language": "sql"},
                {"schema": "app", "signature": "get_order(bigint)", "sql_name": "app.get_order(bigint)", "language": "sql"}]}));
        let mut found = findings_of("object_name_not_snake_case", &catalog);
        found.sort();
        assert_eq!(
            found,
            [
                "Reporting",
                "app.ActiveOrders",
                "app.GetOrder(bigint)",
                "app.PositiveInt",
                "app.orders.IX_Orders_Id",
                "app.orders.Orders_Positive",
                "app.orders.SetUpdatedAt"
            ]
        );
        let remedies: Vec<String> = all_findings(&catalog)
            .into_iter()
            .filter(|f| f.rule == "object_name_not_snake_case")
            .map(|f| f.remediation)
            .collect();
        for expected in [
            "ALTER SCHEMA \"Reporting\" RENAME TO reporting;",
            "ALTER DOMAIN app.\"PositiveInt\" RENAME TO positive_int;",
            "ALTER TRIGGER \"SetUpdatedAt\" ON app.orders RENAME TO set_updated_at;",
            "ALTER VIEW app.\"ActiveOrders\" RENAME TO active_orders;",
            "ALTER ROUTINE app.\"GetOrder\"(bigint) RENAME TO get_order;",
            "ALTER INDEX app.\"IX_Orders_Id\" RENAME TO ix_orders_id;",
            "ALTER TABLE app.orders RENAME CONSTRAINT \"Orders_Positive\" TO orders_positive;",
        ] {
            assert!(remedies.iter().any(|r| r == expected), "{expected} not in {remedies:?}");
        }
    }

    #[test]
    fn schemas_named_after_an_environment() {
        let catalog = catalog(
            json!({"schemas": [{"name": "prod_sales"}, {"name": "sales_Staging"}, {"name": "dev"},
                                                 {"name": "product"}, {"name": "devices"}, {"name": "sales"}]}),
        );
        let mut found = findings_of("schema_named_after_environment", &catalog);
        found.sort();
        assert_eq!(found, ["dev", "prod_sales", "sales_Staging"]);
        let remedies: Vec<(String, String)> = all_findings(&catalog)
            .into_iter()
            .filter(|f| f.rule == "schema_named_after_environment")
            .map(|f| (f.object_name, f.remediation))
            .collect();
        assert!(remedies.contains(&("prod_sales".into(), "ALTER SCHEMA prod_sales RENAME TO sales;".into())));
        assert!(remedies
            .contains(&("sales_Staging".into(), "ALTER SCHEMA \"sales_Staging\" RENAME TO sales;".into())));
        // Nothing left to name it after: the rule's own advice.
        assert!(remedies.iter().any(|(name, fix)| name == "dev" && fix.starts_with("Rename the schema")));
        let custom = findings_with(
            "schema_named_after_environment",
            &catalog,
            json!({"naming": {"environment_words": ["sales"]}}),
        );
        assert_eq!(custom.len(), 3);
    }

    #[test]
    fn the_pattern_is_configurable() {
        let catalog = catalog(json!({"relations": [table("Customer", &[("id", "int8", "bigint", true)])]}));
        let none = findings_with(
            "table_name_not_snake_case",
            &catalog,
            json!({"naming": {"pattern": "^[A-Za-z_]+$"}}),
        );
        assert!(none.is_empty());
    }

    #[test]
    fn snake_case_spellings() {
        assert_eq!(super::snake_case("OrderItems"), "order_items");
        assert_eq!(super::snake_case("API-Key"), "api_key");
        assert_eq!(super::snake_case("userID"), "user_id");
        assert_eq!(super::snake_case("2fa Codes"), "n_2fa_codes");
    }

    #[test]
    fn reserved_words_are_found() {
        let catalog = catalog(json!({"reserved_words": ["order", "user"], "relations": [
            table("user", &[("id", "int8", "bigint", true), ("order", "int4", "integer", false)]),
            table("customer", &[("orders", "int4", "integer", false)]),
        ]}));
        assert_eq!(findings_of("reserved_word_name", &catalog), ["app.user", "app.user.order"]);
    }
}
