//! confiture's pure core: logic that the extension (in the server) and the CLI (on the client)
//! must compute identically, and the types of the rows that cross the wire between them. No
//! pgrx, no PostgreSQL: `cargo test -p confiture-core` runs anywhere.

pub mod diff;
pub mod lint;
pub mod mask;
pub mod migration;
pub mod order;
pub mod risk;
pub mod s2s;
pub mod schema_hash;
pub mod seeds;
pub mod sql_text;
pub mod wire;
