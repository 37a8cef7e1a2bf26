-- Language variants: a post may have a text per language for the same channel (a bilingual
-- brand), each its own delivery; the network gets the language tag where it takes one.
ALTER TABLE post_deliveries ADD COLUMN language TEXT;
-- The campaign a post belongs to (free text, shared by its posts) and its tags (a JSON array).
ALTER TABLE posts ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

-- The calendar's iCalendar feed: one secret address per workspace (its token kept as a hash),
-- for calendar applications that cannot sign in. A new one replaces the old.
CREATE TABLE calendar_feeds (
    workspace_id BIGINT NOT NULL PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL
);
