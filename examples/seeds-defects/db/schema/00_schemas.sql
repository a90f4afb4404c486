-- The staging pattern (docs/seeds.md): seed files fill prep_seed with UUID-keyed rows; the
-- resolvers copy them into catalog, where keys are BIGINT.
CREATE SCHEMA catalog;
CREATE SCHEMA prep_seed;
