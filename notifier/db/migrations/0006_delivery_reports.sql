-- Delivery reports from SMS providers: what finally happened to a sent message.
ALTER TABLE notifications
    ADD COLUMN delivery_status text CHECK (delivery_status IN ('delivered', 'undeliverable')),
    ADD COLUMN delivery_reported_at timestamptz,
    ADD COLUMN delivery_detail text;
CREATE UNIQUE INDEX notifications_provider_message_idx
    ON notifications (provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
