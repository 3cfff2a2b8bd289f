-- Foundation: geography, departments, accounts, sessions, tokens, audit log.
-- Rendered for SQLite and PostgreSQL by platform::db::render_migration. Tables keyed by text
-- are WITHOUT ROWID on SQLite: the key is the table, one B-tree instead of a table and an
-- index, one seek per lookup.

-- Official statistical division codes, every level stored as 12 digits
-- (province 320000000000, city 320200000000, area 320205000000, street 320205001000,
-- village 320205001001). level: 1 province, 2 city, 3 area, 4 town/street, 5 village-level.
CREATE TABLE divisions (
    code TEXT PRIMARY KEY,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    name TEXT NOT NULL,
    -- merges: the community that absorbed this one and from when (records keep pointing here)
    merged_into TEXT REFERENCES divisions (code),
    merged_on {{date}},
    CHECK (length(code) = 12),
    CHECK ((merged_into IS NULL) = (merged_on IS NULL))
) {{without_rowid}};
-- No parent or area column: both are prefixes of the code, and "everything under X" is a
-- range of the primary key (DivisionCode::descendant_range).

-- Renames and merges with their effective dates: the history behind the current row.
CREATE TABLE division_changes (
    id {{pk}},
    code TEXT NOT NULL REFERENCES divisions (code),
    kind TEXT NOT NULL CHECK (kind IN ('rename', 'merge')),
    effective_on {{date}} NOT NULL,
    old_name TEXT,
    new_name TEXT,
    successor_code TEXT REFERENCES divisions (code),
    note TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL
);
CREATE INDEX division_changes_code ON division_changes (code, effective_on);

-- Households and permanent population (常住人口) of a community by year.
CREATE TABLE population_snapshots (
    community_code TEXT NOT NULL REFERENCES divisions (code),
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    households BIGINT NOT NULL CHECK (households >= 0),
    permanent_population BIGINT NOT NULL CHECK (permanent_population >= 0),
    updated_at {{ts}} NOT NULL,
    PRIMARY KEY (community_code, year)
) {{without_rowid}};

-- District departments (区级部门).
CREATE TABLE departments (
    id {{pk}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    active {{bool}} NOT NULL DEFAULT TRUE
);

-- Contracted convenience-service providers (便民服务单位); the service-hall domain extends it.
CREATE TABLE providers (
    id {{pk}},
    name TEXT NOT NULL UNIQUE,
    created_at {{ts}} NOT NULL
);

CREATE TABLE users (
    id {{pk}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('district_admin', 'department_officer', 'town_officer',
        'community_staff', 'assessor', 'provider')),
    department_id BIGINT REFERENCES departments (id),
    town_code TEXT REFERENCES divisions (code),
    community_code TEXT REFERENCES divisions (code),
    provider_id BIGINT REFERENCES providers (id),
    active {{bool}} NOT NULL DEFAULT TRUE,
    created_at {{ts}} NOT NULL,
    -- each role carries exactly the binding it needs
    CHECK ((role = 'department_officer') = (department_id IS NOT NULL)),
    CHECK ((role = 'town_officer') = (town_code IS NOT NULL)),
    CHECK ((role = 'community_staff') = (community_code IS NOT NULL)),
    CHECK ((role = 'provider') = (provider_id IS NOT NULL))
);

-- Browser sessions: only a hash of the cookie value is stored.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    expires_at {{ts}} NOT NULL
) {{without_rowid}};
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id {{pk}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    expires_at {{ts}},
    revoked {{bool}} NOT NULL DEFAULT FALSE
);

-- Failed logins per account name, for throttling.
CREATE TABLE login_failures (
    username TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    first_failed_at {{ts}} NOT NULL,
    locked_until {{ts}}
);

-- Append-only, hash-chained audit log.
CREATE TABLE audit_log (
    id {{pk}},
    at {{ts}} NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_name);

-- @sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- @end
-- @postgres
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- @end

-- The 14 district departments of the 2008 plan (DOMAIN.md); the district edits them.
INSERT INTO departments (code, name, name_en, sort_order) VALUES
    ('zongzhi', '区综治办', 'Comprehensive Governance Office', 1),
    ('jiaoyu', '区教育局', 'Education Bureau', 2),
    ('laodong', '区劳动和社会保障局', 'Labour and Social Security Bureau', 3),
    ('minzheng', '区民政局', 'Civil Affairs Bureau', 4),
    ('sifa', '区司法局', 'Justice Bureau', 5),
    ('jianshe', '区建设局', 'Construction Bureau', 6),
    ('weisheng', '区卫生局', 'Health Bureau', 7),
    ('jisheng', '区人口和计划生育局', 'Population and Family Planning Bureau', 8),
    ('wenti', '区文体局', 'Culture and Sports Bureau', 9),
    ('chengguan', '区城管局', 'Urban Management Bureau', 10),
    ('kexie', '区科协', 'Association for Science and Technology', 11),
    ('canlian', '区残联', 'Disabled Persons'' Federation', 12),
    ('gongxiao', '区供销总社', 'Supply and Marketing Co-operative', 13),
    ('gongan', '公安锡山分局', 'Public Security Sub-bureau', 14);
