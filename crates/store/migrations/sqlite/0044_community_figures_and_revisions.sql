-- The team's figures count posts by time (issue 16, item 9).
CREATE INDEX community_posts_by_time ON community_posts(workspace_id, created_at);
-- A post's earlier versions (issue 16, item 3): an edit keeps what it replaced.
CREATE TABLE community_post_revisions (
    id              INTEGER PRIMARY KEY,
    post_id         INTEGER NOT NULL REFERENCES community_posts(id) ON DELETE CASCADE,
    body_md         TEXT    NOT NULL,
    written_at      INTEGER NOT NULL,
    replaced_at     INTEGER NOT NULL,
    editor_account  INTEGER REFERENCES community_accounts(id) ON DELETE SET NULL,
    editor_user     INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX community_post_revisions_by_post ON community_post_revisions(post_id, id);
