CREATE VIEW shop.order_total AS
SELECT o.order_id, o.customer_id, o.status, sum(l.quantity * l.unit_price) AS total
FROM shop.customer_order o
JOIN shop.order_line l USING (order_id)
GROUP BY o.order_id;
