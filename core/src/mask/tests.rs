use super::rules::{split_qualified, RuleSet};
use super::*;
use serde_json::{json, Map, Value};
use std::collections::HashSet;

fn key(byte: u8) -> Key {
    Key::new(&[byte; 32]).unwrap()
}

fn column(strategy: &str, options: Value) -> ColumnMask {
    let options: Map<String, Value> = options.as_object().cloned().unwrap_or_default();
    ColumnMask::new(&key(7), "public.users.c", Strategy::parse(strategy, &options, false).unwrap())
}

fn masked(mask: &ColumnMask, value: &str) -> String {
    mask.mask(value).unwrap().unwrap()
}

#[test]
fn short_keys_are_refused_and_never_printed() {
    let error = Key::new(b"too short").unwrap_err();
    assert!(matches!(error, MaskError::Key(_)));
    assert!(!error.to_string().contains("too short"));
    let key = Key::new(b"0123456789abcdef0123456789abcdef").unwrap();
    assert!(!format!("{key:?}").contains("0123456789"));
    assert_eq!(key.fingerprint().len(), 16);
    assert_ne!(key.fingerprint(), Key::new(b"0123456789abcdef0123456789abcdeF").unwrap().fingerprint());
}

#[test]
fn same_key_domain_and_value_give_the_same_output() {
    let a = column("email", json!({}));
    let b = column("email", json!({}));
    assert_eq!(masked(&a, "ann@corp.example"), masked(&b, "ann@corp.example"));
    assert_ne!(masked(&a, "ann@corp.example"), masked(&a, "bob@corp.example"));
    let other_domain =
        ColumnMask::new(&key(7), "public.users.d", Strategy::parse("email", &Map::new(), false).unwrap());
    assert_ne!(masked(&a, "ann@corp.example"), masked(&other_domain, "ann@corp.example"));
    let other_key =
        ColumnMask::new(&key(8), "public.users.c", Strategy::parse("email", &Map::new(), false).unwrap());
    assert_ne!(masked(&a, "ann@corp.example"), masked(&other_key, "ann@corp.example"));
}

#[test]
fn every_strategy_gives_its_shape() {
    let email = masked(&column("email", json!({})), "Ann.Lee@corp.example");
    assert!(email.ends_with("@example.com") && email.len() == 28, "{email}");
    let kept = masked(&column("email", json!({"keep_domain": true})), "ann@corp.example");
    assert!(kept.ends_with("@corp.example"));
    let phone = masked(&column("phone", json!({"keep_first": 2})), "+33 6 12 34 56 78");
    assert!(phone.starts_with("+33 ") && phone.len() == "+33 6 12 34 56 78".len(), "{phone}");
    assert_ne!(phone, "+33 6 12 34 56 78");
    let id = masked(&column("preserve_format", json!({})), "AB-123456-c");
    let shape = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    '9'
                } else if c.is_ascii_uppercase() {
                    'A'
                } else if c.is_ascii_lowercase() {
                    'a'
                } else {
                    c
                }
            })
            .collect::<String>()
    };
    assert_eq!(shape(&id), "AA-999999-a");
    assert_ne!(id, "AB-123456-c");
    let name = masked(&column("name", json!({})), "Ann Lee");
    assert_eq!(name.split(' ').count(), 2);
    assert_eq!(masked(&column("redact", json!({})), "x"), "[REDACTED]");
    assert_eq!(column("null", json!({})).mask("x").unwrap(), None);
    assert_eq!(masked(&column("fixed", json!({"value": "n/a"})), "x"), "n/a");
    assert_eq!(masked(&column("hash", json!({"length": 12})), "x").len(), 12);
    assert_eq!(masked(&column("partial", json!({"first": 1, "last": 2})), "secret"), "s***et");
    assert_eq!(masked(&column("partial", json!({"first": 2, "last": 2})), "abc"), "***");
    let shifted = masked(&column("date_shift", json!({"max_days": 30})), "2024-02-10 12:30:00+01");
    assert!(shifted.ends_with(" 12:30:00+01") && shifted != "2024-02-10 12:30:00+01", "{shifted}");
    let noisy = masked(&column("noise", json!({"ratio": 0.2})), "1250.50");
    let value: f64 = noisy.parse().unwrap();
    assert!(
        (1000.0..=1501.0).contains(&value)
            && noisy != "1250.50"
            && noisy.split('.').nth(1).unwrap().len() == 2
    );
    assert_ne!(masked(&column("noise", json!({})), "0"), "0");
    assert_eq!(masked(&column("keep", json!({})), "x"), "x");
}

#[test]
fn null_stays_null_and_bad_values_name_themselves() {
    let date = column("date_shift", json!({}));
    let error = date.mask("yesterday").unwrap_err();
    assert!(error.to_string().contains("not an ISO date"));
    assert!(!error.to_string().contains("yesterday"), "the value is personal data: not in messages");
    assert_eq!(masked(&date, "infinity"), "infinity");
    assert!(column("noise", json!({})).mask("1e5").is_err());
}

#[test]
fn unknown_strategies_and_options_are_errors() {
    let error = Strategy::parse("emial", &Map::new(), false).unwrap_err();
    assert!(error.to_string().contains("unknown masking strategy \"emial\""), "{error}");
    let options = json!({"lenght": 3}).as_object().cloned().unwrap();
    assert!(Strategy::parse("hash", &options, false).unwrap_err().to_string().contains("lenght"));
    assert!(Strategy::parse("fixed", &Map::new(), false).is_err());
    // Strategies that merge values are refused on unique columns.
    for name in ["redact", "partial", "date_shift", "noise"] {
        assert!(Strategy::parse(name, &Map::new(), true).is_err(), "{name}");
    }
    for name in ["email", "phone", "preserve_format", "hash", "name"] {
        assert!(Strategy::parse(name, &Map::new(), true).is_ok(), "{name}");
    }
}

#[test]
fn digit_formats_are_permutations() {
    // Every 4-digit value (the small-domain network) and 100,000 6-digit ones (FF1) map to
    // distinct outputs of the same length.
    for (digits, count, stride) in [(4usize, 10_000u32, 1u32), (6, 100_000, 7)] {
        let mask = column("phone", json!({}));
        let mut seen = HashSet::new();
        for n in 0..count {
            let value = format!("{:0digits$}", n * stride);
            let out = masked(&mask, &value);
            assert_eq!(out.len(), digits);
            assert!(seen.insert(out), "collision at {value}");
        }
    }
    // Longer than u128 arithmetic takes: the crate's own numeral string.
    let long = masked(&column("phone", json!({})), "12345678901234567890123456");
    assert_eq!(long.len(), 26);
    assert_ne!(long, "12345678901234567890123456");
    let letters = column("preserve_format", json!({}));
    let mut seen = HashSet::new();
    for a in b'a'..=b'z' {
        for b in b'a'..=b'z' {
            assert!(seen.insert(masked(&letters, &format!("{}{}", a as char, b as char))));
        }
    }
}

#[test]
fn rules_read_the_python_shape_and_ours() {
    let python = json!({"users": [
        {"column": "email", "strategy": "email", "seed": 12345},
        {"column": "ssn", "strategy": "redact"}
    ]});
    let rules = RuleSet::parse(&python).unwrap();
    assert_eq!(rules.tables[0].table, "users");
    assert_eq!(rules.tables[0].columns[0].domain.as_deref(), Some("seed:12345"));
    assert_eq!(rules.tables[0].columns[1].domain_or("public", "users"), "public.users.ssn");
    let ours = json!({"key_env": "MY_KEY", "tables": {
        "\"Sales Data\".customers": {"where": "id < 10", "columns": {
            "email": {"strategy": "email", "unique": true, "domain": "email"},
            "phone": "phone",
            "tax_id": {"strategy": "partial", "last": 2}
        }}
    }});
    let rules = RuleSet::parse(&ours).unwrap();
    assert_eq!(rules.key_variable.as_deref(), Some("MY_KEY"));
    let table = &rules.tables[0];
    assert_eq!((table.schema.as_deref(), table.table.as_str()), (Some("Sales Data"), "customers"));
    assert_eq!(table.filter.as_deref(), Some("id < 10"));
    assert!(table.columns[0].unique);
    assert_eq!(table.columns[2].options.get("last"), Some(&json!(2)));
    let unknown =
        RuleSet::parse(&json!({"users": [{"column": "email", "strategy": "scramble"}]})).unwrap_err();
    assert!(unknown.to_string().contains("users") && unknown.to_string().contains("scramble"), "{unknown}");
    assert!(RuleSet::parse(&json!({"users": [{"strategy": "email"}]})).is_err());
    // YAML's `null` is the null strategy, in both shapes.
    let nulls =
        RuleSet::parse(&json!({"tables": {"t": {"columns": {"a": null, "b": {"strategy": null}}}}})).unwrap();
    assert!(nulls.tables[0].columns.iter().all(|c| c.strategy == "null"));
    assert!(RuleSet::parse(
        &json!({"users": [{"column": "a", "strategy": "email"}, {"column": "a", "strategy": "hash"}]})
    )
    .is_err());
}

#[test]
fn qualified_names_split_like_sql() {
    assert_eq!(split_qualified("t").unwrap(), (None, "t".into()));
    assert_eq!(split_qualified("s.t").unwrap(), (Some("s".into()), "t".into()));
    assert_eq!(split_qualified("\"a.b\".\"c\"\"d\"").unwrap(), (Some("a.b".into()), "c\"d".into()));
    assert!(split_qualified("a.b.c").is_err());
    assert!(split_qualified("\"open").is_err());
}
