-- One-stop service hall: residents, the service catalogue, cases (办件) with their timeline,
-- the working calendar, convenience-service providers under contract, Open311 clients.

-- Residents the hall serves. The ID number is optional (a walk-in need not give it) and
-- unique when given; tags are keys between commas (',elderly,disabled,') so one LIKE finds
-- a tag on both databases. Sensitive tags (disability, low income) are masked by role in
-- the code that reads them (hall::store::Visibility).
CREATE TABLE residents (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    id_number TEXT UNIQUE CHECK (id_number IS NULL OR length(id_number) = 18),
    phone TEXT CHECK (phone IS NULL OR length(phone) = 11),
    address TEXT NOT NULL DEFAULT '',
    household TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT ',',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE INDEX residents_community ON residents (community_code, name);
CREATE INDEX residents_phone ON residents (phone);

-- The service catalogue (服务事项). code doubles as the Open311 service_code.
CREATE TABLE service_items (
    id {{pk}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL DEFAULT '',
    -- 小事 / 小病 / 求职, shown on their own in the measures
    group_key TEXT NOT NULL CHECK (group_key IN ('small_matter', 'minor_illness', 'job', 'other')),
    kind TEXT NOT NULL CHECK (kind IN ('public', 'convenience', 'mutual_aid')),
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('department', 'community', 'provider_category')),
    department_id BIGINT REFERENCES departments (id),
    provider_category TEXT,
    finish_at TEXT NOT NULL CHECK (finish_at IN ('community', 'town_centre', 'department')),
    time_limit_days BIGINT NOT NULL CHECK (time_limit_days BETWEEN 0 AND 365),
    materials TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    online {{bool}} NOT NULL DEFAULT FALSE,
    active {{bool}} NOT NULL DEFAULT TRUE,
    sort_order BIGINT NOT NULL DEFAULT 0,
    CHECK ((owner_kind = 'department') = (department_id IS NOT NULL)),
    CHECK ((owner_kind = 'provider_category') = (provider_category IS NOT NULL))
);

-- The service catalogue every installation starts with (the district edits it): employment,
-- social insurance, health (小病), disability, low income, family planning, mediation, the
-- report's convenience kinds and the farm-service kinds of 为农服务社, and mutual aid.
INSERT INTO service_items (code, name, name_en, group_key, kind, owner_kind, department_id,
    provider_category, finish_at, time_limit_days, materials, online, sort_order) VALUES
    ('JY-01', '求职登记', 'Job-seeker registration', 'job', 'public', 'department', (SELECT id FROM departments WHERE code = 'laodong'), NULL, 'community', 0, '居民身份证
学历或职业资格证书（如有）', TRUE, 10),
    ('JY-02', '失业登记', 'Unemployment registration', 'job', 'public', 'department', (SELECT id FROM departments WHERE code = 'laodong'), NULL, 'community', 3, '居民身份证
解除或终止劳动合同证明', FALSE, 20),
    ('JY-03', '就业困难人员认定', 'Recognition as hard to employ', 'job', 'public', 'department', (SELECT id FROM departments WHERE code = 'laodong'), NULL, 'town_centre', 10, '居民身份证
失业登记证
困难情况证明', FALSE, 30),
    ('JY-04', '职业技能培训报名', 'Vocational training enrolment', 'job', 'public', 'department', (SELECT id FROM departments WHERE code = 'laodong'), NULL, 'community', 2, '居民身份证', TRUE, 40),
    ('SB-01', '城乡居民养老保险参保登记', 'Residents'' pension insurance enrolment', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'laodong'), NULL, 'community', 5, '居民身份证
户口簿', FALSE, 50),
    ('SB-02', '城乡居民医疗保险参保缴费', 'Residents'' medical insurance enrolment', 'minor_illness', 'public', 'department', (SELECT id FROM departments WHERE code = 'laodong'), NULL, 'community', 3, '居民身份证
户口簿', FALSE, 60),
    ('SB-03', '养老金领取资格认证', 'Pension entitlement check', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'laodong'), NULL, 'community', 0, '居民身份证
社会保障卡', FALSE, 70),
    ('WS-01', '家庭医生签约', 'Family doctor contract', 'minor_illness', 'public', 'department', (SELECT id FROM departments WHERE code = 'weisheng'), NULL, 'community', 1, '居民身份证
社会保障卡', TRUE, 80),
    ('WS-02', '慢病随访', 'Chronic disease follow-up', 'minor_illness', 'public', 'department', (SELECT id FROM departments WHERE code = 'weisheng'), NULL, 'community', 5, '居民身份证
既往病历', TRUE, 90),
    ('WS-03', '老年人免费健康体检预约', 'Free health check for the elderly', 'minor_illness', 'public', 'department', (SELECT id FROM departments WHERE code = 'weisheng'), NULL, 'community', 3, '居民身份证', TRUE, 100),
    ('WS-04', '预防接种预约', 'Vaccination appointment', 'minor_illness', 'public', 'department', (SELECT id FROM departments WHERE code = 'weisheng'), NULL, 'community', 2, '预防接种证', TRUE, 110),
    ('CL-01', '残疾人证申领', 'Disability certificate', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'canlian'), NULL, 'department', 20, '居民身份证
户口簿
近期免冠照片两张
医院诊断证明', FALSE, 120),
    ('CL-02', '残疾人辅助器具申请', 'Assistive devices for the disabled', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'canlian'), NULL, 'town_centre', 15, '残疾人证
居民身份证', FALSE, 130),
    ('MZ-01', '最低生活保障申请', 'Minimum living allowance', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'minzheng'), NULL, 'town_centre', 30, '居民身份证
户口簿
家庭收入证明
家庭财产申报表', FALSE, 140),
    ('MZ-02', '临时救助申请', 'Temporary assistance', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'minzheng'), NULL, 'town_centre', 10, '居民身份证
困难情况说明', FALSE, 150),
    ('MZ-03', '高龄津贴申领', 'Old-age allowance', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'minzheng'), NULL, 'community', 10, '居民身份证
户口簿
银行卡', FALSE, 160),
    ('JS-01', '生育服务登记', 'Birth service registration', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'jisheng'), NULL, 'community', 3, '夫妻双方居民身份证
结婚证
户口簿', TRUE, 170),
    ('JS-02', '独生子女父母光荣证申领', 'One-child parents'' certificate', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'jisheng'), NULL, 'town_centre', 10, '夫妻双方居民身份证
结婚证
子女出生医学证明', FALSE, 180),
    ('JS-03', '流动人口婚育证明', 'Marriage and childbearing certificate for migrants', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'jisheng'), NULL, 'community', 3, '居民身份证
结婚证', FALSE, 190),
    ('SF-01', '民间纠纷调解', 'Mediation of disputes', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'sifa'), NULL, 'community', 15, '当事人身份证明
纠纷情况说明', TRUE, 200),
    ('SF-02', '法律援助申请', 'Legal aid', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'sifa'), NULL, 'department', 7, '居民身份证
经济困难证明
案件材料', FALSE, 210),
    ('GA-01', '流动人口居住登记', 'Residence registration for migrants', 'small_matter', 'public', 'department', (SELECT id FROM departments WHERE code = 'gongan'), NULL, 'community', 1, '居民身份证
住所证明', FALSE, 220),
    ('SQ-01', '居住情况证明', 'Certificate of residence', 'small_matter', 'public', 'community', NULL, NULL, 'community', 0, '居民身份证
户口簿', FALSE, 230),
    ('SQ-02', '社区事务咨询', 'Community enquiries', 'small_matter', 'public', 'community', NULL, NULL, 'community', 0, '', TRUE, 240),
    ('BM-01', '中介服务', 'Agency services', 'small_matter', 'convenience', 'provider_category', NULL, 'agency', 'community', 3, '', TRUE, 250),
    ('BM-02', '家政服务', 'Housekeeping', 'small_matter', 'convenience', 'provider_category', NULL, 'housekeeping', 'community', 2, '', TRUE, 260),
    ('BM-03', '水气换送', 'Water and gas delivery', 'small_matter', 'convenience', 'provider_category', NULL, 'water_gas', 'community', 1, '', TRUE, 270),
    ('BM-04', '电器维修', 'Appliance repair', 'small_matter', 'convenience', 'provider_category', NULL, 'appliance_repair', 'community', 3, '', TRUE, 280),
    ('BM-05', '法律咨询', 'Legal advice', 'small_matter', 'convenience', 'provider_category', NULL, 'legal_advice', 'community', 5, '', TRUE, 290),
    ('BM-06', '管道疏通', 'Drain clearing', 'small_matter', 'convenience', 'provider_category', NULL, 'drain', 'community', 1, '', TRUE, 300),
    ('BM-07', '锁匙启修', 'Locksmith', 'small_matter', 'convenience', 'provider_category', NULL, 'locksmith', 'community', 0, '', TRUE, 310),
    ('BM-08', '机船票订购', 'Air and boat tickets', 'small_matter', 'convenience', 'provider_category', NULL, 'tickets', 'community', 2, '居民身份证', TRUE, 320),
    ('NF-01', '农资供应', 'Farm supplies', 'small_matter', 'convenience', 'provider_category', NULL, 'agri_supply', 'community', 2, '', TRUE, 330),
    ('NF-02', '农技农科咨询', 'Farming advice', 'small_matter', 'convenience', 'provider_category', NULL, 'agri_advice', 'community', 3, '', TRUE, 340),
    ('NF-03', '水利设施维护', 'Irrigation upkeep', 'small_matter', 'convenience', 'provider_category', NULL, 'irrigation', 'community', 5, '', FALSE, 350),
    ('NF-04', '农机小农具修配', 'Farm tool repair', 'small_matter', 'convenience', 'provider_category', NULL, 'farm_tools', 'community', 3, '', TRUE, 360),
    ('HZ-01', '党员志愿服务预约', 'Party-member volunteer service', 'small_matter', 'mutual_aid', 'community', NULL, NULL, 'community', 3, '', TRUE, 370),
    ('HZ-02', '邻里互助', 'Neighbourly help', 'small_matter', 'mutual_aid', 'community', NULL, NULL, 'community', 2, '', TRUE, 380);

-- Public holidays and the weekend days worked in exchange (调休), per the State Council's
-- yearly schedule; every other day is a working day Monday to Friday.
CREATE TABLE calendar_days (
    day {{date}} PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
);

-- Providers under contract (the foundation created the table with its name only).
ALTER TABLE providers ADD COLUMN credit_code TEXT;
ALTER TABLE providers ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN categories TEXT NOT NULL DEFAULT ',';
ALTER TABLE providers ADD COLUMN contract_start {{date}};
ALTER TABLE providers ADD COLUMN contract_end {{date}};
ALTER TABLE providers ADD COLUMN terms TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN price_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE providers ADD COLUMN rating_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN complaints BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX providers_credit_code ON providers (credit_code);

CREATE TABLE provider_communities (
    provider_id BIGINT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    community_code TEXT NOT NULL REFERENCES divisions (code),
    PRIMARY KEY (provider_id, community_code)
) {{without_rowid}};
CREATE INDEX provider_communities_community ON provider_communities (community_code);

-- Case numbers run per community and year.
CREATE TABLE case_counters (
    community_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (community_code, year)
) {{without_rowid}};

-- Cases (办件). Dates are the district's calendar days; due_on is counted in working days
-- from acceptance. handling_days (working days from acceptance to completion) is written at
-- completion, so the measures need no calendar.
CREATE TABLE cases (
    id {{pk}},
    number TEXT NOT NULL UNIQUE,
    community_code TEXT NOT NULL REFERENCES divisions (code),
    item_id BIGINT NOT NULL REFERENCES service_items (id),
    resident_id BIGINT REFERENCES residents (id),
    applicant_name TEXT NOT NULL,
    applicant_phone TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL CHECK (channel IN ('window', 'online', 'open311')),
    status TEXT NOT NULL CHECK (status IN ('received', 'accepted', 'rejected', 'in_progress',
        'referred', 'completed')),
    description TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    received_at {{ts}} NOT NULL,
    received_on {{date}} NOT NULL,
    accepted_on {{date}},
    due_on {{date}},
    reject_reason TEXT,
    referred_kind TEXT CHECK (referred_kind IN ('town_centre', 'department', 'provider')),
    referred_department_id BIGINT REFERENCES departments (id),
    provider_id BIGINT REFERENCES providers (id),
    referred_to TEXT,
    referred_deadline {{date}},
    completed_on {{date}},
    finished_in_community {{bool}},
    handling_days BIGINT,
    result TEXT,
    rating BIGINT CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    rating_comment TEXT,
    rated_at {{ts}},
    token TEXT UNIQUE,
    -- who registered it (a user, 'public', an Open311 client): the first timeline entry
    registered_by TEXT NOT NULL DEFAULT '',
    registered_by_id BIGINT,
    updated_at {{ts}} NOT NULL,
    CHECK ((status = 'rejected') = (reject_reason IS NOT NULL)),
    CHECK ((status = 'completed') = (completed_on IS NOT NULL)),
    CHECK (rating IS NULL OR status = 'completed')
);
CREATE INDEX cases_community ON cases (community_code, received_on);
CREATE INDEX cases_item ON cases (item_id, received_on);
CREATE INDEX cases_provider ON cases (provider_id, status);
CREATE INDEX cases_department ON cases (referred_department_id, received_on);
CREATE INDEX cases_phone ON cases (applicant_phone, received_on);
-- the worklists read only the open cases, the overdue counts only those past their deadline
CREATE INDEX cases_open ON cases (community_code, due_on)
    WHERE status IN ('received', 'accepted', 'in_progress', 'referred');
CREATE INDEX cases_overdue ON cases (due_on, community_code, item_id, received_on)
    WHERE status IN ('received', 'accepted', 'in_progress', 'referred');

-- Every step of a case, in order.
CREATE TABLE case_events (
    id {{pk}},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    at {{ts}} NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    step TEXT NOT NULL,
    status_after TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- Measures kept as each case moves, per community, item and year of receipt: the measures
-- page reads these few rows instead of every case. Handling times are counted per working
-- day up to 20 and in one bucket beyond (h21), enough for an exact median up to 20 days.
CREATE TABLE case_stats (
    community_code TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    completed BIGINT NOT NULL DEFAULT 0,
    in_community BIGINT NOT NULL DEFAULT 0,
    late BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    stars BIGINT NOT NULL DEFAULT 0,
    days_sum BIGINT NOT NULL DEFAULT 0,
    h0 BIGINT NOT NULL DEFAULT 0, h1 BIGINT NOT NULL DEFAULT 0, h2 BIGINT NOT NULL DEFAULT 0,
    h3 BIGINT NOT NULL DEFAULT 0, h4 BIGINT NOT NULL DEFAULT 0, h5 BIGINT NOT NULL DEFAULT 0,
    h6 BIGINT NOT NULL DEFAULT 0, h7 BIGINT NOT NULL DEFAULT 0, h8 BIGINT NOT NULL DEFAULT 0,
    h9 BIGINT NOT NULL DEFAULT 0, h10 BIGINT NOT NULL DEFAULT 0, h11 BIGINT NOT NULL DEFAULT 0,
    h12 BIGINT NOT NULL DEFAULT 0, h13 BIGINT NOT NULL DEFAULT 0, h14 BIGINT NOT NULL DEFAULT 0,
    h15 BIGINT NOT NULL DEFAULT 0, h16 BIGINT NOT NULL DEFAULT 0, h17 BIGINT NOT NULL DEFAULT 0,
    h18 BIGINT NOT NULL DEFAULT 0, h19 BIGINT NOT NULL DEFAULT 0, h20 BIGINT NOT NULL DEFAULT 0,
    h21 BIGINT NOT NULL DEFAULT 0,
    -- a year's rows are one range, a town's or a community's a range within it
    PRIMARY KEY (year, community_code, item_id)
) {{without_rowid}};

-- A new case starts its timeline, takes its number in the community's yearly sequence and
-- counts as received, in the statement that inserts it: registering is one INSERT, so the
-- writer holds SQLite's lock for as short a time as possible.
-- @sqlite
CREATE TRIGGER cases_registered AFTER INSERT ON cases
BEGIN
    INSERT INTO case_events (case_id, at, actor_id, actor_name, step, status_after, note)
    VALUES (NEW.id, NEW.received_at, NEW.registered_by_id, NEW.registered_by,
        CASE WHEN NEW.channel = 'window' THEN 'register' ELSE 'submit' END, NEW.status, '');
    INSERT INTO case_counters (community_code, year, last_seq)
    VALUES (NEW.community_code, CAST(substr(NEW.received_on, 1, 4) AS INTEGER),
        CAST(substr(NEW.number, 19) AS INTEGER))
    ON CONFLICT (community_code, year)
    DO UPDATE SET last_seq = max(last_seq, excluded.last_seq);
    INSERT INTO case_stats (community_code, item_id, year, received)
    VALUES (NEW.community_code, NEW.item_id, CAST(substr(NEW.received_on, 1, 4) AS INTEGER), 1)
    ON CONFLICT (community_code, item_id, year) DO UPDATE SET received = received + 1;
END;
-- @end
-- @postgres
CREATE FUNCTION cases_registered() RETURNS trigger AS $$
BEGIN
    INSERT INTO case_events (case_id, at, actor_id, actor_name, step, status_after, note)
    VALUES (NEW.id, NEW.received_at, NEW.registered_by_id, NEW.registered_by,
        CASE WHEN NEW.channel = 'window' THEN 'register' ELSE 'submit' END, NEW.status, '');
    INSERT INTO case_counters (community_code, year, last_seq)
    VALUES (NEW.community_code, EXTRACT(YEAR FROM NEW.received_on)::INTEGER,
        CAST(substr(NEW.number, 19) AS BIGINT))
    ON CONFLICT (community_code, year)
    DO UPDATE SET last_seq = GREATEST(case_counters.last_seq, excluded.last_seq);
    INSERT INTO case_stats (community_code, item_id, year, received)
    VALUES (NEW.community_code, NEW.item_id, EXTRACT(YEAR FROM NEW.received_on)::INTEGER, 1)
    ON CONFLICT (community_code, item_id, year)
    DO UPDATE SET received = case_stats.received + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_registered AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_registered();
-- @end

-- Third-party Open311 clients: the api_key they send with POST, stored as a hash.
CREATE TABLE open311_clients (
    id {{pk}},
    label TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at {{ts}} NOT NULL,
    revoked {{bool}} NOT NULL DEFAULT FALSE
);

-- Installation settings kept in the database (the signing key of public forms).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) {{without_rowid}};
