//! Seed validation: five levels, from reading the seed files to running them and the resolvers
//! in a transaction that is rolled back. The levels are pure functions over plain structs
//! (`files`, `schema`, `resolvers`, `located`, in confiture-core: the CLI runs levels 1-3
//! offline with them); `validate` gathers what they need from the server and runs them,
//! `execution` runs levels 4-5, `sequences` guards the sequences meanwhile.

pub mod apply;
pub mod execution;
pub mod sequences;
pub mod validate;

pub use confiture_core::seeds::{config, located, resolvers, schema, statements, Code, Finding};
