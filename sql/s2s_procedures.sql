-- The copy and verify functions take the target table as regclass ('public.users' works). They
-- run under the caller's search_path, as s2s_plan checked the mapping's expressions.
CREATE FUNCTION s2s_copy(target regclass, options jsonb DEFAULT '{}')
RETURNS TABLE (target_table text, rows_copied bigint, batch_rows bigint, done boolean)
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM confiture.s2s_copy_by_oid($1::oid, $2) $$;

CREATE FUNCTION s2s_verify(target regclass, mode text DEFAULT 'checksum')
RETURNS TABLE (target_table text, source_table text, source_rows bigint, target_rows bigint, matches boolean, differing jsonb)
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM confiture.s2s_verify_by_oid($1::oid, $2) $$;

-- Copy a whole table, one committed batch at a time (a procedure may commit between calls; one
-- with a SET clause may not, so every name here is qualified). CALL it outside a transaction block.
CREATE PROCEDURE s2s_copy_table(target regclass, options jsonb DEFAULT '{}')
LANGUAGE plpgsql
AS $$
DECLARE
    finished boolean := false;
BEGIN
    WHILE NOT finished LOOP
        SELECT c.done INTO finished FROM confiture.s2s_copy(target, options) AS c;
        COMMIT;
    END LOOP;
END
$$;
