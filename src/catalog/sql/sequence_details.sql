-- The names of the sequences in $1 and, where $2 says a rule needs it (they feed an int2/int4
-- column), their last value: reading it opens the sequence, so only then.
SELECT s.oid, n.nspname::text, s.relname::text,
       CASE WHEN w.wants_last AND pg_catalog.has_sequence_privilege(s.oid, 'SELECT,USAGE')
            THEN pg_catalog.pg_sequence_last_value(s.oid) END
FROM unnest($1::oid[], $2::bool[]) AS w(seqid, wants_last)
JOIN pg_class s ON s.oid = w.seqid
JOIN pg_namespace n ON n.oid = s.relnamespace
