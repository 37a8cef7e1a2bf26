-- Approval in steps: the workspace's policy (team steps, any or all approvers each, then the
-- client's link or not), the step a post waits at (NULL: no team step left), and the team's
-- votes of the current round (cleared when the post is sent for approval again; the history
-- keeps every decision).
CREATE TABLE approval_policies (
    workspace_id INTEGER NOT NULL PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    policy       TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);

ALTER TABLE posts ADD COLUMN approval_step INTEGER;

CREATE TABLE post_approval_votes (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    step         INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    decision     TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    UNIQUE (post_id, step, user_id)
);

-- Where the client's link goes once the team's steps are passed (it is made then).
ALTER TABLE posts ADD COLUMN approval_email TEXT;
