-- When the team was warned that a conversation's first response is at risk (once).
ALTER TABLE conversations ADD COLUMN sla_warned_at INTEGER;
-- The conversations still waiting for a first answer and not yet warned about: few, whatever the
-- size of the inbox.
CREATE INDEX conversations_unanswered ON conversations(created_at)
    WHERE first_response_at IS NULL AND sla_warned_at IS NULL AND state <> 'done';
