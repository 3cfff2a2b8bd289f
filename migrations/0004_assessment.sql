-- Community work guidelines (社区工作指引) and district templates, assessment rounds that bundle
-- them so one visit covers every department's indicators, score sheets per community.
-- Points are kept in tenths (x10) so half points stay integers.

-- A guideline version. Versions of one guideline share a family; a published version is
-- read-only, a change makes the next version. department_id NULL: a district template
-- (e.g. the harmonious-community template).
CREATE TABLE guidelines (
    id {{pk}},
    family TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    department_id BIGINT REFERENCES departments (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    -- the subsidy rule: an amount per community ('fixed') or per permanent resident
    -- ('per_capita'), or none; the score (percent of the maximum) turns into money: all of
    -- it at or above full_at, none below zero_below, linear in between
    subsidy_basis TEXT NOT NULL CHECK (subsidy_basis IN ('none', 'fixed', 'per_capita')),
    subsidy_fen BIGINT NOT NULL CHECK (subsidy_fen >= 0),
    full_at INTEGER NOT NULL CHECK (full_at BETWEEN 0 AND 100),
    zero_below INTEGER NOT NULL CHECK (zero_below BETWEEN 0 AND 100),
    created_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    published_at {{ts}},
    UNIQUE (family, version),
    CHECK (zero_below <= full_at),
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);

-- Work items: content, requirements and standard.
CREATE TABLE guideline_items (
    id {{pk}},
    guideline_id BIGINT NOT NULL REFERENCES guidelines (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    requirements TEXT NOT NULL DEFAULT '',
    standard TEXT NOT NULL DEFAULT ''
);
CREATE INDEX guideline_items_guideline ON guideline_items (guideline_id, position);

-- Indicators with their maximum points and scoring method. A deduction indicator is scored
-- by what is deducted from its maximum (never below 0).
CREATE TABLE guideline_indicators (
    id {{pk}},
    guideline_id BIGINT NOT NULL REFERENCES guidelines (id),
    position INTEGER NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    max_x10 BIGINT NOT NULL CHECK (max_x10 > 0),
    method TEXT NOT NULL CHECK (method IN ('material', 'field_visit', 'survey', 'report')),
    deduction {{bool}} NOT NULL,
    UNIQUE (guideline_id, name)
);

-- Titles a template awards: on the whole score, or on one category's.
CREATE TABLE guideline_titles (
    id {{pk}},
    guideline_id BIGINT NOT NULL REFERENCES guidelines (id),
    title TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    min_pct INTEGER NOT NULL CHECK (min_pct BETWEEN 0 AND 100)
);

CREATE TABLE assessment_rounds (
    id {{pk}},
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    name TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('open', 'signed_off')),
    created_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    signed_off_by TEXT,
    signed_off_at {{ts}},
    CHECK ((status = 'signed_off') = (signed_off_at IS NOT NULL))
);

CREATE TABLE round_guidelines (
    round_id BIGINT NOT NULL REFERENCES assessment_rounds (id),
    guideline_id BIGINT NOT NULL REFERENCES guidelines (id),
    PRIMARY KEY (round_id, guideline_id)
);

-- One sheet per community in a round: its self-assessment and the town's review.
CREATE TABLE assessment_sheets (
    id {{pk}},
    round_id BIGINT NOT NULL REFERENCES assessment_rounds (id),
    community_code TEXT NOT NULL REFERENCES divisions (code),
    self_note TEXT NOT NULL DEFAULT '',
    self_by TEXT,
    self_at {{ts}},
    town_note TEXT NOT NULL DEFAULT '',
    town_by TEXT,
    town_at {{ts}},
    UNIQUE (round_id, community_code)
);

-- Per indicator: the community's own points and evidence, and the official points with who
-- gave them and when (for a deduction indicator, the points deducted).
CREATE TABLE assessment_scores (
    sheet_id BIGINT NOT NULL REFERENCES assessment_sheets (id),
    indicator_id BIGINT NOT NULL REFERENCES guideline_indicators (id),
    self_x10 BIGINT CHECK (self_x10 >= 0),
    evidence TEXT NOT NULL DEFAULT '',
    points_x10 BIGINT CHECK (points_x10 >= 0),
    note TEXT NOT NULL DEFAULT '',
    scored_by TEXT,
    scored_at {{ts}},
    PRIMARY KEY (sheet_id, indicator_id)
) {{without_rowid}};

-- Evidence files of a self-assessment (photos, scanned minutes, spreadsheets), kept in the
-- database so a backup holds everything; at most 5 MB each.
CREATE TABLE sheet_attachments (
    id {{pk}},
    sheet_id BIGINT NOT NULL REFERENCES assessment_sheets (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL CHECK (size > 0),
    data {{blob}} NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at {{ts}} NOT NULL
);
CREATE INDEX sheet_attachments_sheet ON sheet_attachments (sheet_id);
