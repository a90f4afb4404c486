-- Primary and foreign keys of the relations in $1 (the only constraints a rule reads). The
-- referenced table is resolved by the loader among the linted relations.
SELECT k.conrelid, k.conname::text, k.contype::text, k.conkey, k.confrelid, k.confkey
FROM pg_constraint k
WHERE k.conrelid = ANY ($1) AND k.contype IN ('p', 'f')
