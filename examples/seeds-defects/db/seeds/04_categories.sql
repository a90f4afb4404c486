-- The category tree, one level per branch of the UNION: roots have no parent (NULL::uuid, cast
-- so that every branch agrees on the column's type).
INSERT INTO prep_seed.tb_category (id, fk_parent_category_id, name)
SELECT '40000000-0000-4000-8000-000000000001'::uuid, NULL::uuid, 'Kitchen'
UNION ALL
SELECT '40000000-0000-4000-8000-000000000002'::uuid, '40000000-0000-4000-8000-000000000001'::uuid, 'Cookware'
UNION ALL
SELECT '40000000-0000-4000-8000-000000000003'::uuid, '40000000-0000-4000-8000-000000000099'::uuid, 'Pans'
UNION ALL
SELECT '40000000-0000-4000-8000-000000000004'::uuid, NULL, 'Garden';
