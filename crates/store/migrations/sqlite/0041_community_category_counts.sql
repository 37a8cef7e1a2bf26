-- A category's visible topics and newest post, kept as topics are posted (the home page and
-- every category list show them: counting 50,000 topics per page would not do).
ALTER TABLE community_categories ADD COLUMN topic_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE community_categories ADD COLUMN last_posted_at INTEGER;
UPDATE community_categories SET
    topic_count = (SELECT COUNT(*) FROM community_topics t WHERE t.category_id = community_categories.id AND t.status = 'visible'),
    last_posted_at = (SELECT MAX(t.last_posted_at) FROM community_topics t WHERE t.category_id = community_categories.id AND t.status = 'visible');
