-- Never acknowledge what is not stored (issue 13).

-- The readiness probe (/readyz) writes this one row: a write that commits proves the database
-- takes writes now (not full, not locked, reachable).
CREATE TABLE readiness (
    id BIGINT PRIMARY KEY,
    checked_at {{ts}} NOT NULL
);

-- Every editable record's revision, raised by each save: a save from a stale copy is refused
-- (platform::revision). Rooms already have `version`, the lock counter bookings raise; a room's
-- edits have their own revision.
ALTER TABLE users ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE departments ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE providers ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE service_items ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE residents ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE centre_standards ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE centre_projects ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE guidelines ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE meetings ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE organisations ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE rooms ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE activities ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
-- a sheet's revision: raised by the community's self-assessment saves and by the town's review
ALTER TABLE assessment_sheets ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
