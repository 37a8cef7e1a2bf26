-- Response-time targets of a workspace, counted in its business hours (see jardinier_inbox::sla).
CREATE TABLE sla_policies (
    workspace_id           INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    first_response_minutes INTEGER NOT NULL,
    resolution_minutes     INTEGER NOT NULL,
    warn_percent           INTEGER NOT NULL,
    -- As BusinessHours::describe writes it: "mon-fri 09:00-18:00".
    hours                  TEXT    NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE INDEX conversations_by_created ON conversations(workspace_id, created_at);
