use crate::lint::{Level, Rule};
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
