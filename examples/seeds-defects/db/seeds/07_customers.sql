INSERT INTO prep_seed.tb_customer (id, fk_city_id, fk_segment_id, email, name) VALUES
    ('70000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', NULL, 'camille@example.org', 'Camille Martin'),
    ('70000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000003', NULL, 'jonas@example.org', 'Jonas Weber'),
    ('70000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000004', NULL, 'yui@example.org', 'Yui Sato'),
    ('70000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000002', NULL, 'jonas@example.org', 'Jonas Weber (again)');

INSERT INTO prep_seed.tb_customer (id, fk_city_id, email, name) VALUES
    ('70000000-0000-4000-8000-00000000000g', '30000000-0000-4000-8000-000000000001', 'lea@example.org', 'Léa Roux');
