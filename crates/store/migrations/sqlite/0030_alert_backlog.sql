-- Batches of mentions committed but not yet seen by the alert rules: a row is written in the
-- batch's own transaction and deleted once the rules have evaluated it, so what a crash leaves
-- here is evaluated at the next start (an alert is raised late, not lost).
CREATE TABLE alert_backlog (
    first_item_id INTEGER PRIMARY KEY,
    last_item_id  INTEGER NOT NULL,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    received_at   INTEGER NOT NULL
);
