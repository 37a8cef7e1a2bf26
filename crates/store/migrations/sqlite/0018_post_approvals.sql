-- Approval of posts: a draft sent for approval waits (state pending_approval, its deliveries
-- still drafts) until someone with the approval link approves it (then it is scheduled) or asks
-- for changes (back to draft). The link's token is kept as a hash; it expires and can be
-- revoked. Every step is in the post's history.
CREATE TABLE post_approvals (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    decided_at   INTEGER,
    decision     TEXT,
    comment      TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX post_approvals_by_post ON post_approvals(post_id);

CREATE TABLE post_events (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    -- A teammate's name, or the approval link.
    actor        TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    detail       TEXT    NOT NULL
);
CREATE INDEX post_events_by_post ON post_events(post_id, id);
