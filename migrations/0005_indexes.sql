-- The latest population year is asked on every town list and home page: MAX(year) from an
-- index, not a scan of every snapshot.
CREATE INDEX population_snapshots_year ON population_snapshots (year);
