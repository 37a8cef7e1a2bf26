-- Labels on conversations, the queue (team) a conversation belongs to, and saved views of the
-- inbox (a named filter, personal or shared).
ALTER TABLE conversations ADD COLUMN queue TEXT;
CREATE INDEX conversations_by_queue ON conversations(workspace_id, queue, state);

CREATE TABLE conversation_labels (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    label           TEXT    NOT NULL,
    PRIMARY KEY (conversation_id, label)
);
CREATE INDEX conversation_labels_by_label ON conversation_labels(workspace_id, label);

CREATE TABLE inbox_views (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- NULL: shared with the team.
    user_id      INTEGER REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- The inbox filter as a URL query string (state=…&who=…&label=…&q=…).
    query        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX inbox_views_by_workspace ON inbox_views(workspace_id);
