DROP INDEX CONCURRENTLY IF EXISTS shop.customer_order_placed_at;
