-- A first comment (posted as a reply to the post, where the network allows it) and a poll
-- (JSON: {"options": [...], "minutes": n}) with the post.
ALTER TABLE posts ADD COLUMN first_comment TEXT;
ALTER TABLE posts ADD COLUMN poll TEXT;
