-- Staging tables: the same data columns, keys as UUIDs (fk_<parent>_id). No constraints: the
-- seeds load freely, validation and the resolvers find what is wrong.
CREATE TABLE prep_seed.tb_country (id uuid, code text, name text);
CREATE TABLE prep_seed.tb_region (id uuid, fk_country_id uuid, name text);
CREATE TABLE prep_seed.tb_city (id uuid, fk_region_id uuid, name text, population integer);
CREATE TABLE prep_seed.tb_category (id uuid, fk_parent_category_id uuid, name text);
CREATE TABLE prep_seed.tb_supplier (id uuid, fk_city_id uuid, name text, contact_email text, notes text);
CREATE TABLE prep_seed.tb_product (
    id uuid, fk_category_id uuid, fk_supplier_id uuid, sku text, name text, price numeric, launched_on date
);
CREATE TABLE prep_seed.tb_customer (id uuid, fk_city_id uuid, fk_segment_id uuid, email text, name text);
CREATE TABLE prep_seed.tb_warehouse (id uuid, fk_city_id uuid, name text, capacity integer);
CREATE TABLE prep_seed.tb_review (id uuid, fk_product_id uuid, fk_customer_id uuid, fk_author_id uuid, rating integer, written_on date);
CREATE TABLE prep_seed.tb_promotion (id uuid, fk_product_id uuid, discount_pct integer);
CREATE TABLE prep_seed.tb_shipping_rate (id uuid, fk_country uuid, rate numeric);
CREATE TABLE prep_seed.tb_holiday (id uuid, fk_country_id uuid, name text, day date);
CREATE TABLE prep_seed.tb_tax_rate (id uuid, fk_country_id uuid, percent numeric);
CREATE TABLE prep_seed.tb_brand (id uuid, name text);

-- A sequence no table owns, drawn from by db/seeds/94_tickets.sql (SEQUENCE_NOT_RESTORED).
CREATE SEQUENCE prep_seed.ticket_number_seq;
