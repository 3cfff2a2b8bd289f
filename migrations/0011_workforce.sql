-- The community workforce beyond the register (issue 15): the district's targets and norms,
-- training, secondments, recruitment, the service hall's duty roster, and assessment
-- indicators the system fills from workforce measures.

-- The district's yearly targets: the share of communities with a certified social worker at
-- the year's end, and the training hours each worker should have in the year.
CREATE TABLE workforce_targets (
    year INTEGER PRIMARY KEY CHECK (year BETWEEN 1949 AND 2200),
    coverage_pct INTEGER NOT NULL CHECK (coverage_pct BETWEEN 0 AND 100),
    training_hours INTEGER NOT NULL CHECK (training_hours BETWEEN 0 AND 1000),
    updated_at {{ts}} NOT NULL
);

-- The district's norms, one row: the posts a community is entitled to (one full-time
-- worker per `per_households` households, never fewer than `minimum`), and the
-- continuing-education hours a certificate's registration period requires.
CREATE TABLE workforce_norms (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    per_households INTEGER NOT NULL CHECK (per_households BETWEEN 1 AND 100000),
    minimum INTEGER NOT NULL CHECK (minimum BETWEEN 0 AND 1000),
    ce_hours INTEGER NOT NULL CHECK (ce_hours BETWEEN 0 AND 1000),
    revision BIGINT NOT NULL DEFAULT 1
);
INSERT INTO workforce_norms (id, per_households, minimum, ce_hours) VALUES (1, 300, 3, 72);

-- Training courses (岗前 / 专题 / 继续教育 / 学历提升, and the exam's preparation course)
-- organised by the district, a town or a community.
CREATE TABLE training_courses (
    id {{pk}},
    title TEXT NOT NULL,
    organiser_code TEXT NOT NULL REFERENCES divisions (code),
    kind TEXT NOT NULL CHECK (kind IN ('induction', 'topical', 'continuing', 'degree',
        'exam_prep')),
    starts_on {{date}} NOT NULL,
    ends_on {{date}} NOT NULL,
    hours INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 2000),
    place TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX training_courses_starts ON training_courses (starts_on);

-- Who is enrolled in a course, and once attendance is recorded the hours credited.
CREATE TABLE training_enrolments (
    course_id BIGINT NOT NULL REFERENCES training_courses (id),
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    hours INTEGER CHECK (hours IS NULL OR hours BETWEEN 0 AND 2000),
    enrolled_at {{ts}} NOT NULL,
    PRIMARY KEY (course_id, worker_id)
) {{without_rowid}};
CREATE INDEX training_enrolments_worker ON training_enrolments (worker_id);

-- 挂职锻炼: a worker serving for a time in another unit.
CREATE TABLE worker_secondments (
    id {{pk}},
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    host TEXT NOT NULL,
    starts_on {{date}} NOT NULL,
    ends_on {{date}} NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL DEFAULT '',
    CHECK (ends_on >= starts_on)
);
CREATE INDEX worker_secondments_worker ON worker_secondments (worker_id);

-- 公开招聘: a round, its posts and their conditions, applicants and their scores.
CREATE TABLE recruitment_rounds (
    id {{pk}},
    title TEXT NOT NULL UNIQUE,
    closes_on {{date}} NOT NULL,
    -- the written test's weight in percent; the interview has the rest
    written_pct INTEGER NOT NULL CHECK (written_pct BETWEEN 0 AND 100),
    created_at {{ts}} NOT NULL
);

CREATE TABLE recruitment_posts (
    id {{pk}},
    round_id BIGINT NOT NULL REFERENCES recruitment_rounds (id),
    unit_code TEXT NOT NULL REFERENCES divisions (code),
    post TEXT NOT NULL,
    places INTEGER NOT NULL CHECK (places BETWEEN 1 AND 100),
    min_education TEXT NOT NULL,
    max_age INTEGER NOT NULL CHECK (max_age BETWEEN 16 AND 70)
);
CREATE INDEX recruitment_posts_round ON recruitment_posts (round_id);

-- Applicants: the district alone sees them. Scores in tenths of a point.
CREATE TABLE recruitment_applicants (
    id {{pk}},
    post_id BIGINT NOT NULL REFERENCES recruitment_posts (id),
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    education TEXT NOT NULL,
    major TEXT NOT NULL DEFAULT '',
    experience TEXT NOT NULL DEFAULT '',
    written_x10 INTEGER CHECK (written_x10 IS NULL OR written_x10 BETWEEN 0 AND 1000),
    interview_x10 INTEGER CHECK (interview_x10 IS NULL OR interview_x10 BETWEEN 0 AND 1000),
    worker_id BIGINT REFERENCES workers (id),
    created_at {{ts}} NOT NULL,
    UNIQUE (post_id, id_number)
);
CREATE INDEX recruitment_applicants_post ON recruitment_applicants (post_id);

-- The service hall's duty roster (值班表): who is on duty in a community on a day, and when.
CREATE TABLE duty_roster (
    community_code TEXT NOT NULL REFERENCES divisions (code),
    on_date {{date}} NOT NULL,
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    PRIMARY KEY (community_code, on_date, worker_id)
) {{without_rowid}};

-- An assessment indicator the system fills from a workforce measure instead of a person
-- typing it: 'certified_worker' (the community has a certified social worker at the round's
-- year end) or 'training_hours' (its workers' average training hours reach the target).
ALTER TABLE guideline_indicators ADD COLUMN measure TEXT
    CHECK (measure IS NULL OR measure IN ('certified_worker', 'training_hours'));

CREATE INDEX worker_certificates_dates ON worker_certificates (obtained_on, worker_id);

-- An account belongs to one worker at most.
CREATE UNIQUE INDEX workers_user ON workers (user_id);

-- The workforce's figures change only when these tables do: every write to them raises one
-- counter, in the writing statement itself (whoever writes: a page, the CLI, another
-- process), and the dashboard keeps what it counted until the counter moves. New divisions
-- (the national import) do not raise it; the dashboard's copies also expire after minutes.
CREATE TABLE workforce_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO workforce_version (id, n) VALUES (1, 0);
-- @sqlite
CREATE TRIGGER workers_v_insert AFTER INSERT ON workers
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workers_v_update AFTER UPDATE ON workers
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workers_v_delete AFTER DELETE ON workers
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER worker_periods_v_insert AFTER INSERT ON worker_periods
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER worker_periods_v_update AFTER UPDATE ON worker_periods
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER worker_periods_v_delete AFTER DELETE ON worker_periods
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER worker_certificates_v_insert AFTER INSERT ON worker_certificates
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER worker_certificates_v_update AFTER UPDATE ON worker_certificates
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER worker_certificates_v_delete AFTER DELETE ON worker_certificates
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER training_courses_v_insert AFTER INSERT ON training_courses
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER training_courses_v_update AFTER UPDATE ON training_courses
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER training_courses_v_delete AFTER DELETE ON training_courses
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER training_enrolments_v_insert AFTER INSERT ON training_enrolments
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER training_enrolments_v_update AFTER UPDATE ON training_enrolments
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER training_enrolments_v_delete AFTER DELETE ON training_enrolments
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workforce_targets_v_insert AFTER INSERT ON workforce_targets
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workforce_targets_v_update AFTER UPDATE ON workforce_targets
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workforce_targets_v_delete AFTER DELETE ON workforce_targets
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workforce_norms_v_insert AFTER INSERT ON workforce_norms
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workforce_norms_v_update AFTER UPDATE ON workforce_norms
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workforce_norms_v_delete AFTER DELETE ON workforce_norms
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER population_snapshots_v_insert AFTER INSERT ON population_snapshots
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER population_snapshots_v_update AFTER UPDATE ON population_snapshots
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER population_snapshots_v_delete AFTER DELETE ON population_snapshots
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER divisions_v_update AFTER UPDATE ON divisions
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER divisions_v_delete AFTER DELETE ON divisions
BEGIN UPDATE workforce_version SET n = n + 1 WHERE id = 1; END;
-- @end
-- @postgres
CREATE FUNCTION workforce_bump() RETURNS trigger AS $$
BEGIN
    UPDATE workforce_version SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workers_v AFTER INSERT OR UPDATE OR DELETE ON workers
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER worker_periods_v AFTER INSERT OR UPDATE OR DELETE ON worker_periods
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER worker_certificates_v AFTER INSERT OR UPDATE OR DELETE ON worker_certificates
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER training_courses_v AFTER INSERT OR UPDATE OR DELETE ON training_courses
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER training_enrolments_v AFTER INSERT OR UPDATE OR DELETE ON training_enrolments
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER workforce_targets_v AFTER INSERT OR UPDATE OR DELETE ON workforce_targets
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER workforce_norms_v AFTER INSERT OR UPDATE OR DELETE ON workforce_norms
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER population_snapshots_v AFTER INSERT OR UPDATE OR DELETE ON population_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
CREATE TRIGGER divisions_v AFTER UPDATE OR DELETE ON divisions
    FOR EACH STATEMENT EXECUTE FUNCTION workforce_bump();
-- @end
