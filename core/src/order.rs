//! Tables in an order that loads parents before their children.

/// Indexes into `names`, each table after the tables it references (`edges` are (child, parent)
/// names; edges naming a table outside `names`, or a table itself, are ignored). A cycle keeps
/// the listed order for the tables caught in it.
pub fn parents_first(names: &[String], edges: &[(String, String)]) -> Vec<usize> {
    let mut placed = vec![false; names.len()];
    let mut order = Vec::with_capacity(names.len());
    while order.len() < names.len() {
        let ready = (0..names.len()).find(|&i| {
            !placed[i]
                && edges
                    .iter()
                    .filter(|(child, parent)| *child == names[i] && *parent != names[i])
                    .all(|(_, parent)| names.iter().position(|n| n == parent).is_none_or(|p| placed[p]))
        });
        let next = ready.unwrap_or_else(|| (0..names.len()).find(|&i| !placed[i]).unwrap_or(0));
        placed[next] = true;
        order.push(next);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::parents_first;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parents_come_before_children_and_cycles_keep_their_order() {
        let tables = names(&["lines", "orders", "users", "a", "b"]);
        let edges = vec![
            ("lines".to_string(), "orders".to_string()),
            ("orders".to_string(), "users".to_string()),
            ("lines".to_string(), "lines".to_string()),
            ("a".to_string(), "b".to_string()),
            ("b".to_string(), "a".to_string()),
            ("orders".to_string(), "elsewhere".to_string()),
        ];
        let order: Vec<&str> =
            parents_first(&tables, &edges).into_iter().map(|i| tables[i].as_str()).collect();
        assert_eq!(order, ["users", "orders", "lines", "a", "b"]);
    }
}
