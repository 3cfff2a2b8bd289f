//! Self-government over HTTP: meetings from announcement to follow-up, proposals and their
//! answers, boards and feeds, organisations, volunteers, rooms that are never double booked,
//! activities and their calendars, titles, and who may do what.

use chrono::Duration;
use sea_orm::ConnectionTrait;
fn today() -> chrono::NaiveDate {
    crate::test_clock().today()
}

use crate::{FormCase, TestApp, get_matrix, json, post_matrix, raw, sheet};

const HTT: &str = "320205106203"; // 黄土塘, the staff account's
const ML: &str = "320205001001"; // 门楼, staff2's

/// A form, its fields and the message its refusal shows.
type BadCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
/// A form matrix row with an owned path.
type OwnedForm<'a> = (String, Vec<(&'a str, &'a str)>, [u16; 7]);

/// A step taken once (take down, verify): another community's staff do not find it (404),
/// the first time succeeds (303), a second time is refused (422).
async fn only_once(t: &TestApp, s: &crate::Session, path: &str) {
    let other = t.session("staff2").await;
    assert_eq!(t.post(path, &other, &[]).await.status, 404, "{path}");
    assert_eq!(t.post(path, s, &[]).await.status, 303, "{path}");
    assert_eq!(t.post(path, s, &[]).await.status, 422, "{path}");
}

fn day(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

async fn audit_count(t: &TestApp) -> i64 {
    t.count("SELECT COUNT(*) FROM audit_log").await
}

/// A community's room by name.
async fn room(t: &TestApp, code: &str, name: &str) -> i64 {
    t.count(&format!(
        "SELECT id FROM rooms WHERE community_code = '{code}' AND name = '{name}'"
    ))
    .await
}

async fn new_meeting(t: &TestApp, s: &crate::Session, kind: &str, days: i64, room_id: i64) -> i64 {
    let room = if room_id == 0 {
        String::new()
    } else {
        room_id.to_string()
    };
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/meeting"),
            s,
            &[
                ("kind", kind),
                ("title", "关于村道修缮的会议"),
                ("date", &day(days)),
                ("starts", "19:30"),
                ("ends", "20:45"),
                ("room_id", &room),
                ("place", "村委会会议室"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .trim_start_matches("/selfgov/meetings/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn meetings_notice_periods_quorum_and_resolutions() {
    let t = TestApp::demo().await;
    let s = t.session("staff").await;
    let office = room(&t, HTT, "社区办公室").await;

    // a forum three days ahead: the topic is published with a warning (7 days asked)
    let forum = new_meeting(&t, &s, "villager_forum", 3, office).await;
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE room_id = {office} AND cancelled_at IS NULL \
             AND id = (SELECT booking_id FROM meetings WHERE id = {forum})"
        ))
        .await,
        1,
        "the meeting books its room"
    );
    let r = t
        .post(
            &format!("/selfgov/meetings/{forum}/topic"),
            &s,
            &[("title", "村道修缮方案"), ("body", "请大家提意见")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().contains("late=4"), "{}", r.location());
    assert_eq!(
        t.count(&format!(
            "SELECT short_days FROM meeting_topics WHERE meeting_id = {forum}"
        ))
        .await,
        4
    );
    let page = t.get(&r.location().replace("#topics", ""), Some(&s)).await;
    assert!(page.body.contains("少了 4 天"), "the warning is shown");
    // a proposal put on the agenda is under study and linked to the meeting
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/proposal"),
            &s,
            &[
                ("source", "resident"),
                ("author", "王五"),
                ("title", "路灯"),
            ],
        )
        .await;
    let pid = r
        .location()
        .trim_start_matches("/selfgov/proposals/")
        .to_string();
    let r = t
        .post(
            &format!("/selfgov/meetings/{forum}/topic"),
            &s,
            &[("title", "路灯安装"), ("proposal_id", &pid)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM proposals WHERE id = {pid} AND meeting_id = {forum} AND status = 'under_study'")).await,
        1
    );
    // announced on the public page and in the feed
    let public = t.get(&format!("/p/{HTT}"), None).await;
    assert!(public.body.contains("村道修缮方案"));
    let feed = t.get(&format!("/p/{HTT}/feed.atom"), None).await;
    assert!(feed.body.contains("村道修缮方案"));

    // called off: its room is freed, topics refused, the public told
    let spare = new_meeting(&t, &s, "villager_forum", 20, office).await;
    let r = t
        .post(
            &format!("/selfgov/meetings/{spare}/topic"),
            &s,
            &[("title", "秋收安排")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.post(
            &format!("/selfgov/meetings/{spare}/cancel"),
            &s,
            &[("reason", "")]
        )
        .await
        .status,
        422
    );
    let r = t
        .post(
            &format!("/selfgov/meetings/{spare}/cancel"),
            &s,
            &[("reason", "与镇里会议冲突，改期")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE id = (SELECT booking_id FROM meetings WHERE id = {spare}) AND cancelled_at IS NOT NULL"
        ))
        .await,
        1
    );
    assert_eq!(
        t.post(
            &format!("/selfgov/meetings/{spare}/topic"),
            &s,
            &[("title", "x")]
        )
        .await
        .status,
        422
    );
    assert_eq!(
        t.post(
            &format!("/selfgov/meetings/{spare}/cancel"),
            &s,
            &[("reason", "again")]
        )
        .await
        .status,
        422
    );
    assert!(
        t.get(&format!("/p/{HTT}"), None)
            .await
            .body
            .contains("会议已取消")
    );
    let ics = t.get(&format!("/p/{HTT}/calendar.ics"), None).await.body;
    let ev = ics
        .split("BEGIN:VEVENT")
        .find(|e| e.contains(&format!("UID:meeting-{spare}@")))
        .unwrap();
    assert!(ev.contains("STATUS:CANCELLED"));

    // an assembly two days ahead: refused (5 days, refuse), nothing written
    let assembly = new_meeting(&t, &s, "representative_assembly", 2, 0).await;
    let before = (
        audit_count(&t).await,
        t.count("SELECT COUNT(*) FROM meeting_topics").await,
    );
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/topic"),
            &s,
            &[("title", "迟到的议题")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("议题须在会议前 5 天公告"), "{}", r.body);
    assert_eq!(
        before,
        (
            audit_count(&t).await,
            t.count("SELECT COUNT(*) FROM meeting_topics").await
        )
    );

    // roll call against the list: 15 representatives, 10 present is not more than 2/3
    let reps: Vec<String> = (1..=15).map(|i| format!("测试代表{i}")).collect();
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/representatives"),
            &s,
            &[("names", &reps.join("\n"))],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let total = t
        .count(&format!(
            "SELECT COUNT(*) FROM representatives WHERE community_code = '{HTT}' AND active"
        ))
        .await;
    let ids: Vec<i64> = {
        let rows = shequ::platform::db::all_json::<(i64,), _>(
            &t.db().conn,
            &["id"],
            &format!("SELECT id FROM representatives WHERE community_code = '{HTT}' AND active ORDER BY id"),
            vec![],
        )
        .await
        .unwrap();
        rows.into_iter().map(|r| r.0).collect()
    };
    let at_two_thirds = (total * 2 / 3) as usize; // present*3 <= total*2
    let present: Vec<String> = ids[..at_two_thirds].iter().map(|i| i.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = present.iter().map(|p| ("present", p.as_str())).collect();
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/attendance"),
            &s,
            &fields,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let half = (at_two_thirds / 2 + 1).to_string();
    // quorum not met yet the minutes say passed: refused
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/resolution"),
            &s,
            &[
                ("text", "同意修缮"),
                ("votes_for", &half),
                ("votes_against", "0"),
                ("abstentions", "0"),
                ("outcome", "passed"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("未超过三分之二"), "{}", r.body);
    // recorded without a claim, it is recorded as not passed
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/resolution"),
            &s,
            &[
                ("text", "同意修缮"),
                ("votes_for", &half),
                ("votes_against", "0"),
                ("abstentions", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM resolutions WHERE meeting_id = {assembly} AND NOT passed"
        ))
        .await,
        1
    );
    // one more present: quorate; votes above attendance refused
    let more = ids[at_two_thirds].to_string();
    fields.push(("present", &more));
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/attendance"),
            &s,
            &fields,
        )
        .await;
    assert_eq!(r.status, 303);
    let too_many = (at_two_thirds + 5).to_string();
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/resolution"),
            &s,
            &[
                ("text", "x"),
                ("votes_for", &too_many),
                ("votes_against", "0"),
                ("abstentions", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("表决票数不能多于到会人数"));
    // a majority of those present passes; "failed" in the minutes contradicts the votes
    let now_present = at_two_thirds + 1;
    let maj = (now_present / 2 + 1).to_string();
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/resolution"),
            &s,
            &[
                ("text", "同意修缮"),
                ("votes_for", &maj),
                ("votes_against", "1"),
                ("abstentions", "0"),
                ("outcome", "failed"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/resolution"),
            &s,
            &[
                ("text", "同意修缮"),
                ("votes_for", &maj),
                ("votes_against", "1"),
                ("abstentions", "0"),
                ("outcome", "passed"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let res = t
        .count(&format!(
            "SELECT MAX(id) FROM resolutions WHERE meeting_id = {assembly} AND passed"
        ))
        .await;
    assert!(res > 0);
    // follow-up task, done; minutes
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/task"),
            &s,
            &[
                ("description", "联系施工队"),
                ("owner", "村委会主任"),
                ("due_on", &day(30)),
                ("resolution_id", &res.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let task = t
        .count(&format!(
            "SELECT id FROM meeting_tasks WHERE meeting_id = {assembly}"
        ))
        .await;
    assert_eq!(
        t.post(&format!("/selfgov/tasks/{task}/done"), &s, &[])
            .await
            .status,
        303
    );
    assert_eq!(
        t.post(&format!("/selfgov/tasks/{task}/done"), &s, &[])
            .await
            .status,
        422
    );
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/minutes"),
            &s,
            &[("minutes", "会议由主任主持。\n表决通过修缮方案。")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = t
        .get(&format!("/selfgov/meetings/{assembly}"), Some(&s))
        .await;
    assert!(page.body.contains("表决通过修缮方案") && page.body.contains("联系施工队"));
    // a change of the representatives' list cannot drop attendance below the votes cast
    let r = t
        .post(
            &format!("/selfgov/meetings/{assembly}/attendance"),
            &s,
            &[("present", &ids[0].to_string())],
        )
        .await;
    assert_eq!(r.status, 422);
    // every step audited
    assert!(
        t.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'meeting' AND entity_id = '{assembly}'"
        ))
        .await
            >= 7
    );
    // a town reads but does not write; another community's staff does not see it
    let town = t.session("donggang").await;
    assert_eq!(
        t.get(&format!("/selfgov/meetings/{assembly}"), Some(&town))
            .await
            .status,
        200
    );
    assert_eq!(
        t.post(
            &format!("/selfgov/meetings/{assembly}/minutes"),
            &town,
            &[("minutes", "x")]
        )
        .await
        .status,
        403
    );
    let other = t.session("staff2").await;
    assert_eq!(
        t.get(&format!("/selfgov/meetings/{assembly}"), Some(&other))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_field_errors_and_nothing_written() {
    let t = TestApp::demo().await;
    let s = t.session("staff").await;
    // rooms come from the centre's accepted checklist: a missing one is made again, once
    let gone = room(&t, HTT, "警务（调解）室").await;
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE room_id = {gone}"
        ))
        .await,
        0
    );
    t.db()
        .conn
        .execute_unprepared(&format!("DELETE FROM rooms WHERE id = {gone}"))
        .await
        .unwrap();
    assert_eq!(
        t.post(&format!("/selfgov/c/{HTT}/rooms_from_checklist"), &s, &[])
            .await
            .status,
        303
    );
    assert_eq!(
        t.post(&format!("/selfgov/c/{HTT}/rooms_from_checklist"), &s, &[])
            .await
            .status,
        303
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM rooms WHERE community_code = '{HTT}' AND name = '警务（调解）室' AND checklist_item_id IS NOT NULL"
        ))
        .await,
        1
    );
    let before = audit_count(&t).await;
    let cases: &[BadCase] = &[
        (
            "meeting",
            &[
                ("kind", "villager_forum"),
                ("title", ""),
                ("date", "明天"),
                ("starts", "25:00"),
                ("ends", "20:00"),
            ],
            "请填写",
        ),
        (
            "meeting",
            &[
                ("kind", "joint_meeting"),
                ("title", "联席"),
                ("date", &day(9)),
                ("starts", "09:00"),
                ("ends", "10:00"),
                ("place", "区政府"),
            ],
            "联席会议由区里召开",
        ),
        (
            "meeting",
            &[
                ("kind", "villager_forum"),
                ("title", "过去"),
                ("date", &day(-1)),
                ("starts", "09:00"),
                ("ends", "10:00"),
                ("place", "村委会"),
            ],
            "会议时间须在将来",
        ),
        (
            "proposal",
            &[
                ("source", "resident"),
                ("author", ""),
                ("title", "x"),
                ("received_on", &day(3)),
            ],
            "日期不能晚于今天",
        ),
        (
            "notice",
            &[
                ("board", "openness"),
                ("category", "finance"),
                ("title", "收支"),
                ("body", "明细"),
                ("publish_on", &day(0)),
                ("expire_on", &day(-2)),
            ],
            "撤下日期不能早于发布日期",
        ),
        (
            "room",
            &[
                ("name", "新活动室"),
                ("kind", "room"),
                ("capacity", "-5"),
                ("opens", "21:00"),
                ("closes", "08:00"),
            ],
            "容纳人数",
        ),
        (
            "activity",
            &[
                ("kind", "dancing"),
                ("title", "舞"),
                ("date", &day(2)),
                ("starts", "19:00"),
                ("ends", "18:00"),
                ("organiser", "x"),
                ("place", "广场"),
            ],
            "结束时间须晚于开始时间",
        ),
        (
            "record",
            &[
                ("volunteer_id", "999999"),
                ("served_on", &day(0)),
                ("description", "帮忙"),
                ("hours", "30"),
            ],
            "服务时长须大于 0",
        ),
        ("volunteer", &[("name", "王五"), ("phone", "12345")], "手机"),
    ];
    for (form, fields, msg) in cases {
        let r = t
            .post(&format!("/selfgov/c/{HTT}/{form}"), &s, fields)
            .await;
        assert_eq!(r.status, 422, "{form}: {}", r.body);
        // beside the field it is about, in the form that was sent
        let errors = crate::html::Page::parse(&r.body).field_errors();
        assert!(
            errors.iter().any(|(_, m)| m.contains(msg)),
            "{form} should say {msg} beside a field: {errors:?}"
        );
    }
    // organisations: a filed one with a bad credit code, a registered one without its certificate
    let base: Vec<(&str, &str)> = vec![
        ("name", "新协会"),
        ("kind", "economic"),
        ("founded_on", "2020-01-01"),
        ("leader", "张三"),
        ("members", "12"),
    ];
    let mut filed = base.clone();
    filed.extend([("standing", "filed"), ("credit_code", "51320205MJ0000000X")]);
    let r = t.post("/selfgov/orgs", &s, &filed).await;
    assert_eq!(r.status, 422);
    let mut reg = base.clone();
    reg.extend([("standing", "registered"), ("credit_code", "")]);
    let r = t.post("/selfgov/orgs", &s, &reg).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("登记的社会组织须填写统一社会信用代码"));
    assert_eq!(
        before,
        audit_count(&t).await,
        "nothing written, nothing audited"
    );
    // a proposal answered "not adopted" needs its reason
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/proposal"),
            &s,
            &[
                ("source", "resident"),
                ("author", "张三"),
                ("title", "修路"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let p = r.location().to_string();
    let r = t
        .post(&p, &s, &[("to", "not_adopted"), ("reason", "")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不予采纳须写明理由"));
    let r = t.post(&p, &s, &[("to", "implemented")]).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn proposals_answers_and_response_times() {
    let t = TestApp::demo().await;
    let s = t.session("staff").await;
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/proposal"),
            &s,
            &[
                ("source", "resident"),
                ("author", "欧阳明"),
                ("title", "村口增设公交站台"),
                ("received_on", &day(-10)),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let p = r.location().to_string();
    assert_eq!(t.post(&p, &s, &[("to", "under_study")]).await.status, 303);
    let r = t
        .post(
            &p,
            &s,
            &[
                ("to", "adopted"),
                ("answer", "已向公交公司申请，明年开通。"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(t.post(&p, &s, &[("to", "implemented")]).await.status, 303);
    let id = p.trim_start_matches("/selfgov/proposals/");
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM proposals WHERE id = {id} AND status = 'implemented' AND answered_on IS NOT NULL")).await,
        1
    );
    // the public answer, author masked
    let public = t.get(&format!("/p/{HTT}/proposals"), None).await;
    assert!(
        public.body.contains("明年开通")
            && public.body.contains("欧*明")
            && !public.body.contains("欧阳明")
    );
    // counts and response times per community equal a count over the rows
    let year = today().format("%Y").to_string();
    let stats = json(
        &t,
        &format!("/api/v1/selfgov/proposals/stats?year={year}"),
        &s,
    )
    .await;
    let rows = stats.as_array().unwrap();
    assert_eq!(rows.len(), 1, "staff see their own community");
    let row = &rows[0];
    let sql = |c: &str| {
        format!(
            "SELECT {c} FROM proposals WHERE community_code = '{HTT}' AND received_on >= '{year}-01-01'"
        )
    };
    assert_eq!(row["total"], t.count(&sql("COUNT(*)")).await);
    assert_eq!(row["answered"], t.count(&sql("COUNT(answered_on)")).await);
    let rows = shequ::selfgov::proposals::store::proposals(
        t.db(),
        ("p.community_code = ?".into(), vec![HTT.into()]),
        None,
        10_000,
    )
    .await
    .unwrap();
    let this: Vec<_> = rows
        .iter()
        .filter(|p| p.received_on.format("%Y").to_string() == year)
        .collect();
    let days: i64 = this.iter().filter_map(|p| p.response_days()).sum();
    assert_eq!(row["response_days"], days);
    assert_eq!(row["total"], this.len() as i64);
    let admin = t.session("admin").await;
    let all = json(
        &t,
        &format!("/api/v1/selfgov/proposals/stats?year={year}"),
        &admin,
    )
    .await;
    assert!(all.as_array().unwrap().len() > 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_bookings_of_one_slot_exactly_one_wins() {
    let t = TestApp::demo().await;
    let s = t.session("staff").await;
    let r = room(&t, HTT, "康复健身室").await;
    let date = day(12);
    let mut handles = vec![];
    for i in 0..10 {
        let router = t.router.clone();
        let s = s.clone();
        let date = date.clone();
        handles.push(tokio::spawn(async move {
            let title = format!("太极拳班{i}");
            // overlapping but not identical slots: 9:00–10:00 give or take a quarter
            let (a, b) = if i % 2 == 0 {
                ("09:00", "10:00")
            } else {
                ("09:30", "10:15")
            };
            let body = serde_urlencoded::to_string([
                ("_csrf", s.csrf.as_str()),
                ("title", title.as_str()),
                ("organiser", "老年协会"),
                ("date", date.as_str()),
                ("starts", a),
                ("ends", b),
            ])
            .unwrap();
            let req = axum::http::Request::post(format!("/selfgov/rooms/{r}/book"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &s.cookie)
                .body(axum::body::Body::from(body))
                .unwrap();
            use tower::ServiceExt;
            router.oneshot(req).await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = vec![];
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        9,
        "{statuses:?}"
    );
    let booked = t
        .count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE room_id = {r} AND cancelled_at IS NULL AND title LIKE '太极拳班%'"
        ))
        .await;
    assert_eq!(booked, 1);
}

#[tokio::test]
async fn bookings_series_clashes_cancellation_and_availability() {
    let t = TestApp::demo().await;
    let s = t.session("staff").await;
    let r = room(&t, HTT, "康复健身室").await;
    let book = |fields: Vec<(&'static str, String)>| {
        let t = &t;
        let s = &s;
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.post(&format!("/selfgov/rooms/{r}/book"), s, &f).await
        }
    };
    let d = today() + Duration::days(14);
    let one = |start: &str, end: &str, date: chrono::NaiveDate| {
        vec![
            ("title", "乒乓球训练".to_string()),
            ("organiser", "文体队".to_string()),
            ("date", date.to_string()),
            ("starts", start.to_string()),
            ("ends", end.to_string()),
        ]
    };
    assert_eq!(book(one("14:00", "15:00", d)).await.status, 303);
    // back to back is fine; overlapping is refused with the clash named
    assert_eq!(book(one("15:00", "16:00", d)).await.status, 303);
    let clash = book(one("14:30", "15:30", d)).await;
    assert_eq!(clash.status, 422);
    assert!(
        clash.body.contains("与已有预约冲突") && clash.body.contains("14:00–15:00"),
        "{}",
        clash.body
    );
    // outside opening hours
    let late = book(one("21:00", "22:00", d)).await;
    assert_eq!(late.status, 422);
    assert!(late.body.contains("不在开放时间内"));
    // a weekly series of 5 whose third week clashes: nothing booked
    let before = t
        .count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE room_id = {r}"
        ))
        .await;
    let mut series = one("14:30", "15:30", d - Duration::days(14));
    series.push(("until", (d + Duration::days(14)).to_string()));
    series.push(("interval", "1".to_string()));
    assert_eq!(book(series.clone()).await.status, 422);
    assert_eq!(
        before,
        t.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE room_id = {r}"
        ))
        .await
    );
    // moved an hour earlier, it fits: five bookings of one series
    series[3].1 = "10:00".into();
    series[4].1 = "11:00".into();
    assert_eq!(book(series).await.status, 303);
    let sid = t
        .count(&format!(
            "SELECT MAX(series_id) FROM bookings WHERE room_id = {r}"
        ))
        .await;
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE series_id = {sid}"
        ))
        .await,
        5
    );
    // cancel the third and the rest: two left; the freed slot can be booked again
    let third = t
        .count(&format!(
            "SELECT id FROM bookings WHERE series_id = {sid} ORDER BY starts_at LIMIT 1 OFFSET 2"
        ))
        .await;
    let r2 = t
        .post(
            &format!("/selfgov/bookings/{third}/cancel"),
            &s,
            &[("reason", "场地维修"), ("series", "rest")],
        )
        .await;
    assert_eq!(r2.status, 303);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE series_id = {sid} AND cancelled_at IS NULL"
        ))
        .await,
        2
    );
    assert_eq!(book(one("10:00", "11:00", d)).await.status, 303);
    // the public availability view shows times, not who booked
    let week = t.get(&format!("/p/{HTT}/rooms?week={d}"), None).await;
    assert_eq!(week.status, 200);
    assert!(week.body.contains("14:00–15:00") && !week.body.contains("乒乓球训练"));
    // the API gives the week with cancellations marked
    let api = json(
        &t,
        &format!("/api/v1/selfgov/rooms/{r}/bookings?week={d}"),
        &s,
    )
    .await;
    assert!(api["bookings"].as_array().unwrap().len() >= 4);
    // the database agrees: no two live bookings of a room overlap
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM bookings a JOIN bookings b ON a.room_id = b.room_id AND a.id < b.id \
             AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at \
             WHERE a.cancelled_at IS NULL AND b.cancelled_at IS NULL"
        )
        .await,
        0
    );
}

/// The community's calendar and feeds, read back by third-party parsers (PyPI `icalendar`
/// and `feedparser`, installed by `.ci/run`; skipped with a notice elsewhere).
#[tokio::test(flavor = "multi_thread")]
async fn activities_calendar_and_feeds_parse_back() {
    let t = TestApp::demo().await;
    let s = t.session("staff").await;
    let field = room(&t, HTT, "室外活动场地").await;
    let date = day(5);
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/activity"),
            &s,
            &[
                ("kind", "sports"),
                ("title", "拔河比赛 & \"友谊\"赛"),
                ("date", &date),
                ("starts", "14:00"),
                ("ends", "16:00"),
                ("room_id", &field.to_string()),
                ("organiser", "村体育协会"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = t.count("SELECT MAX(id) FROM activities").await;
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM activities a JOIN bookings b ON b.id = a.booking_id WHERE a.id = {id}")).await,
        1
    );
    // the field is now taken at that time
    let r = t
        .post(
            &format!("/selfgov/rooms/{field}/book"),
            &s,
            &[
                ("title", "x"),
                ("organiser", "y"),
                ("date", &date),
                ("starts", "15:00"),
                ("ends", "17:00"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    // the month page shows it
    let month = &date[..7];
    let cal = t
        .get(&format!("/p/{HTT}/calendar?month={month}"), None)
        .await;
    assert!(cal.body.contains("拔河比赛"));
    let cal = t
        .get(
            &format!("/p/{HTT}/calendar?month={month}&kind=chess_cards"),
            None,
        )
        .await;
    assert!(!cal.body.contains("拔河比赛"));
    // iCalendar per community and per kind
    let ics = t.get(&format!("/p/{HTT}/calendar.ics"), None).await;
    assert!(
        ics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(ics.body.contains(&format!("UID:activity-{id}@{HTT}.shequ")));
    assert!(ics.body.lines().all(|l| l.len() <= 75), "lines folded");
    let api = json(
        &t,
        &format!("/api/v1/selfgov/activities?community={HTT}&kind=sports&from={date}&to={date}"),
        &s,
    )
    .await;
    assert_eq!(api.as_array().unwrap().len(), 1);
    assert_eq!(api[0]["id"], id);
    assert_eq!(
        t.get("/api/v1/selfgov/activities?kind=dancing", Some(&s))
            .await
            .status,
        422
    );
    let kind = t.get("/calendar/sports.ics", None).await;
    assert!(kind.body.contains(&format!("activity-{id}@")));
    assert!(
        !t.get("/calendar/chess_cards.ics", None)
            .await
            .body
            .contains(&format!("activity-{id}@"))
    );
    assert_eq!(t.get("/calendar/nonsense.ics", None).await.status, 404);
    // its booking is the activity's: cancelled with the activity, not on its own
    let b = t
        .count(&format!(
            "SELECT booking_id FROM activities WHERE id = {id}"
        ))
        .await;
    let r = t
        .post(
            &format!("/selfgov/bookings/{b}/cancel"),
            &s,
            &[("reason", "x")],
        )
        .await;
    assert_eq!(r.status, 422);
    // cancelled: the booking is freed and the feed says CANCELLED
    let r = t
        .post(&format!("/selfgov/activities/{id}"), &s, &[("cancel", "1")])
        .await;
    assert_eq!(r.status, 303);
    assert!(
        t.get(&format!("/p/{HTT}/calendar.ics"), None)
            .await
            .body
            .contains("STATUS:CANCELLED")
    );
    // a notice for the Atom feed
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/notice"),
            &s,
            &[
                ("board", "openness"),
                ("category", "finance"),
                ("title", "十一月财务公开 <收支>"),
                ("body", "收入 1,000 元"),
                ("publish_on", &day(0)),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    // a notice taken down leaves the boards and the feed, and stays on record
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/notice"),
            &s,
            &[
                ("board", "publicity"),
                ("category", "other"),
                ("title", "贴错的通知"),
                ("body", "作废"),
                ("publish_on", &day(0)),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let wrong = t
        .count("SELECT id FROM notices WHERE title = '贴错的通知'")
        .await;
    assert!(
        t.get(&format!("/p/{HTT}/boards"), None)
            .await
            .body
            .contains("贴错的通知")
    );
    only_once(&t, &s, &format!("/selfgov/notices/{wrong}/withdraw")).await;
    assert!(
        !t.get(&format!("/p/{HTT}/boards"), None)
            .await
            .body
            .contains("贴错的通知")
    );
    assert!(
        !t.get(&format!("/p/{HTT}/feed.atom"), None)
            .await
            .body
            .contains("贴错的通知")
    );
    assert!(
        t.get(&format!("/selfgov/c/{HTT}"), Some(&s))
            .await
            .body
            .contains("已撤下")
    );
    let boards = t.get(&format!("/p/{HTT}/boards"), None).await;
    assert!(
        boards.body.contains("十一月财务公开") && boards.body.contains("id=\"funding\""),
        "the funding statement is on the openness board"
    );

    let ok = std::process::Command::new("python3")
        .args(["-c", "import icalendar, feedparser"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("CI").is_ok() {
            panic!("icalendar and feedparser are missing in CI");
        }
        eprintln!("NOTICE: feed parser test skipped: pip install icalendar feedparser");
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = t.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/selfgov/feeds.py");
    let (ics_url, atom_url) = (
        format!("http://{addr}/p/{HTT}/calendar.ics"),
        format!("http://{addr}/p/{HTT}/feed.atom"),
    );
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .args([ics_url, atom_url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = v["events"].as_array().unwrap();
    assert!(events.len() > 50);
    let ev = events
        .iter()
        .find(|e| e["uid"] == format!("activity-{id}@{HTT}.shequ"))
        .expect("the new activity parses");
    assert_eq!(ev["summary"], "拔河比赛 & \"友谊\"赛");
    assert_eq!(ev["status"], "CANCELLED");
    assert_eq!(ev["utc"], true);
    assert_eq!(
        ev["start"],
        format!("{date}T06:00:00+00:00"),
        "14:00 in Wuxi is 06:00 UTC"
    );
    assert_eq!(ev["categories"], serde_json::json!(["体育竞技"]));
    assert!(
        events
            .iter()
            .all(|e| e["uid"].as_str().unwrap().ends_with(".shequ"))
    );
    assert_eq!(v["bozo"], false, "{}", v["bozo_exception"]);
    assert_eq!(v["version"], "atom10");
    let entries = v["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| {
        e["title"]
            .as_str()
            .unwrap()
            .contains("十一月财务公开 <收支>")
    }));
    assert!(
        entries
            .iter()
            .any(|e| e["title"].as_str().unwrap().contains("资金收支公示"))
    );
    // absolute links at the configured public address, whatever host the request named
    assert!(entries.iter().all(|e| {
        e["link"]
            .as_str()
            .unwrap()
            .starts_with("https://shequ.example.gov.cn/")
    }));
}

#[tokio::test]
async fn organisations_volunteers_and_titles() {
    let t = TestApp::demo().await;
    // the report's numbers, 和谐义工 among the registered
    assert_eq!(
        t.count("SELECT COUNT(*) FROM organisations WHERE standing = 'registered'")
            .await,
        26
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM organisations WHERE standing = 'filed'")
            .await,
        125
    );
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM organisations WHERE name = '和谐义工' AND standing = 'registered'"
        )
        .await,
        1
    );
    let admin = t.session("admin").await;
    let page = t.get("/selfgov/orgs", Some(&admin)).await;
    assert!(page.body.contains("和谐义工"));
    // register one with a valid code; a second with the same code is refused
    let code = {
        let first17 = "51320205MJ1234567";
        let c = shequ::platform::types::CreditCode::check_char(first17).unwrap() as char;
        format!("{first17}{c}")
    };
    let fields = [
        ("community", HTT),
        ("name", "黄土塘水蜜桃协会"),
        ("kind", "economic"),
        ("standing", "registered"),
        ("credit_code", code.as_str()),
        ("certificate_no", "锡民社登字第9999号"),
        ("founded_on", "2021-03-01"),
        ("leader", "李四"),
        ("members", "40"),
    ];
    let r = t.post("/selfgov/orgs", &admin, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut again = fields;
    again[1] = ("name", "另一个协会");
    let r = t.post("/selfgov/orgs", &admin, &again).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("已经登记过了"));
    let oid = t
        .count("SELECT id FROM organisations WHERE name = '黄土塘水蜜桃协会'")
        .await;
    let r = t
        .post(
            &format!("/selfgov/orgs/{oid}/review"),
            &admin,
            &[("year", "2025"), ("result", "pass")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = t
        .post(
            &format!("/selfgov/orgs/{oid}/review"),
            &admin,
            &[("year", "1990"), ("result", "pass")],
        )
        .await;
    assert_eq!(r.status, 422, "before the founding");
    // the register as XLSX, read back
    let rows = sheet(raw(&t, "/selfgov/orgs.xlsx?standing=registered", &admin).await);
    assert_eq!(rows.len(), 1 + 27);
    assert_eq!(rows[0][1].to_string(), "名称");
    assert!(
        rows.iter()
            .any(|r| r[1] == "黄土塘水蜜桃协会" && r[4] == code.as_str())
    );
    // staff see their community's only
    let s = t.session("staff").await;
    let api = json(&t, "/api/v1/selfgov/organisations", &s).await;
    assert!(
        api.as_array()
            .unwrap()
            .iter()
            .all(|o| o["community_code"] == HTT)
    );

    // volunteers: hours count once verified, by staff only, once
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/volunteer"),
            &s,
            &[
                ("name", "赵六"),
                ("phone", "13912345678"),
                ("skills", "理发"),
                ("party_member", "on"),
                ("organisation_id", &oid.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let vid = t
        .count("SELECT id FROM volunteers WHERE name = '赵六'")
        .await;
    let r = t
        .post(
            &format!("/selfgov/c/{HTT}/record"),
            &s,
            &[
                ("volunteer_id", &vid.to_string()),
                ("served_on", &day(-1)),
                ("description", "义务理发"),
                ("hours", "2.5"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rec = t
        .count(&format!(
            "SELECT id FROM service_records WHERE volunteer_id = {vid}"
        ))
        .await;
    assert_eq!(
        t.count(&format!(
            "SELECT tenths FROM service_records WHERE id = {rec}"
        ))
        .await,
        25
    );
    async fn hours(t: &TestApp, vid: i64) -> (i64, i64, i64) {
        let rows = shequ::selfgov::volunteers::store::volunteers(t.db(), HTT, false)
            .await
            .unwrap();
        let v = rows.into_iter().find(|v| v.id == vid).unwrap();
        (v.verified_tenths, v.pending_tenths, v.points())
    }
    assert_eq!(hours(&t, vid).await, (0, 25, 0));
    assert_eq!(
        t.post(&format!("/selfgov/records/{rec}/verify"), &admin, &[])
            .await
            .status,
        403
    );
    only_once(&t, &s, &format!("/selfgov/records/{rec}/verify")).await;
    assert_eq!(hours(&t, vid).await, (25, 0, 2));
    let party = t
        .get(&format!("/selfgov/c/{HTT}/volunteers?party=1"), Some(&s))
        .await;
    assert!(party.body.contains("赵六"));
    // totals per community and organisation agree with the records
    let by = shequ::selfgov::volunteers::store::hours_by_organisation(
        t.db(),
        &t.state.district,
        &shequ::platform::auth::Scope::District,
    )
    .await
    .unwrap();
    let o = by.iter().find(|r| r.code == oid.to_string()).unwrap();
    assert_eq!((o.verified_tenths, o.volunteers), (25, 1));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%13912345678%'")
            .await,
        0,
        "no phone in the audit log"
    );

    // titles: the admin awards, staff cannot; shown and filterable
    let r = t
        .post(
            &format!("/selfgov/c/{ML}/tags"),
            &admin,
            &[("tags", "learning"), ("tags", "warm")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.post(
            &format!("/selfgov/c/{HTT}/tags"),
            &s,
            &[("tags", "learning")]
        )
        .await
        .status,
        403
    );
    let r = t
        .post(
            &format!("/selfgov/c/{ML}/tags"),
            &admin,
            &[("tags", "famous")],
        )
        .await;
    assert_eq!(r.status, 422);
    let filtered = t.get("/p?tag=learning", None).await;
    assert!(filtered.body.contains(&format!("/p/{ML}")));
    let warm = t.get("/p?tag=warm", None).await;
    let all = t.get("/p", None).await;
    assert!(warm.body.matches("<tr>").count() < all.body.matches("<tr>").count());
    assert!(
        t.get(&format!("/p/{ML}"), None)
            .await
            .body
            .contains("学习型社区")
    );
    let overview = t.get("/selfgov?tag=warm", Some(&admin)).await;
    assert!(overview.body.contains("温馨型社区"));
}

#[tokio::test]
async fn denial_matrix() {
    let t = TestApp::demo().await;
    let users = [
        "admin", "minzheng", "donggang", "staff", "staff2", "assessor", "provider",
    ];
    let mut sessions = vec![];
    for u in users {
        sessions.push(Some(t.session(u).await));
    }
    sessions.push(None);
    let m = t
        .count(&format!(
            "SELECT MIN(id) FROM meetings WHERE community_code = '{HTT}'"
        ))
        .await;
    let p = t
        .count(&format!(
            "SELECT MIN(id) FROM proposals WHERE community_code = '{HTT}'"
        ))
        .await;
    let r = room(&t, HTT, "老年活动室").await;
    // 和谐义工, in 黄土塘
    let o = t
        .count("SELECT id FROM organisations WHERE name = '和谐义工'")
        .await;
    //                                  admin minz town staff staff2 assr prov anon
    let matrix: Vec<(String, [u16; 8])> = vec![
        ("/selfgov".into(), [200, 200, 200, 303, 303, 200, 403, 303]),
        (
            format!("/selfgov/c/{HTT}"),
            [200, 403, 200, 200, 404, 200, 403, 303],
        ),
        (
            format!("/selfgov/c/{HTT}/volunteers"),
            [200, 403, 200, 200, 404, 200, 403, 303],
        ),
        (
            format!("/selfgov/meetings/{m}"),
            [200, 404, 200, 200, 404, 200, 403, 303],
        ),
        (
            format!("/selfgov/proposals/{p}"),
            [200, 403, 200, 200, 404, 200, 403, 303],
        ),
        (
            format!("/selfgov/rooms/{r}"),
            [200, 403, 200, 200, 404, 200, 403, 303],
        ),
        (
            "/selfgov/orgs".into(),
            [200, 403, 200, 200, 200, 200, 403, 303],
        ),
        (
            "/selfgov/orgs.xlsx".into(),
            [200, 403, 200, 200, 200, 200, 403, 303],
        ),
        (
            format!("/selfgov/orgs/{o}"),
            [200, 403, 200, 200, 404, 200, 403, 303],
        ),
        (
            "/api/v1/selfgov/meetings".into(),
            [200, 200, 200, 200, 200, 200, 403, 401],
        ),
        (
            "/api/v1/selfgov/activities".into(),
            [200, 403, 200, 200, 200, 200, 403, 401],
        ),
        (
            "/api/v1/selfgov/proposals/stats".into(),
            [200, 403, 200, 200, 200, 200, 403, 401],
        ),
        (
            "/api/v1/selfgov/organisations".into(),
            [200, 403, 200, 200, 200, 200, 403, 401],
        ),
        (
            format!("/api/v1/selfgov/rooms/{r}/bookings"),
            [200, 403, 200, 200, 404, 200, 403, 401],
        ),
        // public
        (format!("/p/{HTT}"), [200; 8]),
        (format!("/p/{HTT}/calendar"), [200; 8]),
        (format!("/p/{HTT}/calendar.ics"), [200; 8]),
        (format!("/p/{HTT}/boards"), [200; 8]),
        (format!("/p/{HTT}/feed.atom"), [200; 8]),
        (format!("/p/{HTT}/rooms"), [200; 8]),
        (format!("/p/{HTT}/proposals"), [200; 8]),
        ("/p/110101001001/calendar".into(), [404; 8]),
        ("/calendar/performance.ics".into(), [200; 8]),
    ];
    let matrix: Vec<(&str, [u16; 8])> = matrix.iter().map(|(p, e)| (p.as_str(), *e)).collect();
    let failures = get_matrix(&t, &users, &sessions, &matrix).await;
    assert!(failures.is_empty(), "{failures:#?}");

    // forms: who may write what (bad input where allowed, so nothing is written: 422)
    let sessions: Vec<crate::Session> = sessions.into_iter().flatten().collect();
    // a notice already taken down: taking it down again is refused where allowed
    let n = t
        .count(&format!(
            "SELECT MIN(id) FROM notices WHERE community_code = '{HTT}'"
        ))
        .await;
    assert_eq!(
        t.post(&format!("/selfgov/notices/{n}/withdraw"), &sessions[3], &[])
            .await
            .status,
        303
    );
    // a done task, a verified record, an activity's booking: acting on them again is refused
    let task = t
        .count(&format!(
            "SELECT MIN(k.id) FROM meeting_tasks k JOIN meetings x ON x.id = k.meeting_id \
             WHERE x.community_code = '{HTT}' AND k.done_on IS NOT NULL"
        ))
        .await;
    let rec = t
        .count(&format!(
            "SELECT MIN(id) FROM service_records WHERE community_code = '{HTT}' AND verified_at IS NOT NULL"
        ))
        .await;
    let act = t
        .count(&format!(
            "SELECT MIN(id) FROM activities WHERE community_code = '{HTT}' AND booking_id IS NOT NULL AND NOT cancelled"
        ))
        .await;
    let bk = t
        .count(&format!(
            "SELECT booking_id FROM activities WHERE id = {act}"
        ))
        .await;
    assert!(task > 0 && rec > 0 && act > 0 && bk > 0);
    let before = audit_count(&t).await;
    let mid = m.to_string();
    let forms: Vec<OwnedForm> = vec![
        (
            format!("/selfgov/c/{HTT}/meeting"),
            vec![("kind", "villager_forum")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/proposal"),
            vec![("source", "x")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/notice"),
            vec![("board", "x")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/room"),
            vec![("name", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/activity"),
            vec![("kind", "x")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/representatives"),
            vec![("names", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/tags"),
            vec![("tags", "x")],
            [422, 403, 403, 403, 403, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/volunteer"),
            vec![("name", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/c/{HTT}/record"),
            vec![("hours", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/meetings/{mid}/topic"),
            vec![("title", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/meetings/{mid}/resolution"),
            vec![("text", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/proposals/{p}"),
            vec![("to", "x")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/rooms/{r}/book"),
            vec![("title", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/rooms/{r}"),
            vec![("name", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            "/selfgov/orgs".into(),
            vec![("name", "")],
            [422, 403, 403, 422, 422, 403, 403],
        ),
        (
            "/selfgov".into(),
            vec![
                ("kind", "villager_forum"),
                ("days", "99"),
                ("enforcement", "warn"),
            ],
            [422, 403, 403, 403, 403, 403, 403],
        ),
        (
            "/selfgov/joint".into(),
            vec![("title", "")],
            [422, 403, 403, 403, 403, 403, 403],
        ),
        (
            format!("/selfgov/meetings/{mid}/cancel"),
            vec![("reason", "")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/notices/{n}/withdraw"),
            vec![],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/tasks/{task}/done"),
            vec![],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/records/{rec}/verify"),
            vec![],
            [403, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/activities/{act}"),
            vec![("participants", "-1")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/bookings/{bk}/cancel"),
            vec![("reason", "x")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
        (
            format!("/selfgov/orgs/{o}/review"),
            vec![("year", "1900"), ("result", "pass")],
            [422, 403, 403, 422, 404, 403, 403],
        ),
    ];
    let forms: Vec<FormCase<7>> = forms
        .iter()
        .map(|(p, f, e)| (p.as_str(), f.as_slice(), *e))
        .collect();
    let failures = post_matrix(&t, &users[..7], &sessions, &forms).await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        before,
        audit_count(&t).await,
        "no denied or invalid form wrote anything"
    );
}

/// In Chromium, as the community's staff: call a villager forum in a room and announce its
/// topic (seen on the public page), then book a room and be told, in the page, when the same
/// slot is asked for again.
#[tokio::test(flavor = "multi_thread")]
async fn browser_forum_topic_and_room_booking() {
    use fantoccini::Locator;
    let Some(b) = crate::browser::Browser::start().await else {
        return;
    };
    let text = |id: &'static str, v: &'static str| {
        let c = b.c.clone();
        async move {
            c.find(Locator::Id(id))
                .await
                .unwrap()
                .send_keys(v)
                .await
                .unwrap();
        }
    };
    let click = |css: &'static str| {
        let c = b.c.clone();
        async move {
            crate::browser::follow(&c, Locator::Css(css)).await;
        }
    };
    b.c.goto(&format!("{}/selfgov", b.base)).await.unwrap();
    b.sign_in("staff").await;
    // staff land on their community's page
    b.c.goto(&format!("{}/selfgov", b.base)).await.unwrap();
    assert_eq!(
        b.c.current_url().await.unwrap().path(),
        format!("/selfgov/c/{HTT}")
    );
    b.c.find(Locator::XPath("//summary[contains(., '召开会议')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.c.find(Locator::Id("meeting-kind"))
        .await
        .unwrap()
        .select_by_value("villager_forum")
        .await
        .unwrap();
    text("meeting-title", "村民论坛：村道绿化").await;
    crate::browser::type_date(&b.c, "meeting-date", &day(12)).await;
    b.c.find(Locator::Id("meeting-room_id"))
        .await
        .unwrap()
        .select_by_label("党员活动室 (08:30–21:00)")
        .await
        .unwrap();
    click("form[action$='/meeting'] button[type=submit]").await;
    let at = b.c.current_url().await.unwrap();
    if !at.path().starts_with("/selfgov/meetings/") {
        let errors = match b.c.find(Locator::Css(".errors, .field-error")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        panic!("the meeting was not called: still at {at} ({errors})");
    }
    b.c.find(Locator::XPath("//summary[contains(., '公布议题')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text("topic-title", "村道两侧种什么树").await;
    text("topic-body", "请大家来论坛上说说想法").await;
    click("form[action$='/topic'] button[type=submit]").await;
    let body = b.body().await;
    assert!(body.contains("村道两侧种什么树"), "{body}");
    assert!(
        !body.contains("比规定的公告期少了"),
        "ten days ahead is in time"
    );
    b.shot("selfgov-meeting.png").await;
    b.c.goto(&format!("{}/p/{HTT}", b.base)).await.unwrap();
    assert!(b.body().await.contains("村道两侧种什么树"));

    // a room's week: book, then ask for the same slot again
    b.c.goto(&format!("{}/selfgov/c/{HTT}", b.base))
        .await
        .unwrap();
    b.c.find(Locator::LinkText("康复健身室"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for attempt in 0..2 {
        text("book-title", "太极拳班").await;
        text("book-organiser", "老年协会").await;
        crate::browser::type_date(&b.c, "book-date", &day(9)).await;
        crate::browser::type_time(&b.c, "book-starts", "08:30").await;
        crate::browser::type_time(&b.c, "book-ends", "09:30").await;
        click("form[action$='/book'] button[type=submit]").await;
        let body = b.body().await;
        if attempt == 0 {
            assert!(body.contains("08:30–09:30 太极拳班"), "{body}");
            b.shot("selfgov-room-week.png").await;
        } else {
            assert!(body.contains("与已有预约冲突"), "{body}");
            b.shot("selfgov-room-clash.png").await;
        }
    }
}
