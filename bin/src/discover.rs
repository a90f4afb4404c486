//! Finding and reading a build's source files.
//!
//! Which files: each `include_dirs` entry's files matching its `include` globs and none of its
//! `exclude` globs (gitignore's dialect, as the Python confiture), minus `exclude_dirs` (folders
//! or single files). A file selected twice is taken once, by the first entry in build order.
//!
//! In what order (`build.sort_mode` / `build.file_order`): by default one order over all of
//! them, as the Python confiture: entries grouped by their `order`, each group's files sorted
//! by path component by component. `sort_mode: hex` reads the numeric prefix of every component
//! (`9_x` before `10_x`). `file_order: per_directory` keeps confiture 0.2's order: each include
//! dir in the order listed, its files sorted byte-wise.

use crate::config::{Environment, FileOrder, IncludeDir};
use crate::failure::{Failure, Kind, Result};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// A source file: its `/`-separated path relative to the project root, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

pub fn discover(project: &Path, environment: &Environment) -> Result<Vec<String>> {
    let excluded: Vec<String> = environment.exclude_dirs.iter().map(|dir| normalize(dir)).collect();
    let is_excluded =
        |name: &str| excluded.iter().any(|dir| name == dir || name.starts_with(&format!("{dir}/")));
    let mut entries: Vec<&IncludeDir> = environment.include_dirs.iter().collect();
    if environment.file_order != FileOrder::PerDirectory {
        entries.sort_by_key(|entry| entry.order);
    }
    let mut seen = HashSet::new();
    let mut blocks: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut listed = Vec::new();
    for entry in entries {
        let root = project.join(&entry.path);
        if !root.is_dir() {
            if entry.skip_if_missing {
                continue;
            }
            return Err(Failure::new(
                Kind::Config,
                format!("{}: include dir {} does not exist", environment.source(), entry.path),
            ));
        }
        let found = selected_under(project, &root, entry).map_err(|mut failure| {
            if failure.kind == Kind::Config {
                failure.message =
                    format!("{}: include_dirs {}: {}", environment.source(), entry.path, failure.message);
            }
            failure
        })?;
        for name in found.into_iter().filter(|name| !is_excluded(name)) {
            if seen.insert(name.clone()) {
                blocks.entry(entry.order).or_default().push(name.clone());
                listed.push(name);
            }
        }
    }
    if listed.is_empty() {
        let dirs: Vec<&str> = environment.include_dirs.iter().map(|dir| dir.path.as_str()).collect();
        return Err(Failure::new(
            Kind::Config,
            format!("no .sql files under {} (after exclude_dirs)", dirs.join(", ")),
        ));
    }
    Ok(match environment.file_order {
        FileOrder::PerDirectory => listed,
        FileOrder::Global => blocks
            .into_values()
            .flat_map(|mut block| {
                block.sort_by(|a, b| a.split('/').cmp(b.split('/')));
                block
            })
            .collect(),
        FileOrder::Numbered => {
            let all: Vec<&String> = blocks.values().flatten().collect();
            let hex_parents = hex_parents(&all);
            blocks
                .into_values()
                .flat_map(|mut block| {
                    block.sort_by_cached_key(|name| numbered_key(name, &hex_parents));
                    block
                })
                .collect()
        }
    })
}

/// An entry's files: walked (recursively or not), each path relative to the entry matched
/// against its globs; sorted byte-wise by name.
fn selected_under(project: &Path, root: &Path, entry: &IncludeDir) -> Result<Vec<String>> {
    let include = glob_set(&entry.include).map_err(|message| Failure::new(Kind::Config, message))?;
    let exclude = glob_set(&entry.exclude).map_err(|message| Failure::new(Kind::Config, message))?;
    let walker = walkdir::WalkDir::new(root).follow_links(true).max_depth(if entry.recursive {
        usize::MAX
    } else {
        1
    });
    let mut found = Vec::new();
    for item in walker {
        let item = item.map_err(|error| {
            Failure::new(
                Kind::Source,
                format!("cannot read {}: {error}", error.path().unwrap_or(root).display()),
            )
        })?;
        if !item.file_type().is_file() {
            continue;
        }
        let inside = relative_name(root, item.path());
        if include.is_match(&inside) && !exclude.is_match(&inside) {
            found.push(relative_name(project, item.path()));
        }
    }
    found.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    Ok(found)
}

/// gitignore's rules: a pattern without `/` matches a name at any depth; a leading `/` anchors
/// (and is dropped); a trailing `/` takes the folder's whole tree; `*` never crosses `/`.
fn glob_set(patterns: &[String]) -> std::result::Result<globset::GlobSet, String> {
    let mut set = globset::GlobSetBuilder::new();
    for pattern in patterns.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let mut text = pattern.trim_start_matches('/').to_string();
        if text.ends_with('/') {
            text.push_str("**");
        }
        if !text.contains('/') {
            text = format!("**/{text}");
        }
        if text.split('/').any(|component| component == "..") {
            return Err(format!(
                "pattern {pattern:?} contains `..`: patterns are relative to the entry's path"
            ));
        }
        let glob = globset::GlobBuilder::new(&text)
            .literal_separator(true)
            .build()
            .map_err(|error| format!("pattern {pattern:?}: {error}"))?;
        set.add(glob);
    }
    set.build().map_err(|error| error.to_string())
}

/// A numeric prefix: the hex digits before the first `_`, with at least one decimal digit.
fn prefix(name: &str) -> Option<&str> {
    let (raw, _) = name.split_once('_')?;
    let valid = !raw.is_empty()
        && raw.bytes().all(|b| b.is_ascii_hexdigit())
        && raw.bytes().any(|b| b.is_ascii_digit());
    valid.then_some(raw)
}

/// The folders (as path prefixes) whose entries are numbered in hexadecimal: one prefix with
/// a letter makes the whole folder hex.
fn hex_parents(names: &[&String]) -> BTreeSet<String> {
    let mut hex = BTreeSet::new();
    for name in names {
        let parts: Vec<&str> = name.split('/').collect();
        for index in 0..parts.len() {
            let stem = parts[index].trim_end_matches(".sql");
            if prefix(stem).is_some_and(|raw| raw.bytes().any(|b| b.is_ascii_alphabetic())) {
                hex.insert(parts[..index].join("/"));
            }
        }
    }
    hex
}

/// Numbered components first, by value; then the rest by name; the path itself breaks ties.
fn numbered_key(name: &str, hex_parents: &BTreeSet<String>) -> (Vec<(u8, u128, String)>, String) {
    let parts: Vec<&str> = name.split('/').collect();
    let key = parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            let stem = part.strip_suffix(".sql").unwrap_or(part);
            let radix = if hex_parents.contains(&parts[..index].join("/")) { 16 } else { 10 };
            match prefix(stem).and_then(|raw| u128::from_str_radix(raw, radix).ok().map(|value| (raw, value)))
            {
                Some((raw, value)) => (0, value, part[raw.len() + 1..].to_string()),
                None => (1, 0, part.to_string()),
            }
        })
        .collect();
    (key, name.to_string())
}

/// The `*.sql` files under `root` (recursively), named relative to the project, sorted byte-wise.
pub fn sql_files_under(project: &Path, root: &Path) -> Result<Vec<String>> {
    let mut entry = IncludeDir::bare("");
    entry.path = root.display().to_string();
    selected_under(project, root, &entry)
}

fn normalize(dir: &str) -> String {
    dir.trim_start_matches("./").trim_end_matches('/').replace('\\', "/")
}

fn relative_name(project: &Path, path: &Path) -> String {
    let relative: PathBuf = path.strip_prefix(project).unwrap_or(path).to_path_buf();
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Read each file; refuse unreadable, non-UTF-8 and NUL-containing files by name. An empty or
/// comment-only file is read like any other: it builds nothing (the Python confiture's `init`
/// writes such files).
pub fn read_sources(project: &Path, names: &[String]) -> Result<Vec<SourceFile>> {
    names.iter().map(|name| read_source(project, name)).collect()
}

pub fn read_source(project: &Path, name: &str) -> Result<SourceFile> {
    let bytes = std::fs::read(project.join(name))
        .map_err(|error| Failure::new(Kind::Source, format!("cannot read {name}: {error}")))?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        Failure::new(Kind::Source, format!("{name}:{line}: the file is not valid UTF-8"))
            .with_hint("Convert it, for example: iconv -f LATIN1 -t UTF-8")
    })?;
    if let Some(offset) = text.find('\0') {
        let line = text[..offset].matches('\n').count() + 1;
        return Err(Failure::new(Kind::Source, format!("{name}:{line}: the file contains a NUL byte")));
    }
    // Editors on Windows may start a file with a byte-order mark; it is not SQL.
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    Ok(SourceFile { name: name.to_string(), text })
}

/// The deterministic concatenation written to db/generated/: same input, same bytes.
pub fn concatenate(environment: &str, hash: &str, sources: &[SourceFile]) -> String {
    let mut out = format!(
        "-- Generated by confiture for environment {environment}: {} files, schema hash {hash}.\n\
         -- Do not edit: change the files named below and build again.\n",
        sources.len()
    );
    for source in sources {
        out.push_str(&format!("\n-- file: {}\n", source.name));
        out.push_str(&source.text);
        if !source.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Where objects are created: for each word (lower-cased) of a line that says CREATE, the first
/// such line naming it, in build order. Lint reports (SARIF, JSON) place a finding about an
/// object there, best effort. Built once, looked up per finding.
#[derive(Default)]
pub struct Creations(std::collections::HashMap<String, (String, usize)>);

impl Creations {
    pub fn of(sources: &[SourceFile]) -> Self {
        let mut first = std::collections::HashMap::new();
        for source in sources {
            for (number, line) in source.text.lines().enumerate() {
                // Most lines do not say CREATE: tested before any allocation.
                if !line.as_bytes().windows(6).any(|w| w.eq_ignore_ascii_case(b"create")) {
                    continue;
                }
                let lower = line.to_lowercase();
                for word in
                    lower.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
                {
                    first.entry(word.to_string()).or_insert_with(|| (source.name.clone(), number + 1));
                }
            }
        }
        Creations(first)
    }

    /// The first CREATE line naming `object` (a name, or `name(arguments)` for a function).
    pub fn first_create(&self, object: &str) -> Option<(String, usize)> {
        let object = object.split('(').next().unwrap_or(object).to_lowercase();
        self.0.get(&object).cloned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn objects_are_located_in_their_creating_file() {
        let sources = [
            SourceFile {
                name: "db/schema/a.sql".into(),
                text: "-- orders\nCREATE TABLE app.orders_archive ();\n".into(),
            },
            SourceFile {
                name: "db/schema/b.sql".into(),
                text: "\n\nCREATE TABLE app.Orders (\n id int);".into(),
            },
        ];
        let creations = Creations::of(&sources);
        assert_eq!(creations.first_create("orders"), Some(("db/schema/b.sql".into(), 3)));
        assert_eq!(creations.first_create("missing"), None);
    }

    use super::*;
    use std::fs;

    fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        dir
    }

    fn env(include: &[&str], exclude: &[&str]) -> Environment {
        let mut env = Environment::default_named("test");
        env.include_dirs = include.iter().map(|dir| IncludeDir::bare(dir)).collect();
        env.exclude_dirs = exclude.iter().map(|s| s.to_string()).collect();
        env
    }

    fn with_order(mut env: Environment, order: FileOrder) -> Environment {
        env.file_order = order;
        env
    }

    #[test]
    fn one_order_over_all_files_compared_component_by_component() {
        let dir = project(&[
            ("db/schema/10_tables/b.sql", b"x"),
            ("db/schema/10_tables/B.sql", b"x"),
            ("db/schema/00_common/z.sql", b"x"),
            ("db/schema/10_tables/a/0.sql", b"x"),
            ("db/schema/10_tables-old.sql", b"x"),
            ("db/schema/README.md", b"not sql"),
            ("db/extra/0.sql", b"x"),
        ]);
        let listed = env(&["db/schema", "db/extra"], &[]);
        // db/extra sorts before db/schema whatever the listing order, as the Python confiture;
        // "10_tables/..." before "10_tables-old.sql" because components are compared, not bytes.
        assert_eq!(
            discover(dir.path(), &listed).unwrap(),
            [
                "db/extra/0.sql",
                "db/schema/00_common/z.sql",
                "db/schema/10_tables/B.sql",
                "db/schema/10_tables/a/0.sql",
                "db/schema/10_tables/b.sql",
                "db/schema/10_tables-old.sql",
            ]
        );
        let per_directory = with_order(env(&["db/schema", "db/extra"], &[]), FileOrder::PerDirectory);
        let names = discover(dir.path(), &per_directory).unwrap();
        assert_eq!(names.first().unwrap(), "db/schema/00_common/z.sql");
        assert_eq!(names.last().unwrap(), "db/extra/0.sql");
    }

    #[test]
    fn entry_order_groups_come_first_then_the_sort() {
        let dir = project(&[("db/a/1.sql", b"x"), ("db/b/1.sql", b"x"), ("db/c/1.sql", b"x")]);
        let mut environment = env(&["db/a", "db/b", "db/c"], &[]);
        environment.include_dirs[0].order = 2;
        environment.include_dirs[2].order = -1;
        assert_eq!(discover(dir.path(), &environment).unwrap(), ["db/c/1.sql", "db/b/1.sql", "db/a/1.sql"]);
    }

    #[test]
    fn hex_mode_reads_numbers_on_every_component() {
        let dir = project(&[
            ("db/schema/10_late/1_x.sql", b"x"),
            ("db/schema/9_early/10_b.sql", b"x"),
            ("db/schema/9_early/9_a.sql", b"x"),
            ("db/schema/readme_first.sql", b"x"),
            ("db/hex/00a_ten.sql", b"x"),
            ("db/hex/010_sixteen.sql", b"x"),
            ("db/hex/009_nine.sql", b"x"),
        ]);
        let numbered = with_order(env(&["db/schema"], &[]), FileOrder::Numbered);
        assert_eq!(
            discover(dir.path(), &numbered).unwrap(),
            [
                "db/schema/9_early/9_a.sql",
                "db/schema/9_early/10_b.sql",
                "db/schema/10_late/1_x.sql",
                "db/schema/readme_first.sql"
            ]
        );
        let hex = with_order(env(&["db/hex"], &[]), FileOrder::Numbered);
        assert_eq!(
            discover(dir.path(), &hex).unwrap(),
            ["db/hex/009_nine.sql", "db/hex/00a_ten.sql", "db/hex/010_sixteen.sql"]
        );
    }

    #[test]
    fn globs_select_and_exclude_as_gitignore_does() {
        let dir = project(&[
            ("db/schema/a.sql", b"x"),
            ("db/schema/a.psql", b"x"),
            ("db/schema/wip/b.sql", b"x"),
            ("db/schema/deep/wip/c.sql", b"x"),
            ("db/schema/deep/d.sql", b"x"),
            ("db/schema/e.bak.sql", b"x"),
        ]);
        let mut environment = env(&["db/schema"], &[]);
        environment.include_dirs[0].include = vec!["**/*.sql".into(), "*.psql".into()];
        environment.include_dirs[0].exclude = vec!["wip/".into(), "*.bak.sql".into()];
        assert_eq!(
            discover(dir.path(), &environment).unwrap(),
            ["db/schema/a.psql", "db/schema/a.sql", "db/schema/deep/d.sql", "db/schema/deep/wip/c.sql"]
        );
        environment.include_dirs[0].exclude = vec!["**/wip/**".into()];
        environment.include_dirs[0].recursive = false;
        assert_eq!(
            discover(dir.path(), &environment).unwrap(),
            ["db/schema/a.psql", "db/schema/a.sql", "db/schema/e.bak.sql"]
        );
        environment.include_dirs[0].exclude = vec!["../x".into()];
        assert!(discover(dir.path(), &environment).unwrap_err().message.contains("contains `..`"));
    }

    #[test]
    fn excluded_dirs_files_and_duplicates_are_left_out() {
        let dir = project(&[
            ("db/schema/a.sql", b"x"),
            ("db/schema/skip/b.sql", b"x"),
            ("db/schema/skipped.sql", b"x"),
            ("db/schema/one.sql", b"x"),
        ]);
        let names = discover(
            dir.path(),
            &env(&["db/schema", "db/schema"], &["./db/schema/skip/", "db/schema/one.sql"]),
        )
        .unwrap();
        assert_eq!(names, ["db/schema/a.sql", "db/schema/skipped.sql"]);
    }

    #[test]
    fn a_missing_object_entry_is_skipped_unless_auto_discover_is_off() {
        let dir = project(&[("db/schema/a.sql", b"x")]);
        let mut environment = env(&["db/schema", "db/later"], &[]);
        environment.include_dirs[1].skip_if_missing = true;
        assert_eq!(discover(dir.path(), &environment).unwrap(), ["db/schema/a.sql"]);
        environment.include_dirs[1].skip_if_missing = false;
        assert!(discover(dir.path(), &environment)
            .unwrap_err()
            .message
            .contains("include dir db/later does not exist"));
    }

    #[test]
    fn a_missing_include_dir_is_a_config_error() {
        let dir = project(&[]);
        let failure = discover(dir.path(), &env(&["db/nope"], &[])).unwrap_err();
        assert_eq!(failure.kind, Kind::Config);
        assert!(failure.message.contains("include dir db/nope does not exist"));
    }

    #[test]
    fn bad_files_are_named_with_their_line() {
        let dir = project(&[
            ("latin1.sql", b"SELECT 1;\nSELECT 'caf\xe9';\n"),
            ("nul.sql", b"SELECT 1;\n\0"),
            ("bom.sql", b"\xef\xbb\xbfSELECT 1;"),
        ]);
        let read = |name: &str| read_sources(dir.path(), &[name.to_string()]);
        let latin1 = read("latin1.sql").unwrap_err();
        assert_eq!(
            (latin1.kind, latin1.message.as_str()),
            (Kind::Source, "latin1.sql:2: the file is not valid UTF-8")
        );
        assert_eq!(read("nul.sql").unwrap_err().message, "nul.sql:2: the file contains a NUL byte");
        assert!(read("missing.sql").unwrap_err().message.starts_with("cannot read missing.sql"));
        assert_eq!(read("bom.sql").unwrap()[0].text, "SELECT 1;");
    }

    #[test]
    fn concatenation_is_deterministic_and_line_terminated() {
        let sources = [
            SourceFile { name: "a.sql".into(), text: "SELECT 1;".into() },
            SourceFile { name: "b.sql".into(), text: "SELECT 2;\n".into() },
        ];
        let text = concatenate("local", "abc", &sources);
        assert_eq!(text, concatenate("local", "abc", &sources));
        assert!(text.ends_with("-- file: a.sql\nSELECT 1;\n\n-- file: b.sql\nSELECT 2;\n"));
    }
}
