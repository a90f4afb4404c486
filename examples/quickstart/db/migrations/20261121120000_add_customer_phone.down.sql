ALTER TABLE shop.customer DROP COLUMN phone;
