INSERT INTO prep_seed.tb_brand (id, name) VALUES ('f0000000-0000-4000-8000-000000000001', 'Acme');
