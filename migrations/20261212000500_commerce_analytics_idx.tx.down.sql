DROP INDEX commerce_orders_refunded_idx;
DROP INDEX commerce_orders_paid_idx;
