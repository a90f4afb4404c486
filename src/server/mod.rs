//! The few places that talk to PostgreSQL internals directly. Each wrapper owns one concern and
//! restores the server state it touched, also when an error unwinds through it.

pub mod catalog_direct;
pub mod catalog_loader;
pub mod catalog_scan;
pub mod constant;
pub mod error_position;
pub mod function_ref;
pub mod guc_scope;
pub mod heap_sample;
pub mod json_arg;
pub mod parser;
pub mod query;
pub mod scope;
pub mod scratch_context;
pub mod seed_parse;
pub mod spi_rows;
pub mod statement_shape;
