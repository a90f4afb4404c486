//! Cutting a plan where a migration must run outside a transaction (pure).

/// A stretch of the plan: ordinary migrations up to and including `last` (`count` of them), or
/// one whose script must run outside a transaction.
#[derive(Debug, PartialEq)]
pub enum Segment {
    InTransaction { last: String, count: usize },
    Outside(String),
}

/// Cut `plan` (versions in run order) at the migrations that must run outside a transaction.
pub fn segments(plan: &[String], outside: &[String]) -> Vec<Segment> {
    let mut cut = Vec::new();
    for version in plan {
        if outside.contains(version) {
            cut.push(Segment::Outside(version.clone()));
        } else if let Some(Segment::InTransaction { last, count }) = cut.last_mut() {
            *last = version.clone();
            *count += 1;
        } else {
            cut.push(Segment::InTransaction { last: version.clone(), count: 1 });
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(list: &[&str]) -> Vec<String> {
        list.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn plans_are_cut_at_scripts_outside_a_transaction() {
        let plan = versions(&["1", "2", "3", "4", "5", "6"]);
        assert_eq!(
            segments(&plan, &versions(&["3", "4"])),
            [
                Segment::InTransaction { last: "2".into(), count: 2 },
                Segment::Outside("3".into()),
                Segment::Outside("4".into()),
                Segment::InTransaction { last: "6".into(), count: 2 },
            ]
        );
        assert_eq!(segments(&plan, &[]), [Segment::InTransaction { last: "6".into(), count: 6 }]);
        assert_eq!(segments(&versions(&["1"]), &versions(&["1"])), [Segment::Outside("1".into())]);
        assert!(segments(&[], &versions(&["1"])).is_empty());
    }
}
