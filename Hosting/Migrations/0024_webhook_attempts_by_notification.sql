-- A shipment's story shows the webhook deliveries of its notifications: the delivery log by notification.
CREATE INDEX webhook_delivery_attempt_by_notification ON webhook_delivery_attempt (notification_id, attempted_at DESC, attempt_id DESC);
