-- Each session says which organization it works for; the policies read it once per statement.
CREATE FUNCTION library.current_tenant() RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
    AS $$ SELECT nullif(current_setting('library.tenant_id', true), '')::bigint $$;
COMMENT ON FUNCTION library.current_tenant() IS 'The organization this session works for';

ALTER TABLE library.book ENABLE ROW LEVEL SECURITY;
ALTER TABLE library.member ENABLE ROW LEVEL SECURITY;
ALTER TABLE library.loan ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_books ON library.book USING (tenant_id = (SELECT library.current_tenant()));
CREATE POLICY tenant_members ON library.member USING (tenant_id = (SELECT library.current_tenant()));
CREATE POLICY tenant_loans ON library.loan USING (tenant_id = (SELECT library.current_tenant()));

-- What is on loan now, as the caller may see it.
CREATE VIEW library.open_loan WITH (security_invoker = true) AS
    SELECT l.loan_id, l.tenant_id, b.title, m.display_name, l.lent_at
    FROM library.loan l
    JOIN library.book b ON b.book_id = l.book_id
    JOIN library.member m ON m.member_id = l.member_id
    WHERE l.returned_at IS NULL;
COMMENT ON VIEW library.open_loan IS 'Loans not returned yet';
