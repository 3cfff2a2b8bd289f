-- Service-centre construction: the standard (versioned data), yearly coverage targets, one
-- centre project per community with its facility checklist, acceptance inspections and the
-- acceptance reward each passed centre is owed.
-- Areas are kept in dm² (hundredths of a square metre), money in fen: both integers.

-- The standard "一厅七站七室两栏一校一场地" plus barrier-free facilities, as data. A version
-- applies from its effective year until the next version's.
CREATE TABLE centre_standards (
    id {{pk}},
    name TEXT NOT NULL,
    effective_year INTEGER NOT NULL UNIQUE CHECK (effective_year BETWEEN 1949 AND 2200),
    -- floor-area norm by construction mode; NULL: no norm for that mode
    area_new_dm2 BIGINT CHECK (area_new_dm2 >= 0),
    area_renovation_dm2 BIGINT CHECK (area_renovation_dm2 >= 0),
    area_integrated_dm2 BIGINT CHECK (area_integrated_dm2 >= 0),
    -- the one-off acceptance reward by mode
    reward_new_fen BIGINT NOT NULL CHECK (reward_new_fen >= 0),
    reward_renovation_fen BIGINT NOT NULL CHECK (reward_renovation_fen >= 0),
    reward_integrated_fen BIGINT NOT NULL CHECK (reward_integrated_fen >= 0),
    note TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);

CREATE TABLE centre_standard_items (
    id {{pk}},
    standard_id BIGINT NOT NULL REFERENCES centre_standards (id),
    category TEXT NOT NULL CHECK (category IN ('hall', 'station', 'room', 'board', 'school',
        'field', 'barrier_free')),
    name TEXT NOT NULL,
    required {{bool}} NOT NULL,
    min_area_dm2 BIGINT CHECK (min_area_dm2 >= 0),
    position INTEGER NOT NULL,
    UNIQUE (standard_id, name)
);

-- Share of communities with a finished centre by the end of a year: for the district
-- (town_code '') and, where set, per town.
CREATE TABLE coverage_targets (
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    town_code TEXT NOT NULL DEFAULT '',
    target_pct INTEGER NOT NULL CHECK (target_pct BETWEEN 0 AND 100),
    updated_at {{ts}} NOT NULL,
    PRIMARY KEY (year, town_code)
) {{without_rowid}};

-- One centre per community. It stays with its community after a merge; coverage counts it
-- under the successor from the merge date.
CREATE TABLE centre_projects (
    id {{pk}},
    community_code TEXT NOT NULL UNIQUE REFERENCES divisions (code),
    standard_id BIGINT NOT NULL REFERENCES centre_standards (id),
    mode TEXT NOT NULL CHECK (mode IN ('new', 'renovation', 'integrated')),
    blocking_reason TEXT NOT NULL DEFAULT '',
    pilot {{bool}} NOT NULL DEFAULT FALSE,
    pilot_year INTEGER,
    planned_start {{date}},
    planned_completion {{date}},
    actual_start {{date}},
    actual_completion {{date}},
    -- the date of the passed inspection
    accepted_on {{date}},
    floor_area_dm2 BIGINT CHECK (floor_area_dm2 >= 0),
    invest_district_fen BIGINT NOT NULL DEFAULT 0 CHECK (invest_district_fen >= 0),
    invest_town_fen BIGINT NOT NULL DEFAULT 0 CHECK (invest_town_fen >= 0),
    invest_village_fen BIGINT NOT NULL DEFAULT 0 CHECK (invest_village_fen >= 0),
    invest_donation_fen BIGINT NOT NULL DEFAULT 0 CHECK (invest_donation_fen >= 0),
    status TEXT NOT NULL CHECK (status IN ('planned', 'under_construction', 'completed',
        'accepted', 'failed', 'rectifying')),
    note TEXT NOT NULL DEFAULT '',
    review_note TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT,
    reviewed_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CHECK (mode <> 'integrated' OR blocking_reason <> ''),
    CHECK (pilot = FALSE OR pilot_year IS NOT NULL),
    CHECK (actual_completion IS NULL OR actual_start IS NULL OR actual_completion >= actual_start),
    CHECK (status IN ('planned', 'under_construction') OR actual_completion IS NOT NULL)
);
CREATE INDEX centre_projects_standard ON centre_projects (standard_id);

-- The facility checklist of a project against its standard's items.
CREATE TABLE centre_checklist (
    project_id BIGINT NOT NULL REFERENCES centre_projects (id),
    item_id BIGINT NOT NULL REFERENCES centre_standard_items (id),
    present {{bool}} NOT NULL,
    area_dm2 BIGINT CHECK (area_dm2 >= 0),
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, item_id)
) {{without_rowid}};
CREATE INDEX centre_checklist_item ON centre_checklist (item_id);

-- Acceptance inspections (达标验收). The checklist result is kept as computed at the time,
-- so a later edit of the standard does not rewrite history.
CREATE TABLE centre_inspections (
    id {{pk}},
    project_id BIGINT NOT NULL REFERENCES centre_projects (id),
    inspected_on {{date}} NOT NULL,
    inspectors TEXT NOT NULL,
    passed {{bool}} NOT NULL,
    reasons TEXT NOT NULL DEFAULT '',
    result_json TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX centre_inspections_project ON centre_inspections (project_id, inspected_on);

-- The acceptance reward a centre is owed: at most one per centre, whatever happens
-- (the UNIQUE key, not the application, is the guarantee). The funding domain pays it.
CREATE TABLE centre_rewards (
    id {{pk}},
    project_id BIGINT NOT NULL UNIQUE REFERENCES centre_projects (id),
    inspection_id BIGINT NOT NULL REFERENCES centre_inspections (id),
    community_code TEXT NOT NULL REFERENCES divisions (code),
    mode TEXT NOT NULL CHECK (mode IN ('new', 'renovation', 'integrated')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    status TEXT NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'paid')),
    created_at {{ts}} NOT NULL
);
