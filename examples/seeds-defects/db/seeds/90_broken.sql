-- A missing comma between two rows.
INSERT INTO prep_seed.tb_country (id, code, name) VALUES
    ('10000000-0000-4000-8000-000000000007', 'IT', 'Italy')
    ('10000000-0000-4000-8000-000000000008', 'ES', 'Spain');
