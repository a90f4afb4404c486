use crate::lint::{Level, Rule};
use serde_json::json;

pub const TABLE_NAME_NOT_SNAKE_CASE: Rule = Rule {
    name: "table_name_not_snake_case",
    category: "naming",
    level: Level::Warning,
    rationale: "Names outside lower snake_case must be double-quoted in every query that uses them.",
    remediation: "Rename the table: ALTER TABLE ... RENAME TO lower_snake_case_name.",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| !ctx.config.is_snake_case(&t.name)) {
            report.on_relation(
                table,
                None,
                format!("table {} is not snake_case", table.qualified()),
                json!({}),
            );
        }
    },
};

pub const COLUMN_NAME_NOT_SNAKE_CASE: Rule = Rule {
    name: "column_name_not_snake_case",
    category: "naming",
    level: Level::Warning,
    rationale: "Names outside lower snake_case must be double-quoted in every query that uses them.",
    remediation: "Rename the column: ALTER TABLE ... RENAME COLUMN ... TO lower_snake_case_name.",
    check: |ctx, report| {
        for table in ctx.tables() {
            for column in table.columns.iter().filter(|c| !ctx.config.is_snake_case(&c.name)) {
                report.on_relation(
                    table,
                    Some(&column.name),
                    format!("column {}.{} is not snake_case", table.qualified(), column.name),
                    json!({"column": column.name}),
                );
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
    fn reserved_words_are_found() {
        let catalog = catalog(json!({"reserved_words": ["order", "user"], "relations": [
            table("user", &[("id", "int8", "bigint", true), ("order", "int4", "integer", false)]),
            table("customer", &[("orders", "int4", "integer", false)]),
        ]}));
        assert_eq!(findings_of("reserved_word_name", &catalog), ["app.user", "app.user.order"]);
    }
}
