-- Members: one profile per person, known by identities on several channels. A merged profile
-- stays, pointing at the one that kept its identities (merged_into), so a merge can be undone
-- from what member_merges recorded it moved.
CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    display_name TEXT    NOT NULL,
    -- Custom fields, a JSON object of text values.
    fields       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    merged_into  INTEGER REFERENCES members(id) ON DELETE SET NULL
);
CREATE INDEX members_by_workspace ON members(workspace_id, merged_into, display_name);

-- `value` is written as items carry the author (items are found by it).
CREATE TABLE member_identities (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    value        TEXT    NOT NULL,
    verified     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, kind, value)
);
CREATE INDEX member_identities_by_member ON member_identities(member_id);

CREATE TABLE member_tags (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    tag       TEXT    NOT NULL,
    PRIMARY KEY (member_id, tag)
);

CREATE TABLE member_notes (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body      TEXT    NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX member_notes_by_member ON member_notes(member_id, id);

-- What a merge moved (JSON: identity, note and conversation ids, tags and field names added),
-- for undoing it.
CREATE TABLE member_merges (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kept_id      INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    absorbed_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    reason       TEXT    NOT NULL,
    confidence   INTEGER NOT NULL,
    moved        TEXT    NOT NULL,
    actor_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    at           INTEGER NOT NULL,
    undone_at    INTEGER,
    undone_by    INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX member_merges_by_workspace ON member_merges(workspace_id, id);

ALTER TABLE conversations ADD COLUMN member_id INTEGER REFERENCES members(id) ON DELETE SET NULL;
CREATE INDEX conversations_by_member ON conversations(member_id);
-- A person's mentions, for their timeline and for erasure.
CREATE INDEX items_by_author ON items(workspace_id, author_handle);
