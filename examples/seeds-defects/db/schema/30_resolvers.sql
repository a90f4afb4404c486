-- Resolvers: copy the staging rows into the final tables, turning each parent's UUID into its
-- BIGINT key. Run parents first (confiture.validate_seeds(5) orders them by their keys).
CREATE FUNCTION prep_seed.fn_resolve_tb_country() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_country (id, code, name)
    SELECT s.id, s.code, s.name FROM prep_seed.tb_country s;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_region() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_region (id, fk_country, name)
    SELECT s.id, c.pk_country, s.name
    FROM prep_seed.tb_region s
    LEFT JOIN catalog.tb_country c ON c.id = s.fk_country_id;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_city() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog.tb_city (id, fk_region, name, population)
    SELECT s.id, r.pk_region, s.name, s.population
    FROM prep_seed.tb_city s
    LEFT JOIN catalog.tb_region r ON r.id = s.fk_region_id;
    EXECUTE 'ANALYZE catalog.tb_city';
END;
$$;

-- A category's parent is a category: insert them all, then set the parents (two passes).
CREATE FUNCTION prep_seed.fn_resolve_tb_category() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog.tb_category (id, name)
    SELECT s.id, s.name FROM prep_seed.tb_category s;

    UPDATE catalog.tb_category c
    SET fk_parent_category = p.pk_category
    FROM prep_seed.tb_category s
    JOIN catalog.tb_category p ON p.id = s.fk_parent_category_id
    WHERE c.id = s.id;
END;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_supplier() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog.tb_supplier (id, fk_city, name, contact_email)
    SELECT s.id, c.pk_city, s.name, s.contact_email
    FROM prep_seed.tb_supplier s
    LEFT JOIN catalog.tb_city c ON c.id = s.fk_city_id;
END;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_product() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog.tb_product (id, fk_category, fk_supplier, sku, name, price, launched_on)
    SELECT s.id, c.pk_category, p.pk_supplier, s.sku, s.name, s.price, s.launched_on
    FROM prep_seed.tb_product s
    LEFT JOIN catalog.tb_category c ON c.id = s.fk_category_id
    LEFT JOIN catalog.tb_supplier p ON p.id = s.fk_supplier_id;
END;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_customer() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_customer (id, fk_city, email, name)
    SELECT s.id, c.pk_city, s.email, s.name
    FROM prep_seed.tb_customer s
    LEFT JOIN catalog.tb_city c ON c.id = s.fk_city_id;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_warehouse() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_warehouse (id, fk_city, name, capacity)
    SELECT s.id, coalesce(c.pk_city, 0), s.name, s.capacity
    FROM prep_seed.tb_warehouse s
    LEFT JOIN catalog.tb_city c ON c.id = s.fk_city_id;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_review() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_review (id, fk_product, fk_customer, rating, written_on)
    SELECT s.id, p.pk_product, NULL, s.rating, s.written_on
    FROM prep_seed.tb_review s
    LEFT JOIN catalog.tb_product p ON p.id = s.fk_product_id;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_promotion() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_promotion (id, fk_product, discount_pct)
    SELECT s.id, p.pk_product, s.discount_pct
    FROM prep_seed.tb_promotion s
    LEFT JOIN catalog.tb_product p ON p.id = s.fk_product_id;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_shipping_rate() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_shipping_rate (id, fk_country, rate)
    SELECT s.id, c.pk_country, s.rate
    FROM prep_seed.tb_shipping_rate s
    LEFT JOIN catalog.tb_country c ON c.id = s.fk_country;
$$;

CREATE FUNCTION prep_seed.fn_resolve_tb_tax_rate() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog.tb_tax_rate (id, fk_country, percent)
    SELECT s.id, c.pk_country, s.rate_percent
    FROM prep_seed.tb_tax_rate s
    LEFT JOIN catalog.tb_country c ON c.id = s.fk_country_id;
$$;
