-- format_type() and typname of the (type, typmod) pairs in $1 and $2.
SELECT x.typ, x.typmod, format_type(x.typ, x.typmod), t.typname::text
FROM unnest($1::oid[], $2::int4[]) AS x(typ, typmod)
JOIN pg_type t ON t.oid = x.typ
