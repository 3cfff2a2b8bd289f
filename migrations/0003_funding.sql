-- Funding ("money follows the work"): budgets, payment batches and their lines, and the
-- money a community receives directly (donations from units, village self-raised funds).
-- Money in fen. A line says in words how it was computed; paid lines are never changed:
-- corrections are reversing lines in a correction batch.

CREATE TABLE budgets (
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    level TEXT NOT NULL CHECK (level IN ('district', 'town', 'village')),
    -- '' for the district; the town's code for a town's budget, the community's for a village's
    unit_code TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL CHECK (category IN ('per_capita', 'guideline', 'construction_reward',
        'donation', 'self_raised')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    note TEXT NOT NULL DEFAULT '',
    updated_at {{ts}} NOT NULL,
    PRIMARY KEY (year, level, unit_code, category),
    CHECK ((level = 'district') = (unit_code = ''))
) {{without_rowid}};

CREATE TABLE payment_batches (
    id {{pk}},
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    kind TEXT NOT NULL CHECK (kind IN ('per_capita', 'construction_reward', 'guideline', 'correction')),
    source_level TEXT NOT NULL CHECK (source_level IN ('district', 'town')),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'paid')),
    -- how the batch was made (rate, population year, cap, entitlement, scale …)
    params_json TEXT NOT NULL,
    -- the guideline and assessment round a subsidy batch pays (its department reads the batch)
    guideline_id BIGINT,
    round_id BIGINT,
    total_fen BIGINT NOT NULL,
    line_count BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    approved_by TEXT,
    approved_at {{ts}},
    paid_by TEXT,
    paid_at {{ts}},
    CHECK ((status = 'draft') = (approved_at IS NULL)),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE INDEX payment_batches_year ON payment_batches (year, kind);
-- One per-capita batch a year and source: a second would pay the same work twice.
CREATE UNIQUE INDEX payment_batches_one_per_capita ON payment_batches (year, source_level)
    WHERE kind = 'per_capita';

CREATE TABLE payment_lines (
    id {{pk}},
    batch_id BIGINT NOT NULL REFERENCES payment_batches (id),
    community_code TEXT NOT NULL REFERENCES divisions (code),
    category TEXT NOT NULL CHECK (category IN ('per_capita', 'construction_reward', 'guideline', 'correction')),
    amount_fen BIGINT NOT NULL,
    -- what the amount was computed from (the permanent population of a per-capita line)
    quantity BIGINT,
    -- how it was computed, in words; empty where the words follow from the numbers (a
    -- per-capita line: rate, population and scale are in its batch's params)
    explanation TEXT NOT NULL,
    -- the acceptance reward this line pays: at most one line ever pays a reward
    reward_id BIGINT REFERENCES centre_rewards (id),
    -- the line this one reverses: a line is reversed at most once
    reverses_id BIGINT REFERENCES payment_lines (id),
    -- what else a line pays exactly once, e.g. a guideline subsidy
    -- ('guideline:{round}:{guideline}:{community}')
    pays TEXT
);
CREATE INDEX payment_lines_batch ON payment_lines (batch_id);
CREATE INDEX payment_lines_community ON payment_lines (community_code);
-- "Once" is a unique index over the lines that carry the key: partial, so the hundreds of
-- thousands of plain per-capita lines add nothing to them.
CREATE UNIQUE INDEX payment_lines_reward_once ON payment_lines (reward_id) WHERE reward_id IS NOT NULL;
CREATE UNIQUE INDEX payment_lines_reversed_once ON payment_lines (reverses_id) WHERE reverses_id IS NOT NULL;
CREATE UNIQUE INDEX payment_lines_paid_once ON payment_lines (pays) WHERE pays IS NOT NULL;

-- Lines are written once. A draft batch's lines may be dropped with it; once approved or
-- paid, never.
-- @sqlite
CREATE TRIGGER payment_lines_no_update BEFORE UPDATE ON payment_lines
BEGIN
    SELECT RAISE(ABORT, 'payment lines are never edited');
END;
CREATE TRIGGER payment_lines_delete_draft_only BEFORE DELETE ON payment_lines
WHEN (SELECT status FROM payment_batches WHERE id = OLD.batch_id) <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'lines of an approved or paid batch are never deleted');
END;
-- @end
-- @postgres
CREATE FUNCTION payment_lines_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'payment lines are never edited';
    END IF;
    IF (SELECT status FROM payment_batches WHERE id = OLD.batch_id) <> 'draft' THEN
        RAISE EXCEPTION 'lines of an approved or paid batch are never deleted';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payment_lines_guard BEFORE UPDATE OR DELETE ON payment_lines
    FOR EACH ROW EXECUTE FUNCTION payment_lines_guard();
-- @end

-- Money a community receives directly: donations from units in the community (共驻共建)
-- and the village's own funds.
CREATE TABLE contributions (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    kind TEXT NOT NULL CHECK (kind IN ('donation', 'self_raised')),
    source TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    received_on {{date}} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX contributions_community ON contributions (community_code, year);
