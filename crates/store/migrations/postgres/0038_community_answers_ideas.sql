-- Questions and ideas (issue 16, item 2), and questions sent to the inbox (item 10): the accepted answer of a question (a post number of
-- its topic), an idea's votes and the status the team gives it.
ALTER TABLE community_topics ADD COLUMN accepted_number BIGINT;
-- under_review, planned, done, declined; NULL: not looked at yet.
ALTER TABLE community_topics ADD COLUMN idea_status TEXT;
ALTER TABLE community_topics ADD COLUMN votes BIGINT NOT NULL DEFAULT 0;

CREATE TABLE community_votes (
    topic_id    BIGINT NOT NULL REFERENCES community_topics(id) ON DELETE CASCADE,
    account_id  BIGINT NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    voted_at    BIGINT NOT NULL,
    PRIMARY KEY (topic_id, account_id)
);

-- When a question nobody answered was sent to the inbox (item 10).
ALTER TABLE community_topics ADD COLUMN inbox_at BIGINT;
