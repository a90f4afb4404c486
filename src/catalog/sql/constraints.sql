-- Primary keys, foreign keys and checks of the relations in $1 (the constraints rules read),
-- with whether they were validated. The referenced table is resolved by the loader among the
-- linted relations.
SELECT k.conrelid, k.conname::text, k.contype::text, k.conkey, k.confrelid, k.confkey, k.convalidated
FROM pg_constraint k
WHERE k.conrelid = ANY ($1) AND k.contype IN ('p', 'f', 'c')
