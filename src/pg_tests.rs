//! In-server tests (`cargo pgrx test`): what only a running backend can show.
//! pgrx runs them from schema `tests`, each in a transaction that is rolled back.

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn build_from_applies_and_records() {
        let hash = Spi::get_one::<String>(
            "SELECT schema_hash FROM confiture.build_from(ARRAY['CREATE TABLE t1 (id int);'], ARRAY['a.sql'])",
        )
        .unwrap()
        .unwrap();
        assert_eq!(hash, Spi::get_one::<String>("SELECT confiture.schema_hash(ARRAY['CREATE TABLE t1 (id int);'], ARRAY['a.sql'])").unwrap().unwrap());
        assert_eq!(Spi::get_one::<i64>("SELECT count(*) FROM confiture.build_history").unwrap(), Some(1));
        assert_eq!(Spi::get_one::<bool>("SELECT to_regclass('t1') IS NOT NULL").unwrap(), Some(true));
    }
}
