-- The community workforce (社区工作者队伍, issue 15): the register of community workers, the
-- periods each serves in a community (or a town's or the district's office) as what, and
-- their certificates. Age is never stored: it follows from the birth date.

CREATE TABLE workers (
    id {{pk}},
    name TEXT NOT NULL,
    male {{bool}} NOT NULL,
    -- GB 11643, when given: the birth date and sex are read from it
    id_number TEXT UNIQUE,
    birth_date {{date}} NOT NULL,
    education TEXT NOT NULL CHECK (education IN ('junior', 'senior', 'college', 'bachelor',
        'postgraduate')),
    political TEXT NOT NULL CHECK (political IN ('party', 'probationary', 'league',
        'democratic', 'masses')),
    phone TEXT NOT NULL DEFAULT '',
    -- monthly, in fen: the district and the worker's own town see it
    pay_fen BIGINT CHECK (pay_fen IS NULL OR pay_fen BETWEEN 0 AND 10000000),
    contract_end {{date}},
    user_id BIGINT REFERENCES users (id),
    revision BIGINT NOT NULL DEFAULT 1,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);

-- One row per period; the one without an end is the current. A worker who moves community
-- keeps one record with two periods.
CREATE TABLE worker_periods (
    id {{pk}},
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    unit_code TEXT NOT NULL REFERENCES divisions (code),
    post TEXT NOT NULL CHECK (post IN ('secretary', 'director', 'deputy_director', 'member',
        'full_time_worker', 'assistant', 'other')),
    employment TEXT NOT NULL CHECK (employment IN ('full_time', 'part_time', 'public_welfare',
        'elected', 'seconded')),
    start_on {{date}} NOT NULL,
    end_on {{date}},
    CHECK (end_on IS NULL OR end_on >= start_on)
);
CREATE INDEX worker_periods_unit ON worker_periods (unit_code, end_on);
CREATE INDEX worker_periods_worker ON worker_periods (worker_id, start_on);

-- 社会工作者职业资格 (助理社会工作师 / 社会工作师 / 高级社会工作师) and other certificates.
CREATE TABLE worker_certificates (
    id {{pk}},
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    level TEXT NOT NULL CHECK (level IN ('assistant', 'social_worker', 'senior', 'other')),
    number TEXT NOT NULL,
    obtained_on {{date}} NOT NULL,
    registered_until {{date}},
    CHECK (registered_until IS NULL OR registered_until >= obtained_on),
    UNIQUE (level, number)
);
CREATE INDEX worker_certificates_worker ON worker_certificates (worker_id);
