-- A failed delivery is told to the team once (the post's author, or the owners and managers):
-- when the notice was written to the mail outbox.
ALTER TABLE post_deliveries ADD COLUMN failure_notified_at INTEGER;
