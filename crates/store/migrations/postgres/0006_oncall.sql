-- On-call rotation per workspace, and quiet hours per person.
CREATE TABLE oncall_rotations (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    user_ids     TEXT    NOT NULL,
    period_days  BIGINT  NOT NULL,
    starts_at    BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
-- Minutes after local midnight (in each workspace's time zone); both NULL: no quiet hours.
ALTER TABLE users ADD COLUMN quiet_start BIGINT ;
ALTER TABLE users ADD COLUMN quiet_end BIGINT ;
