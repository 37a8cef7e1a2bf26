-- Near-duplicate candidates are looked up among originals only. Indexing only those rows keeps
-- the bounded lookup from walking past thousands of near-duplicates of templated text.
DROP INDEX items_band0;
DROP INDEX items_band1;
DROP INDEX items_band2;
DROP INDEX items_band3;
CREATE INDEX items_band0 ON items(workspace_id, band0) WHERE duplicate_of IS NULL AND simhash <> 0;
CREATE INDEX items_band1 ON items(workspace_id, band1) WHERE duplicate_of IS NULL AND simhash <> 0;
CREATE INDEX items_band2 ON items(workspace_id, band2) WHERE duplicate_of IS NULL AND simhash <> 0;
CREATE INDEX items_band3 ON items(workspace_id, band3) WHERE duplicate_of IS NULL AND simhash <> 0;
-- Exact-duplicate lookups likewise only look at originals.
DROP INDEX items_by_url;
DROP INDEX items_by_hash;
CREATE INDEX items_by_url ON items(workspace_id, url) WHERE duplicate_of IS NULL;
CREATE INDEX items_by_hash ON items(workspace_id, content_hash) WHERE duplicate_of IS NULL;
