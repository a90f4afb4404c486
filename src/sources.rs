//! The sources of a build as the SQL functions receive them: validated into plain structs.

/// One named SQL text: a file of the project, named by its path relative to the project root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// The name a source gets when the caller gave none: `source_1`, `source_2`, ...
pub fn default_source_name(index: usize) -> String {
    format!("source_{}", index + 1)
}

/// Pair `sources` with `names` (or default names), refusing anything a build cannot use.
pub fn named_sources(
    sources: Option<Vec<Option<String>>>,
    names: Option<Vec<Option<String>>>,
) -> Result<Vec<Source>, String> {
    let sources = sources.ok_or("sources must not be NULL")?;
    if sources.is_empty() {
        return Err("nothing to build: sources is an empty array".into());
    }
    let names: Vec<String> = match names {
        None => (0..sources.len()).map(default_source_name).collect(),
        Some(names) if names.len() != sources.len() => {
            return Err(format!(
                "names has {} elements but sources has {}: give one name per source",
                names.len(),
                sources.len()
            ))
        }
        Some(names) => names
            .into_iter()
            .enumerate()
            .map(|(index, name)| match name {
                Some(name) if !name.trim().is_empty() => Ok(name),
                _ => Err(format!("names[{}] is NULL or empty", index + 1)),
            })
            .collect::<Result<_, _>>()?,
    };
    sources
        .into_iter()
        .zip(names)
        .map(|(text, name)| match text {
            Some(text) => Ok(Source { name, text }),
            None => Err(format!("{name}: the source text is NULL")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(items: &[&str]) -> Option<Vec<Option<String>>> {
        Some(items.iter().map(|s| Some(s.to_string())).collect())
    }

    #[test]
    fn default_names_are_numbered_from_one() {
        let sources = named_sources(some(&["SELECT 1", "SELECT 2"]), None).unwrap();
        assert_eq!(sources[0].name, "source_1");
        assert_eq!(sources[1].name, "source_2");
        assert_eq!(sources[1].text, "SELECT 2");
    }

    #[test]
    fn given_names_are_kept_in_order() {
        let sources = named_sources(some(&["a", "b"]), some(&["x.sql", "y.sql"])).unwrap();
        assert_eq!(sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["x.sql", "y.sql"]);
    }

    #[test]
    fn bad_arrays_are_refused_with_a_reason() {
        assert_eq!(named_sources(None, None).unwrap_err(), "sources must not be NULL");
        assert!(named_sources(Some(vec![]), None).unwrap_err().contains("empty array"));
        assert!(named_sources(some(&["a"]), some(&["x", "y"]))
            .unwrap_err()
            .contains("names has 2 elements but sources has 1"));
        assert_eq!(
            named_sources(some(&["a", "b"]), Some(vec![Some("x".into()), None])).unwrap_err(),
            "names[2] is NULL or empty"
        );
        assert_eq!(
            named_sources(Some(vec![Some("a".into()), None]), some(&["x.sql", "y.sql"])).unwrap_err(),
            "y.sql: the source text is NULL"
        );
    }
}
