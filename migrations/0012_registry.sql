-- The district's people (issue 16): households with their members and history, the
-- resident's registry fields, imports staged for a person's confirmation, and the log of who
-- saw a full ID number or phone.

-- Households (户): numbered per community, at an address (residence point - 自然村 or
-- building - and house number), of a kind, with a head among their members. A household that
-- merged into another or whose members all left is dissolved, not deleted: its history stays.
CREATE TABLE households (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    number TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 20),
    point TEXT NOT NULL DEFAULT '' CHECK (length(point) <= 50),
    house_number TEXT NOT NULL DEFAULT '' CHECK (length(house_number) <= 30),
    kind TEXT NOT NULL CHECK (kind IN ('registered', 'resident', 'floating', 'collective')),
    head_id BIGINT REFERENCES residents (id),
    formed_on {{date}},
    dissolved_on {{date}},
    revision BIGINT NOT NULL DEFAULT 1,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    UNIQUE (community_code, number)
);

-- The resident's registry fields. gender '1' male, '2' female (GB/T 2261.1), from the ID
-- number when there is one; relation to the head as GB/T 4761 codes; ethnicity as GB 3304
-- codes. residence: registered (户籍, living here), resident (常住, registered elsewhere,
-- here six months or more), floating (流动人口). status: present, moved_out, dead; left_on is
-- the day they left the registry's count. Anonymised people keep their row (cases and
-- payments point at it) without anything that names them.
ALTER TABLE residents ADD COLUMN household_id BIGINT REFERENCES households (id);
ALTER TABLE residents ADD COLUMN relation TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN gender TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', '1', '2'));
ALTER TABLE residents ADD COLUMN birth_date {{date}};
ALTER TABLE residents ADD COLUMN ethnicity TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN education TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN employment TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN residence TEXT NOT NULL DEFAULT 'registered'
    CHECK (residence IN ('registered', 'resident', 'floating'));
ALTER TABLE residents ADD COLUMN status TEXT NOT NULL DEFAULT 'present'
    CHECK (status IN ('present', 'moved_out', 'dead'));
ALTER TABLE residents ADD COLUMN arrived_on {{date}};
ALTER TABLE residents ADD COLUMN left_on {{date}};
-- 残疾: category (1 视力 … 7 多重) and grade (1 - 4), as "3-2"; '' for none
ALTER TABLE residents ADD COLUMN disability TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN anonymised_at {{ts}};

CREATE INDEX residents_household ON residents (household_id);
-- the registry's search: names from their start, the last four digits of an ID number or
-- phone (expression indexes the search's conditions name exactly)
CREATE INDEX residents_name ON residents (name {{collate_c}});
CREATE INDEX residents_id_tail ON residents ((substr(id_number, 15)));
CREATE INDEX residents_phone_tail ON residents ((substr(phone, 8)));
-- likely duplicates: the same name and birth date in a community
CREATE INDEX residents_birth ON residents (community_code, birth_date, name);

-- A household's history: who came and left, and how (迁入, 迁出, 出生, 死亡, 分户, 合户).
CREATE TABLE household_moves (
    id {{pk}},
    household_id BIGINT NOT NULL REFERENCES households (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    kind TEXT NOT NULL CHECK (kind IN ('move_in', 'move_out', 'birth', 'death', 'split',
        'merge')),
    on_date {{date}} NOT NULL,
    reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
    created_at {{ts}} NOT NULL
);
CREATE INDEX household_moves_household ON household_moves (household_id, on_date);
CREATE INDEX household_moves_resident ON household_moves (resident_id, on_date);

-- Imports checked and waiting for the person's confirmation: the file as uploaded, what the
-- person mapped its columns to, and for whom. Removed when confirmed, or after a day.
CREATE TABLE registry_imports (
    id {{pk}},
    token TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    community_code TEXT NOT NULL REFERENCES divisions (code),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content {{blob}} NOT NULL,
    mapping TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL
);

-- Who saw a full ID number or phone, of whom, and why (PIPL): kept apart from the audit
-- chain, for the period the district sets, then removed by `shequ maintenance`.
CREATE TABLE access_log (
    id {{pk}},
    at {{ts}} NOT NULL,
    user_id BIGINT REFERENCES users (id),
    username TEXT NOT NULL,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    community_code TEXT NOT NULL,
    fields TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 200)
);
CREATE INDEX access_log_resident ON access_log (resident_id, at);
CREATE INDEX access_log_at ON access_log (at);

-- The registry's settings: years after which people who moved out or died are anonymised,
-- days the access log is kept, and the share (in percent) by which the registry's count may
-- differ from the statistical population before it is flagged.
INSERT INTO settings (key, value) VALUES ('registry.retention_years', '5');
INSERT INTO settings (key, value) VALUES ('registry.access_log_days', '1095');
INSERT INTO settings (key, value) VALUES ('registry.population_flag_pct', '5');
-- which population per-capita funding uses: 'statistical' or 'registry'
INSERT INTO settings (key, value) VALUES ('registry.funding_population', 'statistical');
