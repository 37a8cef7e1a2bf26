-- Appeals (issue 17, item 5): a member appeals a sanction once; the appeal is a queue item
-- (kind 'appeal') that names the sanction, decided by another moderator than the one who gave it.
ALTER TABLE moderation_items ADD COLUMN sanction_id INTEGER REFERENCES moderation_sanctions(id) ON DELETE CASCADE;
ALTER TABLE moderation_sanctions ADD COLUMN appealed_at INTEGER;
