-- A topic's tags (issue 16, item 2): at most five, each written as an address ("cafe-moulu").
CREATE TABLE community_topic_tags (
    topic_id     BIGINT NOT NULL REFERENCES community_topics(id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    tag          TEXT   NOT NULL,
    PRIMARY KEY (topic_id, tag)
);
-- A tag's page and the search's tag filter read a tag's topics.
CREATE INDEX community_topic_tags_by_tag ON community_topic_tags(workspace_id, tag, topic_id);
