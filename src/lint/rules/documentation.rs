use crate::lint::{Context, Level, Report, Rule};
use serde_json::json;

pub const TABLE_WITHOUT_COMMENT: Rule = Rule {
    name: "table_without_comment",
    category: "documentation",
    level: Level::Info,
    rationale: "A COMMENT travels with the table (psql \\d+, pg_dump, every schema browser): the cheapest documentation there is.",
    remediation: "Comment the table: what one row of it is.",
    check: |ctx: &Context, report: &mut Report| {
        let blank = |c: &Option<String>| c.as_deref().is_none_or(|c| c.trim().is_empty());
        for table in ctx.stored().filter(|t| blank(&t.comment)) {
            report.on_relation(table, None, format!("{} {} has no comment", table.noun(), table.qualified()), json!({}));
            report.remedy(format!(
                "COMMENT ON {} {} IS '<what one row of {} is>';",
                table.sql_kind(),
                ctx.catalog.sql_name(&table.schema, &table.name),
                table.name.replace('\'', "''")
            ));
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::*;
    use serde_json::json;

    #[test]
    fn tables_without_a_comment_are_found() {
        let mut bare = table("bare", &[("id", "int8", "bigint", true)]);
        bare["comment"] = json!(null);
        let mut blank = table("blank", &[("id", "int8", "bigint", true)]);
        blank["comment"] = json!("  ");
        let documented = table("documented", &[("id", "int8", "bigint", true)]);
        let mut summary = table("summary", &[("id", "int8", "bigint", true)]);
        summary["kind"] = json!("m");
        summary["comment"] = json!(null);
        let mut view = table("plain_view", &[("id", "int8", "bigint", true)]);
        view["kind"] = json!("v");
        view["comment"] = json!(null);
        let catalog = catalog(json!({"relations": [bare, blank, documented, summary, view]}));
        assert_eq!(findings_of("table_without_comment", &catalog), ["app.bare", "app.blank", "app.summary"]);
    }
}
