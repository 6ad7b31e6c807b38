-- A CRM notification keeps the trace context of the journal reader's span that queued it (a W3C traceparent), so the
-- webhook deliveries sent from it, in another process and later, continue the carrier event's trace (README, "Tracing").
-- Notifications queued before this migration have none: their deliveries start traces of their own.
ALTER TABLE crm_notification ADD COLUMN trace_parent text NULL;
