CREATE TABLE library.book (
    book_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES library.organization (organization_id),
    title text NOT NULL,
    isbn text NOT NULL,
    published_on date,
    UNIQUE (tenant_id, isbn)
);
COMMENT ON TABLE library.book IS 'One title in an organization''s catalogue';

CREATE TABLE library.member (
    member_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES library.organization (organization_id),
    display_name text NOT NULL,
    joined_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE library.member IS 'One person who may borrow books';
CREATE INDEX member_tenant_id ON library.member (tenant_id);

CREATE TABLE library.loan (
    loan_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES library.organization (organization_id),
    book_id bigint NOT NULL REFERENCES library.book (book_id),
    member_id bigint NOT NULL REFERENCES library.member (member_id),
    lent_at timestamptz NOT NULL DEFAULT now(),
    returned_at timestamptz,
    CHECK (returned_at IS NULL OR returned_at >= lent_at)
);
COMMENT ON TABLE library.loan IS 'One book lent to one member';
CREATE INDEX loan_tenant_id ON library.loan (tenant_id);
CREATE INDEX loan_book_id ON library.loan (book_id);
CREATE INDEX loan_member_id ON library.loan (member_id);
