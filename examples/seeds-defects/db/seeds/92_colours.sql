INSERT INTO prep_seed.tb_colour (id, name) VALUES ('e0000000-0000-4000-8000-000000000001', 'Red');
