-- Never acknowledge what is not stored (issue 13).

-- The readiness probe (/readyz) writes this one row: a write that commits proves the database
-- takes writes now (not full, not locked, reachable).
CREATE TABLE readiness (
    id BIGINT PRIMARY KEY,
    checked_at {{ts}} NOT NULL
);
