-- Function bodies are not checked during a build, so this file could come before the tables.
CREATE FUNCTION shop.place_order(p_order_id bigint) RETURNS shop.order_status
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE shop.customer_order SET status = 'placed', placed_at = now()
    WHERE order_id = p_order_id AND status = 'cart';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % is not an open cart', p_order_id;
    END IF;
    RETURN 'placed';
END;
$$;
