-- The inbox: conversations that need an answer, each a thread of mentions (and later direct
-- messages, e-mails, forum posts), with its workflow state, assignee and history.
CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    contact_name    TEXT,
    contact_handle  TEXT,
    state           TEXT    NOT NULL,
    priority        TEXT    NOT NULL,
    assignee_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_inbound_at INTEGER NOT NULL
);
CREATE INDEX conversations_queue ON conversations(workspace_id, state, updated_at);
CREATE INDEX conversations_by_assignee ON conversations(workspace_id, assignee_id, state);

CREATE TABLE conversation_items (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    item_id         INTEGER NOT NULL UNIQUE REFERENCES items(id) ON DELETE CASCADE,
    added_at        INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, item_id)
);

CREATE TABLE conversation_events (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    actor_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    kind            TEXT    NOT NULL,
    detail          TEXT    NOT NULL
);
CREATE INDEX conversation_events_by_conversation ON conversation_events(conversation_id, id);
-- The inbox's version, for live updates: the newest event of the workspace.
CREATE INDEX conversation_events_by_workspace ON conversation_events(workspace_id, id);
