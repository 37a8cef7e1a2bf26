-- Response-time targets of a workspace, counted in its business hours (see jardinier_inbox::sla).
CREATE TABLE sla_policies (
    workspace_id           BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    first_response_minutes BIGINT  NOT NULL,
    resolution_minutes     BIGINT  NOT NULL,
    warn_percent           BIGINT  NOT NULL,
    -- As BusinessHours::describe writes it: "mon-fri 09:00-18:00".
    hours                  TEXT    NOT NULL,
    updated_at             BIGINT  NOT NULL
);
CREATE INDEX conversations_by_created ON conversations(workspace_id, created_at);
