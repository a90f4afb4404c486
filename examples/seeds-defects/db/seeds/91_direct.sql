-- Straight into the final table, bypassing the staging schema and the resolvers.
INSERT INTO catalog.tb_country (id, code, name) VALUES ('10000000-0000-4000-8000-000000000009', 'PT', 'Portugal');
