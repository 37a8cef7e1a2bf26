-- Moderation (issue 17): the review queue's items and the workspace's watched words.
-- An item is what a moderator decides on: today a post screening held (kind 'post'), with the
-- scores and reasons screening gave (JSON: [{"code", "detail", "words": [...]}]). `version`
-- rises with every decision, so two moderators never act twice on the same item.
CREATE TABLE moderation_items (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    post_id       INTEGER REFERENCES community_posts(id) ON DELETE CASCADE,
    account_id    INTEGER REFERENCES community_accounts(id) ON DELETE SET NULL,
    state         TEXT    NOT NULL DEFAULT 'pending',
    spam          REAL    NOT NULL DEFAULT 0,
    toxic         REAL    NOT NULL DEFAULT 0,
    reasons       TEXT    NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    decided_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX moderation_items_queue ON moderation_items (workspace_id, state, created_at);
CREATE UNIQUE INDEX moderation_items_post ON moderation_items (post_id);
-- Watched words: what to do when a post has one (block, hold, flag, censor, replace, tag,
-- silence); `argument` is the replacement or the tag.
CREATE TABLE moderation_watched (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    words         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    argument      TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, words)
);
