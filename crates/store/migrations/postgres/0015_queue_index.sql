-- The open queue, newest activity first, walked in order (the open conversations are most of
-- the recent ones): no sort of the workspace's conversations per page.
CREATE INDEX conversations_recent ON conversations(workspace_id, updated_at, id);
-- A teammate's own conversations, newest activity first.
CREATE INDEX conversations_mine ON conversations(workspace_id, assignee_id, updated_at);
