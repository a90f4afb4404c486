//! Seed validation: five levels, from reading the seed files to running them and the resolvers
//! in a transaction that is rolled back. The levels are pure functions over plain structs
//! (`files`, `schema`, `resolvers`, `located`); `validate` gathers what they need from the server
//! and runs them, `execution` runs levels 4-5, `sequences` guards the sequences meanwhile.

pub mod apply;
pub mod config;
pub mod execution;
pub mod files;
pub mod located;
pub mod resolvers;
pub mod schema;
pub mod sequences;
pub mod statements;
pub mod validate;

pub use confiture_core::seeds::{Code, Finding};
