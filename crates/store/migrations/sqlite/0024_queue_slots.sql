-- Queue slots: the weekly times a channel publishes at, in the workspace's time zone; "add to
-- the queue" gives a post the first one still free.
CREATE TABLE queue_slots (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id   INTEGER NOT NULL REFERENCES publish_channels(id) ON DELETE CASCADE,
    weekday      INTEGER NOT NULL,
    minute       INTEGER NOT NULL,
    UNIQUE (channel_id, weekday, minute)
);
