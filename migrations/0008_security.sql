-- Trust by construction (issue 12): what the public may read of a case, single-use form
-- stamps, the per-phone daily quota held in one row, and sign-in throttles per account name
-- and client address.

-- What the public may read of a case (Open311's `description`): written by staff, never the
-- applicant's own words, address or position.
ALTER TABLE cases ADD COLUMN public_description TEXT NOT NULL DEFAULT '';

-- A public form's stamp is good once; stamps older than a form may be are swept.
CREATE TABLE form_stamps (
    stamp TEXT PRIMARY KEY,
    used_at {{ts}} NOT NULL
) {{without_rowid}};
CREATE INDEX form_stamps_used_at ON form_stamps (used_at);

-- Public requests per phone and day, counted in the transaction of each request: the row's
-- lock makes concurrent requests from one phone queue, so the limit holds under a race.
CREATE TABLE public_request_quota (
    phone TEXT NOT NULL,
    day {{date}} NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (phone, day)
) {{without_rowid}};
CREATE INDEX public_request_quota_day ON public_request_quota (day);

-- Failed sign-ins per account name and client address: growing delays for that address, so
-- that failures elsewhere never lock the real user out.
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_failed_at {{ts}} NOT NULL,
    locked_until {{ts}},
    PRIMARY KEY (username, client)
) {{without_rowid}};
