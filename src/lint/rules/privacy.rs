//! Personal data every role can read.

use crate::lint::{Context, Level, Report, Rule};
use serde_json::json;

pub const PERSONAL_DATA_READABLE_BY_PUBLIC: Rule = Rule {
    name: "personal_data_readable_by_public",
    category: "security",
    level: Level::Warning,
    rationale: "A column whose name says personal or financial data (email, phone, birth date, national id, IBAN, card number...) in a table every role may read, without row-level security, is readable by every account that can connect, including the application's and the API's.",
    remediation: "Revoke SELECT from PUBLIC and grant it to the roles that need it, or enable row-level security with policies, or move the column to a table of its own with narrower grants.",
    check: |ctx: &Context, report: &mut Report| {
        for table in ctx.stored().filter(|t| t.public_select && !t.rls_enabled) {
            let matched: Vec<(&str, &str)> = table
                .columns
                .iter()
                .filter_map(|c| ctx.config.personal_data.personal_word(&c.name).map(|word| (c.name.as_str(), word)))
                .collect();
            if matched.is_empty() {
                continue;
            }
            let columns: Vec<&str> = matched.iter().map(|(column, _)| *column).collect();
            report.on_relation(
                table,
                None,
                format!(
                    "{} {} is readable by PUBLIC without row-level security and holds personal data: {}",
                    table.noun(),
                    table.qualified(),
                    columns.join(", ")
                ),
                json!({"columns": columns, "matched": matched.iter().map(|(_, w)| *w).collect::<Vec<_>>()}),
            );
            report.remedy(format!(
                "REVOKE SELECT ON {} FROM PUBLIC; -- then GRANT SELECT to the roles that need it",
                ctx.catalog.sql_name(&table.schema, &table.name)
            ));
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::config::PersonalDataConfig;
    use crate::lint::rules::testing::{catalog, findings_of, findings_with, table};
    use serde_json::json;

    #[test]
    fn words_match_whole_name_parts() {
        let words = PersonalDataConfig::default();
        assert_eq!(words.personal_word("contact_email"), Some("email"));
        assert_eq!(words.personal_word("Date_Of_Birth"), Some("date_of_birth"));
        assert_eq!(words.personal_word("geburtsdatum"), Some("geburtsdatum"));
        assert_eq!(words.personal_word("emailed_at"), None);
        assert_eq!(words.personal_word("iphone_model"), None);
    }

    #[test]
    fn personal_data_in_tables_everyone_reads() {
        let open = |name: &str, public: bool, rls: bool| {
            let mut t = table(name, &[("id", "int8", "bigint", true), ("email", "text", "text", false)]);
            t["public_select"] = json!(public);
            t["rls_enabled"] = json!(rls);
            t
        };
        let plain = {
            let mut t = table("plain", &[("id", "int8", "bigint", true), ("label", "text", "text", false)]);
            t["public_select"] = json!(true);
            t
        };
        let catalog = catalog(json!({"relations": [
            open("customers", true, false), open("guarded", true, true), open("private", false, false), plain,
        ]}));
        assert_eq!(findings_of("personal_data_readable_by_public", &catalog), ["app.customers"]);
        let custom = findings_with(
            "personal_data_readable_by_public",
            &catalog,
            json!({"personal_data": {"column_words": ["label"]}}),
        );
        assert_eq!(custom, ["app.plain"]);
    }
}
