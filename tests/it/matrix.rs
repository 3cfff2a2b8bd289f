//! The generated denial matrix: every route of the application's own route table (not a hand
//! list), every role, with the ids of records outside the caller's scope. A route added later
//! is walked too; one whose path names a parameter this file cannot fill fails the test until
//! its fixture is written here.
//!
//! Community B (门楼社区, 东亭街道) holds canaries — a resident, a case, a proposal and a
//! volunteer whose texts nobody outside B may read. The staff of A (黄土塘, 东港镇), the town of
//! A, a department and a provider walk every GET route with B's ids: no answer may be a 5xx,
//! none may carry a canary, a route their role is not admitted to answers 403, and one naming
//! a record of B answers 403 or 404. Then they POST an empty form to every POST route the same
//! way, and nothing is written.

use shequ::platform::auth::Role;
use shequ::platform::auth::guard::Access;

use crate::{Session, TestApp};

const B: &str = "320205001001"; // 门楼社区 (东亭街道), staff2's community
const TOWN_B: &str = "320205001000";
const CANARIES: [&str; 2] = ["金丝雀", "CANARY"];
/// An import staged by B's staff (its file names a canary).
const IMPORT_TOKEN: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

/// The record ids of community B the paths are filled with.
struct Foreign {
    values: std::collections::HashMap<&'static str, String>,
}

impl Foreign {
    async fn of(t: &TestApp) -> Foreign {
        let mut values = std::collections::HashMap::new();
        let mut put = async |k: &'static str, sql: String| {
            let v = t.count(&sql).await;
            values.insert(k, v.to_string());
        };
        put(
            "resident",
            format!("SELECT MAX(id) FROM residents WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "case",
            format!("SELECT MAX(id) FROM cases WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "meeting",
            format!("SELECT MIN(id) FROM meetings WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "task",
            format!(
                "SELECT MIN(k.id) FROM meeting_tasks k JOIN meetings m ON m.id = k.meeting_id \
                 WHERE m.community_code = '{B}'"
            ),
        )
        .await;
        put(
            "notice",
            format!("SELECT MIN(id) FROM notices WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "proposal",
            format!("SELECT MAX(id) FROM proposals WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "room",
            format!("SELECT MIN(id) FROM rooms WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "booking",
            format!(
                "SELECT MIN(b.id) FROM bookings b JOIN rooms r ON r.id = b.room_id \
                 WHERE r.community_code = '{B}'"
            ),
        )
        .await;
        put(
            "activity",
            format!("SELECT MIN(id) FROM activities WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "org",
            format!("SELECT MIN(id) FROM organisations WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "record",
            format!("SELECT MIN(id) FROM service_records WHERE community_code = '{B}'"),
        )
        .await;
        put(
            "representative",
            format!("SELECT MIN(id) FROM representatives WHERE community_code = '{B}'"),
        )
        .await;
        // a provider serving neither 黄土塘 nor anything in 东港镇
        put(
            "provider",
            "SELECT MIN(id) FROM providers WHERE id NOT IN (SELECT provider_id FROM \
             provider_communities WHERE community_code BETWEEN '320205106000' AND '320205106999')"
                .into(),
        )
        .await;
        put(
            "attachment",
            format!(
                "SELECT COALESCE(MIN(a.id), 1) FROM sheet_attachments a \
                 JOIN assessment_sheets s ON s.id = a.sheet_id WHERE s.community_code = '{B}'"
            ),
        )
        .await;
        put("round", "SELECT MIN(id) FROM assessment_rounds".into()).await;
        put("guideline", "SELECT MIN(id) FROM guidelines".into()).await;
        put("standard", "SELECT MIN(id) FROM centre_standards".into()).await;
        put("batch", "SELECT MIN(id) FROM payment_batches".into()).await;
        put("line", "SELECT MIN(id) FROM payment_lines".into()).await;
        put(
            "worker",
            format!(
                "SELECT MIN(worker_id) FROM worker_periods WHERE unit_code = '{B}' \
                 AND end_on IS NULL"
            ),
        )
        .await;
        put(
            "recruitment",
            "SELECT MIN(id) FROM recruitment_rounds".into(),
        )
        .await;
        put(
            "course",
            format!("SELECT MIN(id) FROM training_courses WHERE organiser_code = '{TOWN_B}'"),
        )
        .await;
        put(
            "household",
            format!("SELECT MAX(id) FROM households WHERE community_code = '{B}'"),
        )
        .await;
        put("item", "SELECT MIN(id) FROM service_items".into()).await;
        put("department", "SELECT MIN(id) FROM departments".into()).await;
        put(
            "user",
            "SELECT id FROM users WHERE username = 'staff2'".into(),
        )
        .await;
        let number = {
            #[derive(sea_orm::FromQueryResult)]
            struct N {
                number: String,
            }
            shequ::platform::db::one::<N, _>(
                &t.db().conn,
                &format!(
                    "SELECT number FROM cases WHERE community_code = '{B}' \
                     AND channel = 'online' ORDER BY id LIMIT 1"
                ),
                vec![],
            )
            .await
            .unwrap()
            .map(|n| n.number)
            .unwrap_or_else(|| "320205001001-2026-00001".into())
        };
        values.insert("number", number);
        values.insert("token", IMPORT_TOKEN.to_string());
        Foreign { values }
    }

    fn v(&self, k: &str) -> &str {
        &self.values[k]
    }

    /// The path with B's records in it, and whether it names a record of B (so that the
    /// staff and town of A must not get it). `None`: no fixture for a parameter of it.
    fn fill(&self, pattern: &str) -> Option<(String, bool)> {
        let by_prefix: &[(&str, &str)] = &[
            ("/centres/standards/", "standard"),
            ("/funding/batches/", "batch"),
            ("/api/v1/funding/batches/", "batch"),
            ("/funding/lines/", "line"),
            ("/assessment/rounds/", "round"),
            ("/api/v1/assessment/rounds/", "round"),
            ("/assessment/guidelines/", "guideline"),
            ("/api/v1/assessment/guidelines/", "guideline"),
            ("/hall/cases/", "case"),
            ("/api/v1/cases/", "case"),
            ("/hall/residents/", "resident"),
            ("/registry/residents/", "resident"),
            ("/api/v1/residents/", "resident"),
            ("/hall/items/", "item"),
            ("/hall/providers/", "provider"),
            ("/selfgov/orgs/", "org"),
            ("/selfgov/meetings/", "meeting"),
            ("/selfgov/tasks/", "task"),
            ("/selfgov/notices/", "notice"),
            ("/selfgov/proposals/", "proposal"),
            ("/selfgov/rooms/", "room"),
            ("/api/v1/selfgov/rooms/", "room"),
            ("/selfgov/bookings/", "booking"),
            ("/selfgov/activities/", "activity"),
            ("/selfgov/records/", "record"),
            ("/selfgov/representatives/", "representative"),
            ("/departments/", "department"),
            ("/admin/users/", "user"),
            ("/registry/households/", "household"),
            ("/api/v1/households/", "household"),
            ("/workers/courses/", "course"),
            ("/workers/recruitment/", "recruitment"),
            ("/api/v1/workers/recruitment/", "recruitment"),
            ("/api/v1/workers/courses/", "course"),
            ("/workers/", "worker"),
            ("/api/v1/workers/", "worker"),
        ];
        // records that belong to a community; the others are the district's reference data
        let scoped_kinds = [
            "case",
            "resident",
            "provider",
            "org",
            "meeting",
            "task",
            "notice",
            "proposal",
            "room",
            "booking",
            "activity",
            "record",
            "representative",
            "worker",
            "course",
            "household",
        ];
        let mut scoped = false;
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}')? + open;
            let (before, name) = (&rest[..open], &rest[open + 1..close]);
            out.push_str(before);
            let value = match name {
                "code" if pattern.starts_with("/lang/") => "en".to_string(),
                "code" if pattern.contains("/towns/") => {
                    scoped = true;
                    TOWN_B.to_string()
                }
                "code" => {
                    scoped |= !pattern.starts_with("/p/");
                    B.to_string()
                }
                "id" => {
                    let kind = by_prefix
                        .iter()
                        .find(|(p, _)| pattern.starts_with(p))
                        .map(|(_, k)| *k)?;
                    scoped |= scoped_kinds.contains(&kind);
                    self.v(kind).to_string()
                }
                "token" => {
                    scoped = true;
                    self.v("token").to_string()
                }
                "aid" => {
                    scoped = true;
                    self.v("attachment").to_string()
                }
                "guideline" => self.v("guideline").to_string(),
                "step" if pattern.starts_with("/funding/") => "approve".into(),
                "step" => "publish".into(),
                "action" => "topic".into(),
                "form" => "meeting".into(),
                "kind" => "performance.ics".into(),
                "name" => "style.css".into(),
                "file" if pattern.ends_with("/services/{file}") => "WS-01.json".into(),
                "file" if pattern.ends_with("/requests/{file}") => {
                    format!("{}.json", self.v("number"))
                }
                "file" if pattern.ends_with("/tokens/{file}") => "nothing.json".into(),
                "file" => "requests.json".into(),
                _ => return None,
            };
            out.push_str(&value);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Some((out, scoped))
    }
}

/// Plant texts in B that only B (and the district) may read.
async fn plant_canaries(t: &TestApp) {
    let b_staff = t.session("staff2").await;
    let r = t
        .post(
            "/workers",
            &b_staff,
            &[
                ("unit", B),
                ("name", "金丝雀丙丁"),
                ("gender", "female"),
                ("birth_date", "1985-04-02"),
                ("education", "college"),
                ("political", "masses"),
                ("post", "full_time_worker"),
                ("employment", "full_time"),
                ("start_on", "2020-03-01"),
                ("phone", "13900000043"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post(
            "/hall/residents",
            &b_staff,
            &[
                ("name", "金丝雀甲乙"),
                ("phone", "13900000042"),
                ("address", "CANARY 8 号"),
                // shown unmasked wherever the record is shown at all
                ("household", "CANARY 户"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // an import B's staff has staged: its file is theirs alone
    let file = "户号,与户主关系,姓名\nCANARY-9,户主,金丝雀壬癸\n";
    shequ::platform::db::exec(
        &t.db().conn,
        "INSERT INTO registry_imports (token, user_id, community_code, file_name, sha256, \
         content, created_at) SELECT ?, id, ?, 'CANARY.csv', '', ?, ? FROM users \
         WHERE username = 'staff2'",
        shequ::vals![
            IMPORT_TOKEN,
            B,
            file.as_bytes().to_vec(),
            t.db().clock().now()
        ],
    )
    .await
    .unwrap();
    let item = t
        .count("SELECT id FROM service_items WHERE code = 'JY-01'")
        .await
        .to_string();
    let r = t
        .post(
            "/hall/cases",
            &b_staff,
            &[
                ("item", &item),
                ("applicant_name", "金丝雀丙丁"),
                ("applicant_phone", "13900000043"),
                ("description", "CANARY case words"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post(
            &format!("/selfgov/c/{B}/proposal"),
            &b_staff,
            &[
                ("source", "resident"),
                ("author", "金丝雀戊己"),
                ("title", "修一条路"),
                ("body", "CANARY proposal words"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post(
            &format!("/selfgov/c/{B}/volunteer"),
            &b_staff,
            &[("name", "金丝雀庚辛"), ("phone", "13900000044")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_in_the_table_denies_what_is_not_yours() {
    let t = TestApp::demo().await;
    plant_canaries(&t).await;
    let foreign = Foreign::of(&t).await;
    let table = shequ::app::routes().into_parts().1;
    assert!(table.len() > 150, "the whole table: {}", table.len());
    let roles: [(&str, Role); 6] = [
        ("admin", Role::DistrictAdmin),
        ("minzheng", Role::DepartmentOfficer),
        ("donggang", Role::TownOfficer),
        ("staff", Role::CommunityStaff),
        ("assessor", Role::Assessor),
        ("provider", Role::Provider),
    ];
    let mut sessions: Vec<(&str, Role, Session)> = vec![];
    for (u, r) in roles {
        sessions.push((u, r, t.session(u).await));
    }
    // who must not see B: the staff and town of A (everything of B), the department and the
    // provider (B's people)
    let outsiders = ["donggang", "staff", "minzheng", "provider"];
    let confined = ["donggang", "staff"];
    let audit = t.count("SELECT COUNT(*) FROM audit_log").await;
    let mut failures: Vec<String> = vec![];
    let mut walked = 0;
    for route in &table {
        let Some((path, scoped)) = foreign.fill(route.path) else {
            failures.push(format!(
                "{} {}: no fixture for its parameters in tests/it/matrix.rs",
                route.method, route.path
            ));
            continue;
        };
        let get = route.method == axum::http::Method::GET;
        // signing out is a POST everyone may make; it would end the walking sessions
        if route.path == "/logout" {
            continue;
        }
        walked += 1;
        // signed out
        let r = if get {
            t.get(&path, None).await
        } else {
            t.post_raw(&path, None, &[]).await
        };
        let expected_out: &[u16] = match (route.access, get, is_api(&path)) {
            (Access::Public, _, _) => &[],
            (_, true, true) => &[401],
            (_, true, false) => &[303],
            (_, false, _) => &[401, 403, 303],
        };
        if r.status.is_server_error()
            || (!expected_out.is_empty() && !expected_out.contains(&r.status.as_u16()))
        {
            failures.push(format!("{} {path} signed out: {}", route.method, r.status));
        }
        for (user, role, s) in &sessions {
            // the admin may do all of it: an empty form is sometimes a real action for it
            // (taking a notice down, clearing a note), so its writes are not walked here
            if !get && *role == Role::DistrictAdmin {
                continue;
            }
            let r = if get {
                t.get(&path, Some(s)).await
            } else {
                t.post(&path, s, &[]).await
            };
            let st = r.status.as_u16();
            let what = format!("{} {path} as {user}", route.method);
            if r.status.is_server_error() {
                failures.push(format!("{what}: {st}"));
                continue;
            }
            if !route.access.admits(*role) && st != 403 {
                failures.push(format!("{what}: {st}, but the role is not admitted (403)"));
            }
            if scoped && confined.contains(user) && !matches!(st, 403 | 404) {
                failures.push(format!("{what}: {st} for a record of another community"));
            }
            if !get && !route.access.is_public() && (200..400).contains(&st) && st != 200 {
                // an empty form never succeeds (200 is a form shown again, e.g. a status page)
                failures.push(format!("{what}: {st}: an empty form went through"));
            }
            if outsiders.contains(user)
                && st == 200
                && let Some(c) = CANARIES.iter().find(|c| r.body.contains(**c))
            {
                failures.push(format!("{what}: 200 shows {c}, B's private data"));
            }
        }
    }
    assert!(walked > 150);
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log").await,
        audit,
        "no denied or empty form wrote anything"
    );
}

/// The table itself: every route names its access, and nothing but the public pages, the
/// login forms, the assets and Open311 is open to everyone.
#[test]
fn the_route_table_declares_every_route() {
    let table = shequ::app::routes().into_parts().1;
    let public: Vec<String> = table
        .iter()
        .filter(|r| r.access.is_public())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    for p in &public {
        let path = p.split_once(' ').unwrap().1;
        assert!(
            path == "/"
                || path == "/healthz"
                || path == "/readyz"
                || path == "/login"
                || path == "/logout"
                || path == "/guide"
                || path == "/request"
                || path.starts_with("/status")
                || path.starts_with("/p")
                || path.starts_with("/calendar/")
                || path.starts_with("/lang/")
                || path.starts_with("/assets/")
                || path.starts_with("/open311/")
                || path.starts_with("/api/openapi.json")
                || path.starts_with("/api/docs"),
            "{p} is open to everyone: is it meant to be?"
        );
    }
    // no two entries for one method and path
    let mut seen = std::collections::HashSet::new();
    for r in &table {
        assert!(
            seen.insert((r.method.clone(), r.path)),
            "{} {} twice",
            r.method,
            r.path
        );
    }
}
