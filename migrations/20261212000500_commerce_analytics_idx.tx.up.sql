-- commerce: the dashboards' numbers. Orders paid and refunded per day
-- filter on the raw times (paid_at >= ? AND paid_at < ?, the same on
-- refunded_at); recent payments read the paid orders newest first
-- (paid_at IS NOT NULL ORDER BY paid_at DESC). Only orders once paid have
-- those times: the indexes leave out pending and cancelled orders.
CREATE INDEX commerce_orders_paid_idx ON commerce_orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX commerce_orders_refunded_idx ON commerce_orders (refunded_at) WHERE refunded_at IS NOT NULL;
