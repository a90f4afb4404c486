INSERT INTO prep_seed.tb_customer (id, fk_city_id, email, name) VALUES
    ('70000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'camille@example.org', 'Camille Martin'),
    ('70000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000003', 'jonas@example.org', 'Jonas Weber'),
    ('70000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000004', 'yui@example.org', 'Yui Sato');
