//! Owners and privileges (the `privileges` option): ALTER ... OWNER TO, and the GRANT and REVOKE
//! that turn one ACL into another. Grantors are not compared: a GRANT is recorded as given by
//! whoever runs it.

use super::ddl::Writer;
use super::objects::Object;
use super::snapshot::Common;
use super::statement::Statement;
use std::collections::{BTreeMap, BTreeSet};

/// `(privilege letter, with grant option)` by grantee (`PUBLIC` for everyone).
type Acl = BTreeMap<String, BTreeSet<(char, bool)>>;

fn privilege_name(letter: char) -> Option<&'static str> {
    Some(match letter {
        'r' => "SELECT",
        'w' => "UPDATE",
        'a' => "INSERT",
        'd' => "DELETE",
        'D' => "TRUNCATE",
        'x' => "REFERENCES",
        't' => "TRIGGER",
        'X' => "EXECUTE",
        'U' => "USAGE",
        'C' => "CREATE",
        'c' => "CONNECT",
        'T' => "TEMPORARY",
        'm' => "MAINTAIN",
        _ => return None,
    })
}

/// An aclitem's text, `grantee=privileges/grantor` (`""` grantee: PUBLIC; a name may be quoted).
fn parse_item(item: &str) -> Option<(String, BTreeSet<(char, bool)>)> {
    let (grantee, rest) =
        item.rsplit_once('/').map(|(left, _)| left).and_then(|left| left.rsplit_once('='))?;
    let grantee = if grantee.is_empty() {
        "PUBLIC".to_string()
    } else {
        grantee.trim_matches('"').replace("\"\"", "\"")
    };
    let mut privileges = BTreeSet::new();
    let letters: Vec<char> = rest.chars().collect();
    for (i, letter) in letters.iter().enumerate() {
        if *letter != '*' {
            privileges.insert((*letter, letters.get(i + 1) == Some(&'*')));
        }
    }
    Some((grantee, privileges))
}

/// The object's ACL, or what PostgreSQL grants by default when none is set.
fn acl_of(object: &Object, common: &Common) -> Acl {
    if let Some(items) = &common.acl {
        return items.iter().filter_map(|item| parse_item(item)).collect();
    }
    let owner = common.owner.clone().unwrap_or_default();
    let (owner_letters, public_letters): (&str, &str) = match object {
        Object::Relation(_) => ("arwdDxt", ""),
        Object::Sequence(_) => ("rwU", ""),
        Object::Function(_) => ("X", "X"),
        Object::Type(_) => ("U", "U"),
        Object::Schema(_) => ("UC", ""),
        _ => ("", ""),
    };
    let mut acl = Acl::new();
    acl.insert(owner, owner_letters.chars().map(|c| (c, false)).collect());
    if !public_letters.is_empty() {
        acl.insert("PUBLIC".into(), public_letters.chars().map(|c| (c, false)).collect());
    }
    acl
}

fn object_class(object: &Object) -> Option<&'static str> {
    Some(match object {
        Object::Schema(_) => "SCHEMA",
        Object::Relation(r) if r.kind == "f" => "FOREIGN TABLE",
        Object::Relation(_) => "TABLE",
        Object::Sequence(_) => "SEQUENCE",
        Object::Function(f) if f.kind == "p" => "PROCEDURE",
        Object::Function(_) => "FUNCTION",
        Object::Type(t) if t.kind == "d" => "DOMAIN",
        Object::Type(_) => "TYPE",
        _ => return None,
    })
}

fn owner_class(object: &Object) -> Option<&'static str> {
    Some(match object {
        Object::Relation(r) => super::ddl::relation_sql_kind(r),
        Object::Function(f) if f.kind == "a" => "AGGREGATE",
        _ => object_class(object)?,
    })
}

pub fn common_of<'a>(object: &Object<'a>) -> Option<&'a Common> {
    match object {
        Object::Schema(s) => Some(&s.common),
        Object::Type(t) => Some(&t.common),
        Object::Sequence(s) => Some(&s.common),
        Object::Relation(r) => Some(&r.common),
        Object::Function(f) => Some(&f.common),
        _ => None,
    }
}

impl Writer<'_> {
    /// OWNER TO, GRANT and REVOKE turning `current`'s (None: a new object, owned by whoever
    /// creates it with default privileges) into `desired`'s.
    pub fn privileges(
        &self,
        current: Option<&Object>,
        desired: &Object,
        stmt: &dyn Fn(String) -> Statement,
    ) -> Vec<Statement> {
        let (Some(common), Some(class)) = (common_of(desired), object_class(desired)) else { return vec![] };
        let name = match desired {
            Object::Type(t) => self.q.qualified(&t.schema, &t.name),
            _ => self.name(desired),
        };
        let mut out = Vec::new();
        let old_common = current.and_then(common_of);
        if let Some(owner) = &common.owner {
            if old_common.and_then(|c| c.owner.as_ref()) != Some(owner) {
                let class = owner_class(desired).unwrap_or(class);
                out.push(stmt(format!("ALTER {class} {name} OWNER TO {}", self.q.ident(owner))));
            }
        }
        let old = match (current, old_common) {
            (Some(object), Some(c)) => acl_of(object, &Common { owner: common.owner.clone(), ..c.clone() }),
            // A new object: its owner's default privileges, as acl_of says for no ACL.
            _ => acl_of(desired, &Common { acl: None, ..common.clone() }),
        };
        let new = acl_of(desired, common);
        let grantees: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        let role =
            |grantee: &str| if grantee == "PUBLIC" { "PUBLIC".to_string() } else { self.q.ident(grantee) };
        let names = |set: &BTreeSet<(char, bool)>| -> Vec<&'static str> {
            set.iter()
                .filter_map(|(letter, _)| privilege_name(*letter))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        for grantee in grantees {
            let empty = BTreeSet::new();
            let before = old.get(grantee).unwrap_or(&empty);
            let after = new.get(grantee).unwrap_or(&empty);
            let revoked: BTreeSet<(char, bool)> = before.difference(after).copied().collect();
            let granted: BTreeSet<(char, bool)> = after.difference(before).copied().collect();
            if !revoked.is_empty() {
                out.push(stmt(format!(
                    "REVOKE {} ON {class} {name} FROM {}",
                    names(&revoked).join(", "),
                    role(grantee)
                )));
            }
            for with_option in [false, true] {
                let set: BTreeSet<(char, bool)> =
                    granted.iter().filter(|(_, o)| *o == with_option).copied().collect();
                if !set.is_empty() {
                    out.push(stmt(format!(
                        "GRANT {} ON {class} {name} TO {}{}",
                        names(&set).join(", "),
                        role(grantee),
                        if with_option { " WITH GRANT OPTION" } else { "" }
                    )));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_items_are_read_with_public_and_grant_options() {
        assert_eq!(parse_item("=UC/postgres"), Some(("PUBLIC".into(), [('C', false), ('U', false)].into())));
        assert_eq!(
            parse_item("\"Web App\"=r*w/postgres"),
            Some(("Web App".into(), [('r', true), ('w', false)].into()))
        );
    }
}
