INSERT INTO prep_seed.tb_supplier (id, fk_city_id, name, contact_email, notes) VALUES
    ('50000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'Ateliers Dupont', 'ventes@dupont.example', NULL),
    ('50000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000003', 'Küchenwerk', NULL, 'closed in August'),
    ('50000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000004', 'Tokyo Tools', 'sales@tokyotools.example', NULL);
