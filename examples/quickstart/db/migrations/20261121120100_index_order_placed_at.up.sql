-- Orders are looked up by date; build the index without blocking writes.
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_order_placed_at ON shop.customer_order (placed_at);
