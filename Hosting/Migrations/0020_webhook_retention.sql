-- Webhook retention: settled deliveries (delivered or given up) and logged attempts older than Webhooks:RetentionDays
-- are removed in batches, oldest first; these indexes find them without reading the pending outbox or the whole log.
CREATE INDEX webhook_delivery_settled ON webhook_delivery (settled_at) WHERE status <> 0;

CREATE INDEX webhook_delivery_attempt_age ON webhook_delivery_attempt (attempted_at);
