-- Images members and the team put in posts, and members' avatars (issue 16, items 3 and 4).
-- The file is in the media folder under `community/{workspace}/{sha256}.{extension}`, its
-- metadata already removed; one row per upload (who sent it, for their data export and their
-- account's deletion).
CREATE TABLE community_images (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    sha256        TEXT    NOT NULL,
    extension     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    filename      TEXT    NOT NULL,
    -- The member who sent it (kept signed by nobody when their posts stay after they leave).
    account_id    INTEGER REFERENCES community_accounts(id) ON DELETE SET NULL,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX community_images_file ON community_images (workspace_id, sha256);
CREATE INDEX community_images_account ON community_images (account_id);
-- "{sha256}.{extension}" of the member's avatar, if they chose one.
ALTER TABLE community_accounts ADD COLUMN avatar TEXT;
