-- Self-government and mutual aid: meetings with topics announced in advance, representatives
-- and attendance, resolutions and follow-up tasks, proposals, the two notice boards, civil
-- organisations, volunteers and their service, rooms, bookings and activities, and the
-- characteristic-community tags.

-- 学习型 / 活力型 / 服务型 / 温馨型, awarded by the district.
CREATE TABLE community_tags (
    community_code TEXT NOT NULL REFERENCES divisions (code),
    tag TEXT NOT NULL CHECK (tag IN ('learning', 'vibrant', 'service', 'warm')),
    awarded_on {{date}} NOT NULL,
    PRIMARY KEY (community_code, tag)
) {{without_rowid}};
CREATE INDEX community_tags_tag ON community_tags (tag, community_code);

-- The notice period of each kind of meeting, as data the district may change.
CREATE TABLE notice_rules (
    kind TEXT PRIMARY KEY CHECK (kind IN ('representative_assembly', 'villager_forum',
        'residents_meeting', 'joint_meeting')),
    days INTEGER NOT NULL CHECK (days BETWEEN 0 AND 60),
    enforcement TEXT NOT NULL CHECK (enforcement IN ('warn', 'refuse'))
) {{without_rowid}};
INSERT INTO notice_rules (kind, days, enforcement) VALUES
    ('representative_assembly', 5, 'refuse'),
    ('villager_forum', 7, 'warn'),
    ('residents_meeting', 7, 'warn'),
    ('joint_meeting', 3, 'warn');

-- Rooms and the field of a community's centre. `version` is bumped by every booking: the
-- update takes the row's lock, so two bookings of one room queue and never both pass the
-- overlap check.
CREATE TABLE rooms (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('room', 'field', 'hall', 'school')),
    checklist_item_id BIGINT REFERENCES centre_standard_items (id),
    capacity BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    barrier_free {{bool}} NOT NULL DEFAULT FALSE,
    active {{bool}} NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 0,
    CHECK (opens < closes),
    UNIQUE (community_code, name)
);

-- Civil organisations: registered (credit code and certificate) or filed (备案).
CREATE TABLE organisations (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('economic', 'charity', 'social_service',
        'culture_sports', 'elderly', 'volunteer', 'other')),
    standing TEXT NOT NULL CHECK (standing IN ('registered', 'filed')),
    credit_code TEXT UNIQUE,
    certificate_no TEXT,
    founded_on {{date}} NOT NULL,
    leader TEXT NOT NULL,
    members BIGINT NOT NULL CHECK (members BETWEEN 1 AND 100000),
    status TEXT NOT NULL CHECK (status IN ('active', 'dormant', 'dissolved')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CHECK (standing = 'filed' OR (credit_code IS NOT NULL AND certificate_no IS NOT NULL)),
    UNIQUE (community_code, name)
);
CREATE INDEX organisations_kind ON organisations (kind, standing);

CREATE TABLE organisation_reviews (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    result TEXT NOT NULL CHECK (result IN ('pass', 'basic', 'fail')),
    note TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL,
    PRIMARY KEY (organisation_id, year)
) {{without_rowid}};

-- Bookings of a room; a weekly series shares `series_id`. Cancelled ones keep their row.
CREATE TABLE booking_series (
    id {{pk}},
    room_id BIGINT NOT NULL REFERENCES rooms (id),
    first_on {{date}} NOT NULL,
    until_on {{date}} NOT NULL,
    interval_weeks INTEGER NOT NULL CHECK (interval_weeks BETWEEN 1 AND 4),
    created_at {{ts}} NOT NULL
);

CREATE TABLE bookings (
    id {{pk}},
    room_id BIGINT NOT NULL REFERENCES rooms (id),
    series_id BIGINT REFERENCES booking_series (id),
    title TEXT NOT NULL,
    organiser TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id),
    starts_at {{ts}} NOT NULL,
    ends_at {{ts}} NOT NULL,
    cancelled_at {{ts}},
    cancel_reason TEXT,
    created_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    CHECK (starts_at < ends_at)
);
CREATE INDEX bookings_room_time ON bookings (room_id, starts_at) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_series ON bookings (series_id);

-- Activities on the community's calendar (a room's booking when held in one).
CREATE TABLE activities (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    kind TEXT NOT NULL CHECK (kind IN ('calligraphy', 'performance', 'fitness_dance',
        'chess_cards', 'sports', 'education', 'volunteer', 'party', 'other')),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    starts_at {{ts}} NOT NULL,
    ends_at {{ts}} NOT NULL,
    room_id BIGINT REFERENCES rooms (id),
    booking_id BIGINT REFERENCES bookings (id),
    place TEXT NOT NULL DEFAULT '',
    organiser TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id),
    participants BIGINT CHECK (participants IS NULL OR participants BETWEEN 0 AND 100000),
    cancelled {{bool}} NOT NULL DEFAULT FALSE,
    updated_at {{ts}} NOT NULL,
    CHECK (starts_at < ends_at)
);
CREATE INDEX activities_community ON activities (community_code, starts_at);
CREATE INDEX activities_kind ON activities (kind, starts_at);

-- Villager (residents') representatives: the list an assembly's quorum counts against.
CREATE TABLE representatives (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    name TEXT NOT NULL,
    resident_id BIGINT REFERENCES residents (id),
    group_name TEXT NOT NULL DEFAULT '',
    active {{bool}} NOT NULL DEFAULT TRUE,
    UNIQUE (community_code, name)
);

-- Meetings of a community, or of the district (joint meetings: the district's code).
CREATE TABLE meetings (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    kind TEXT NOT NULL CHECK (kind IN ('representative_assembly', 'villager_forum',
        'residents_meeting', 'joint_meeting')),
    title TEXT NOT NULL,
    starts_at {{ts}} NOT NULL,
    ends_at {{ts}} NOT NULL,
    room_id BIGINT REFERENCES rooms (id),
    booking_id BIGINT REFERENCES bookings (id),
    place TEXT NOT NULL DEFAULT '',
    -- attendance: assemblies count representatives (list size kept as at the roll call),
    -- forums a head count
    list_size BIGINT,
    present BIGINT,
    attendee_names TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    -- called off (its room freed): kept, shown as cancelled
    cancelled_at {{ts}},
    cancel_reason TEXT,
    created_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CHECK (starts_at < ends_at),
    CHECK (present IS NULL OR present >= 0),
    CHECK (list_size IS NULL OR present IS NULL OR present <= list_size)
);
CREATE INDEX meetings_community ON meetings (community_code, starts_at);

CREATE TABLE meeting_attendance (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    representative_id BIGINT NOT NULL REFERENCES representatives (id),
    PRIMARY KEY (meeting_id, representative_id)
) {{without_rowid}};

-- Topics (议题), announced before the meeting; `short_days` records a late announcement
-- published under a warning.
CREATE TABLE meeting_topics (
    id {{pk}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    published_at {{ts}} NOT NULL,
    short_days BIGINT,
    proposal_id BIGINT
);
CREATE INDEX meeting_topics_meeting ON meeting_topics (meeting_id);

CREATE TABLE resolutions (
    id {{pk}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    topic_id BIGINT REFERENCES meeting_topics (id),
    text TEXT NOT NULL,
    votes_for BIGINT NOT NULL CHECK (votes_for >= 0),
    votes_against BIGINT NOT NULL CHECK (votes_against >= 0),
    abstentions BIGINT NOT NULL CHECK (abstentions >= 0),
    passed {{bool}} NOT NULL,
    recorded_at {{ts}} NOT NULL
);
CREATE INDEX resolutions_meeting ON resolutions (meeting_id);

CREATE TABLE meeting_tasks (
    id {{pk}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    resolution_id BIGINT REFERENCES resolutions (id),
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on {{date}} NOT NULL,
    done_on {{date}}
);
CREATE INDEX meeting_tasks_meeting ON meeting_tasks (meeting_id);

-- Proposals (建言献策) and their public answer.
CREATE TABLE proposals (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    source TEXT NOT NULL CHECK (source IN ('resident', 'representative', 'topic')),
    author TEXT NOT NULL,
    resident_id BIGINT REFERENCES residents (id),
    representative_id BIGINT REFERENCES representatives (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('received', 'under_study', 'adopted',
        'partly_adopted', 'not_adopted', 'implemented')),
    meeting_id BIGINT REFERENCES meetings (id),
    answer TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    received_on {{date}} NOT NULL,
    answered_on {{date}},
    implemented_on {{date}},
    updated_at {{ts}} NOT NULL,
    CHECK (status <> 'not_adopted' OR reason <> ''),
    CHECK ((answered_on IS NULL) = (status IN ('received', 'under_study')))
);
CREATE INDEX proposals_community ON proposals (community_code, received_on);

-- The two boards (两栏): 村务公开栏 (openness) and 宣传栏 (publicity).
CREATE TABLE notices (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    board TEXT NOT NULL CHECK (board IN ('openness', 'publicity')),
    category TEXT NOT NULL CHECK (category IN ('finance', 'decision', 'affairs', 'policy',
        'culture', 'health', 'other')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    publish_on {{date}} NOT NULL,
    expire_on {{date}},
    -- taken down before its time: off the boards and the feed, kept for the record
    withdrawn_at {{ts}},
    created_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CHECK (expire_on IS NULL OR expire_on >= publish_on)
);
CREATE INDEX notices_community ON notices (community_code, publish_on);

-- Volunteers (义工, 志愿者) and their service.
CREATE TABLE volunteers (
    id {{pk}},
    community_code TEXT NOT NULL REFERENCES divisions (code),
    name TEXT NOT NULL,
    resident_id BIGINT REFERENCES residents (id),
    phone TEXT NOT NULL DEFAULT '',
    skills TEXT NOT NULL DEFAULT '',
    party_member {{bool}} NOT NULL DEFAULT FALSE,
    organisation_id BIGINT REFERENCES organisations (id),
    joined_on {{date}} NOT NULL,
    active {{bool}} NOT NULL DEFAULT TRUE
);
CREATE INDEX volunteers_community ON volunteers (community_code, name);
CREATE INDEX volunteers_organisation ON volunteers (organisation_id);

CREATE TABLE service_records (
    id {{pk}},
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    community_code TEXT NOT NULL REFERENCES divisions (code),
    organisation_id BIGINT REFERENCES organisations (id),
    activity_id BIGINT REFERENCES activities (id),
    served_on {{date}} NOT NULL,
    description TEXT NOT NULL,
    tenths BIGINT NOT NULL CHECK (tenths BETWEEN 1 AND 240),
    verified_by TEXT,
    verified_at {{ts}},
    created_by TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    CHECK ((verified_by IS NULL) = (verified_at IS NULL))
);
CREATE INDEX service_records_volunteer ON service_records (volunteer_id, served_on);
CREATE INDEX service_records_community ON service_records (community_code, served_on);
