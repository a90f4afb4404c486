//! Statements in an order PostgreSQL accepts: a topological sort of the plan's nodes (drop or
//! create/alter of one object), ties broken by phase (drops first), kind and name, so the same
//! snapshots always give the same plan.

use super::snapshot::Key;
use super::statement::Statement;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Node {
    phase: u8,
    rank: u8,
    key: Key,
}

impl Node {
    pub fn drop(key: &Key, rank: u8) -> Self {
        // Among drops, what others need usually goes last.
        Node { phase: 0, rank: u8::MAX - rank, key: key.clone() }
    }

    pub fn create(key: &Key, rank: u8) -> Self {
        Node { phase: 1, rank, key: key.clone() }
    }
}

#[derive(Default)]
pub struct Graph {
    statements: BTreeMap<Node, Vec<Statement>>,
    after: BTreeMap<Node, BTreeSet<Node>>,
}

impl Graph {
    pub fn add(&mut self, node: Node, statements: Vec<Statement>) {
        self.statements.entry(node).or_default().extend(statements);
    }

    /// `before` runs before `then` (ignored unless both are in the plan).
    pub fn edge(&mut self, before: &Node, then: &Node) {
        if before != then {
            self.after.entry(before.clone()).or_default().insert(then.clone());
        }
    }

    pub fn sorted(mut self) -> Vec<Statement> {
        let nodes: BTreeSet<Node> = self.statements.keys().cloned().collect();
        let mut waiting: BTreeMap<&Node, usize> = nodes.iter().map(|n| (n, 0)).collect();
        for (before, thens) in &self.after {
            if !nodes.contains(before) {
                continue;
            }
            for then in thens {
                if let Some(count) = waiting.get_mut(then) {
                    *count += 1;
                }
            }
        }
        let mut ready: BTreeSet<&Node> = waiting.iter().filter(|(_, c)| **c == 0).map(|(n, _)| *n).collect();
        let mut done: BTreeSet<&Node> = BTreeSet::new();
        let mut out = Vec::new();
        while done.len() < nodes.len() {
            // A cycle (which catalog dependencies do not make) is broken at its first node.
            let next = match ready.pop_first() {
                Some(node) => node,
                None => *waiting
                    .iter()
                    .filter(|(n, _)| !done.contains(**n))
                    .map(|(n, _)| n)
                    .next()
                    .expect("nodes remain"),
            };
            if !done.insert(next) {
                continue;
            }
            out.extend(self.statements.remove(next).unwrap_or_default());
            for then in self.after.get(next).into_iter().flatten() {
                if let Some(count) = waiting.get_mut(then) {
                    *count = count.saturating_sub(1);
                    if *count == 0 && !done.contains(then) {
                        ready.insert(nodes.get(then).expect("node of the plan"));
                    }
                }
            }
        }
        out
    }
}
