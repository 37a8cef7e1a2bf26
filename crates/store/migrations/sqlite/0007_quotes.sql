-- Quotes: the item this one quotes, when it is in the archive (found by the sender's id of the
-- quoted post, or by a long passage it repeats), and the quoted post's id as the sender gave it.
ALTER TABLE items ADD COLUMN quote_of INTEGER REFERENCES items(id) ON DELETE SET NULL;
ALTER TABLE items ADD COLUMN quoted_ref TEXT;
