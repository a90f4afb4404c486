-- Countries: the top of the chain country -> region -> city.
INSERT INTO prep_seed.tb_country (id, code, name) VALUES
    ('10000000-0000-4000-8000-000000000001', 'FR', 'France'),
    ('10000000-0000-4000-8000-000000000002', 'DE', 'Germany'),
    ('10000000-0000-4000-8000-000000000003', 'JP', 'Japan');
