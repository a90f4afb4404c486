-- Draws from a sequence that no table owns: validation reports it instead of putting it back.
INSERT INTO prep_seed.tb_holiday (id, fk_country_id, name, day)
VALUES ('c0000000-0000-4000-8000-000000000009', '10000000-0000-4000-8000-000000000001', 'Ticket day ' || nextval('prep_seed.ticket_number_seq'), '2026-12-25');
