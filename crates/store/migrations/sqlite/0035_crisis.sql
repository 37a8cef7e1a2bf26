-- The crisis view (issue 15, item 3): who leads the response to a burst, and the holding
-- statement the team answers with.
ALTER TABLE alert_events ADD COLUMN assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE alert_events ADD COLUMN statement TEXT;
ALTER TABLE alert_events ADD COLUMN statement_by TEXT;
ALTER TABLE alert_events ADD COLUMN statement_at INTEGER;
