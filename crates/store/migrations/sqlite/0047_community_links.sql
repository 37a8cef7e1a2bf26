-- A member's links on their page (issue 16, item 4), one a line.
ALTER TABLE community_accounts ADD COLUMN links TEXT NOT NULL DEFAULT '';
