//! The demo's community workforce since 2007, as the report found it and as it changed: seven
//! posts in each community (a party secretary, a director, a deputy, a committee member, two
//! full-time workers and an assistant), each held by a chain of people - the 2007 holders
//! older and with less schooling, their successors younger and better schooled. Three to
//! five certified social workers in the whole district in 2007; the first national exam in
//! 2008 certifies one worker in almost every community, the late towns' in 2009-2010; since
//! then a community loses its coverage when its certified worker leaves, until the successor
//! is certified. Courses every year (induction, the exam's preparation, continuing
//! education, the towns' topical courses) with their attendance, the district's targets, and
//! today one community in eleven without a certified worker. Its own generator: the other
//! domains' demo data does not move when this one changes.

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::Value;

use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db, WriteTx};
use crate::platform::sample::{Rng, name};
use crate::platform::types::{DivisionCode, IdNumber};
use crate::vals;

fn err(e: crate::platform::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.describe())
}

/// Posts of a community's team, in order.
const TEAM: [(&str, &str); 7] = [
    ("secretary", "elected"),
    ("director", "elected"),
    ("deputy_director", "elected"),
    ("member", "elected"),
    ("full_time_worker", "full_time"),
    ("full_time_worker", "full_time"),
    ("assistant", "public_welfare"),
];

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// A valid ID number of the district for a birth date, not among those `used` (the order
/// code's parity is the sex; the next free one is taken).
fn id_number(
    birth: NaiveDate,
    seq: i64,
    male: bool,
    used: &mut std::collections::HashSet<String>,
) -> String {
    for step in 0..500 {
        let order = ((seq + step) % 500) * 2 + i64::from(male);
        let first17 = format!("320205{}{order:03}", birth.format("%Y%m%d"));
        let check = IdNumber::check_char(&first17) as char;
        let id = format!("{first17}{check}");
        if used.insert(id.clone()) {
            return id;
        }
    }
    // 500 workers of one sex born on one day: the last one goes without a number
    String::new()
}

/// One person who held a post.
struct Holder {
    community: usize,
    slot: usize,
    birth: NaiveDate,
    male: bool,
    education: &'static str,
    start: NaiveDate,
    end: Option<NaiveDate>,
    /// (level, obtained, registered until)
    certificates: Vec<(&'static str, NaiveDate, NaiveDate)>,
}

impl Holder {
    fn serves_on(&self, d: NaiveDate) -> bool {
        self.start <= d && self.end.is_none_or(|e| e >= d)
    }
    fn certified_on(&self, d: NaiveDate) -> bool {
        self.certificates.iter().any(|(_, o, u)| *o <= d && d <= *u)
    }
}

/// Schooling by the year someone started: the later, the more of them with college.
fn education(start_year: i32, rng: &mut Rng) -> &'static str {
    let r = rng.range(0, 99);
    if start_year < 2008 {
        match r {
            0..=39 => "junior",
            40..=84 => "senior",
            85..=96 => "college",
            _ => "bachelor",
        }
    } else {
        // every year after 2008 moves ten points from high school up to a degree, at most 60
        let shift = ((start_year - 2008) * 3).clamp(0, 40) as i64;
        match r {
            r if r < 25 - shift / 2 => "senior",
            r if r < 65 - shift => "college",
            r if r < 97 => "bachelor",
            _ => "postgraduate",
        }
    }
}

/// The chain of holders of one post of one community, from the 2007 holder to today's.
fn chain(community: usize, slot: usize, today: NaiveDate, rng: &mut Rng) -> Vec<Holder> {
    let mut out = vec![];
    let first_year = if slot < 4 {
        rng.range(1996, 2006)
    } else {
        rng.range(2002, 2007)
    } as i32;
    let mut start = ymd(first_year, rng.range(1, 12) as u32, 1);
    loop {
        let age = if start.year() < 2008 {
            rng.range(36, 52)
        } else {
            rng.range(23, 38)
        } as i32;
        let birth = ymd(start.year() - age, 1, 1) + Duration::days(rng.range(0, 364));
        let retires = ymd(birth.year() + 60, birth.month(), 1);
        let stays = start + Duration::days(rng.range(4 * 365, 22 * 365));
        let end = stays.min(retires);
        let mut h = Holder {
            community,
            slot,
            birth,
            male: rng.range(0, 1) == 1,
            education: education(start.year(), rng),
            start,
            end: (end < today).then_some(end),
            certificates: vec![],
        };
        if h.end.is_none() {
            out.push(h);
            return out;
        }
        // the successor starts the next month
        let next = end + Duration::days(rng.range(1, 45));
        if next >= today {
            h.end = None;
            out.push(h);
            return out;
        }
        out.push(h);
        start = next;
    }
}

/// A certificate obtained on `obtained` by `h`, registered in three-year terms while they
/// serve (the registration lapses with the term in which they leave).
fn certify(h: &mut Holder, level: &'static str, obtained: NaiveDate, today: NaiveDate) {
    let last = h.end.unwrap_or(today);
    let mut until = ymd(obtained.year() + 3, obtained.month(), obtained.day()).pred_opt();
    while let Some(u) = until
        && u < last
    {
        until = ymd(u.year() + 3, u.month(), u.day()).into();
    }
    if let Some(u) = until {
        h.certificates.push((level, obtained, u));
    }
}

/// The exam's day in a year (the national exam was held in November in those years).
fn exam_day(year: i32) -> NaiveDate {
    ymd(year, 11, 20)
}

/// Give the post's holders their certificates, as the community's story goes: one of the
/// district's first certified workers in 2007, the 2008 exam (2009 or 2010 in the late
/// towns), a successor certified within two years, some young graduates certified on their
/// own; `uncovered` communities lost theirs recently.
#[allow(clippy::too_many_arguments)]
fn certificates_of(
    holders: &mut [Holder],
    first_in_2007: bool,
    late: bool,
    uncovered: bool,
    certified_slot: bool,
    today: NaiveDate,
    rng: &mut Rng,
) {
    if certified_slot {
        let mut first_exam = if late {
            exam_day(rng.range(2009, 2010) as i32)
        } else {
            exam_day(2008)
        };
        if first_in_2007 {
            first_exam = ymd(2007, 6, 30);
        }
        let n = holders.len();
        for (i, h) in holders.iter_mut().enumerate() {
            let current = i == n - 1;
            if uncovered && current {
                continue;
            }
            let obtained = if h.serves_on(first_exam) {
                first_exam
            } else if h.start > first_exam {
                // a successor: certified at the first exam after a year, or hired certified
                let after = exam_day(h.start.year() + 1);
                if after <= today && h.end.is_none_or(|e| e > after) {
                    after
                } else if current {
                    h.start - Duration::days(rng.range(30, 700))
                } else {
                    continue;
                }
            } else {
                continue;
            };
            let level = if rng.range(0, 4) == 0 {
                "social_worker"
            } else {
                "assistant"
            };
            certify(h, level, obtained, today);
        }
    } else if !uncovered {
        for h in holders.iter_mut() {
            let degree = matches!(h.education, "bachelor" | "postgraduate");
            if degree && h.start.year() >= 2012 && rng.range(0, 3) == 0 {
                let obtained = exam_day(h.start.year() + rng.range(1, 3) as i32);
                if obtained <= today && h.end.is_none_or(|e| e > obtained) {
                    certify(h, "assistant", obtained, today);
                }
            }
        }
    }
}

/// Every community's holders, certificates included.
fn draw_all(communities: &[String], today: NaiveDate, rng: &mut Rng) -> Vec<Holder> {
    let towns: Vec<&str> = {
        let mut t: Vec<&str> = communities.iter().map(|c| &c[..9]).collect();
        t.dedup();
        t
    };
    let mut out = Vec::with_capacity(communities.len() * TEAM.len() * 2);
    for (i, c) in communities.iter().enumerate() {
        let town = towns.iter().position(|t| *t == &c[..9]).unwrap_or(0);
        // the late towns: one in four, half of their communities certified after 2008
        let late = town % 4 == 3 && i % 2 == 0;
        // one community in eleven has lost its certified worker and not yet replaced them
        let uncovered = i % 11 == 7;
        let certified_slot = 4 + (i % 3);
        for slot in 0..TEAM.len() {
            let mut holders = chain(i, slot, today, rng);
            if uncovered && slot == certified_slot {
                // the certified worker left within the last three years
                let last = holders.len() - 1;
                if holders[last].start < ymd(today.year() - 3, 1, 1) {
                    let end = ymd(
                        today.year() - rng.range(1, 2) as i32,
                        rng.range(1, 12) as u32,
                        1,
                    );
                    holders[last].end = Some(end);
                    let mut next = chain(i, slot, today, rng)
                        .pop()
                        .unwrap_or_else(|| unreachable!());
                    next.start = end + Duration::days(30);
                    next.end = None;
                    next.birth = ymd(today.year() - 30, 1, 1) + Duration::days(rng.range(0, 3000));
                    next.education = "bachelor";
                    holders.push(next);
                }
            }
            certificates_of(
                &mut holders,
                i < 4,
                late,
                uncovered,
                slot == certified_slot,
                today,
                rng,
            );
            out.extend(holders);
        }
    }
    out
}

/// The register of the communities of today with its history since 2007, the courses of
/// every year and the district's targets.
pub async fn generate(
    db: &Db,
    district: &DivisionCode,
    communities: &[String],
) -> anyhow::Result<()> {
    let mut rng = Rng::new(2015);
    let today = db.clock().today();
    let now = db.clock().now();
    let holders = draw_all(communities, today, &mut rng);
    let tx = db.write_tx().await.map_err(err)?;
    let ids = insert_workers(&tx, communities, &holders, today, now, &mut rng).await?;
    let courses =
        insert_training(&tx, district, communities, &holders, &ids, today, &mut rng).await?;
    recruitment_2008(&tx, &mut rng).await?;
    insert_roster(&tx, communities, &holders, &ids, today).await?;
    db::insert_rows(
        &tx,
        "workforce_targets",
        &["year", "coverage_pct", "training_hours", "updated_at"],
        vec![vals![2008, 100, 24, now], vals![2020, 100, 40, now]],
    )
    .await
    .map_err(err)?;
    audit::commit(
        tx,
        &Actor::system("demo"),
        "import",
        "worker",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({ "workers": holders.len(), "courses": courses })),
    )
    .await
    .map_err(err)?;
    Ok(())
}

async fn insert_workers(
    tx: &WriteTx,
    communities: &[String],
    holders: &[Holder],
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    rng: &mut Rng,
) -> anyhow::Result<Vec<i64>> {
    let mut used = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(holders.len());
    for (seq, h) in holders.iter().enumerate() {
        let (_, employment) = TEAM[h.slot];
        let political = if h.slot < 2 || rng.range(0, 2) == 0 {
            "party"
        } else {
            "masses"
        };
        let pay = match employment {
            "full_time" => 380_000 + rng.range(0, 80) * 1_000,
            "public_welfare" => 240_000,
            _ => 300_000 + rng.range(0, 60) * 1_000,
        };
        let contract_end = match (employment, h.end) {
            ("elected", _) => None,
            (_, Some(end)) => Some(end),
            _ => NaiveDate::from_ymd_opt(today.year() + rng.range(0, 2) as i32, 12, 31),
        };
        let id = id_number(h.birth, seq as i64 + 1, h.male, &mut used);
        rows.push(vals![
            name(rng),
            h.male,
            Some(id).filter(|i| !i.is_empty()),
            h.birth,
            h.education,
            political,
            format!("1391700{:04}", (seq + 1) % 10_000),
            pay,
            contract_end,
            now,
            now
        ]);
    }
    for chunk in rows.chunks(20_000) {
        db::insert_rows(
            tx,
            "workers",
            &[
                "name",
                "male",
                "id_number",
                "birth_date",
                "education",
                "political",
                "phone",
                "pay_fen",
                "contract_end",
                "created_at",
                "updated_at",
            ],
            chunk.to_vec(),
        )
        .await
        .map_err(err)?;
    }
    // the rows' ids in the order inserted (the register is empty before the demo)
    let ids: Vec<(i64,)> = db::all_json(tx, &["id"], "SELECT id FROM workers ORDER BY id", vals![])
        .await
        .map_err(err)?;
    let ids: Vec<i64> = ids.into_iter().map(|(i,)| i).collect();
    insert_periods(tx, communities, holders, &ids).await?;
    Ok(ids)
}

/// Each holder's period in their post and their certificates.
async fn insert_periods(
    tx: &WriteTx,
    communities: &[String],
    holders: &[Holder],
    ids: &[i64],
) -> anyhow::Result<()> {
    let mut periods = Vec::with_capacity(holders.len());
    let mut certificates = vec![];
    for (h, id) in holders.iter().zip(ids) {
        let (post, employment) = TEAM[h.slot];
        periods.push(vals![
            *id,
            communities[h.community].clone(),
            post,
            employment,
            h.start,
            h.end
        ]);
        for (level, obtained, until) in &h.certificates {
            let number = format!("{}{:07}", obtained.year(), id);
            certificates.push(vals![*id, *level, number, *obtained, *until]);
        }
    }
    for chunk in periods.chunks(20_000) {
        db::insert_rows(
            tx,
            "worker_periods",
            &[
                "worker_id",
                "unit_code",
                "post",
                "employment",
                "start_on",
                "end_on",
            ],
            chunk.to_vec(),
        )
        .await
        .map_err(err)?;
    }
    for chunk in certificates.chunks(20_000) {
        db::insert_rows(
            tx,
            "worker_certificates",
            &[
                "worker_id",
                "level",
                "number",
                "obtained_on",
                "registered_until",
            ],
            chunk.to_vec(),
        )
        .await
        .map_err(err)?;
    }
    Ok(())
}

/// A course of the demo and who attended: (worker index, hours credited or none yet).
struct DemoCourse {
    title: String,
    organiser: String,
    kind: &'static str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    hours: i64,
    place: String,
    enrolled: Vec<(usize, Option<i64>)>,
}

/// Who is in the course's list, by the holders' indexes.
type Pick<'a> = &'a dyn Fn(&Holder) -> bool;

/// The courses of one year: the district's induction, exam preparation and continuing
/// education, each town's topical course (`towns`: code, name, its holders' indexes).
fn courses_of_year(
    year: i32,
    district: &DivisionCode,
    towns: &[(String, String, Vec<usize>)],
    holders: &[Holder],
    today: NaiveDate,
    rng: &mut Rng,
) -> Vec<DemoCourse> {
    let mut out = vec![];
    let d = district.as_str();
    let all: Vec<usize> = (0..holders.len()).collect();
    let mut course = |title: String,
                      organiser: &str,
                      kind,
                      from: NaiveDate,
                      hours: i64,
                      among: &[usize],
                      place: String,
                      pick: Pick<'_>| {
        let enrolled = among
            .iter()
            .filter(|&&i| pick(&holders[i]))
            .map(|&i| (i, Some(if rng.range(0, 19) == 0 { 0 } else { hours })))
            .collect();
        out.push(DemoCourse {
            title,
            organiser: organiser.to_string(),
            kind,
            starts_on: from,
            ends_on: from + Duration::days(if hours > 24 { 40 } else { 3 }),
            hours,
            place,
            enrolled,
        });
    };
    let (spring, last_spring) = (ymd(year, 4, 1), ymd(year - 1, 4, 1));
    course(
        format!("{year} 年新任社区工作者岗前培训"),
        d,
        "induction",
        ymd(year, 4, 8),
        24,
        &all,
        "区社区工作者培训中心".into(),
        &|h| h.start < spring && h.start >= last_spring,
    );
    if year >= 2008 {
        let exam = exam_day(year);
        course(
            format!("{year} 年社会工作者职业水平考试考前培训"),
            d,
            "exam_prep",
            ymd(year, 9, 1),
            32,
            &all,
            "区社区工作者培训中心".into(),
            &|h| h.certificates.iter().any(|(_, o, _)| *o == exam),
        );
    }
    if year >= 2009 {
        let on = ymd(year, 10, 12);
        course(
            format!("{year} 年社会工作者继续教育"),
            d,
            "continuing",
            on,
            24,
            &all,
            "区社区工作者培训中心".into(),
            &|h| h.serves_on(on) && h.certified_on(on),
        );
    }
    let on = ymd(year, 6, 10);
    for (code, name, mine) in towns {
        course(
            format!("{name} {year} 年社区工作专题培训"),
            code,
            "topical",
            on,
            16,
            mine,
            format!("{name}社区服务中心"),
            &|h| (h.slot == 1 || h.slot == 4) && h.serves_on(on),
        );
    }
    out.retain(|c| c.starts_on <= today);
    for c in &mut out {
        if c.ends_on >= today {
            for e in &mut c.enrolled {
                e.1 = None;
            }
        }
    }
    out
}

/// Every year's courses since 2007, and the winter course for next year's exam starting
/// in a few days, in which half the communities without a certified worker have enrolled
/// theirs.
#[allow(clippy::too_many_arguments)]
async fn insert_training(
    tx: &WriteTx,
    district: &DivisionCode,
    communities: &[String],
    holders: &[Holder],
    ids: &[i64],
    today: NaiveDate,
    rng: &mut Rng,
) -> anyhow::Result<usize> {
    let names: Vec<(String, String)> = db::all_json(
        tx,
        &["code", "name"],
        "SELECT code, name FROM divisions WHERE level = 4 ORDER BY code",
        vals![],
    )
    .await
    .map_err(err)?;
    let mut by_town: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, h) in holders.iter().enumerate() {
        by_town
            .entry(&communities[h.community][..9])
            .or_default()
            .push(i);
    }
    let towns: Vec<(String, String, Vec<usize>)> = names
        .into_iter()
        .filter_map(|(code, name)| {
            let mine = by_town.remove(&code[..9])?;
            Some((code, name, mine))
        })
        .collect();
    let mut courses = vec![];
    for year in 2007..=today.year() {
        courses.extend(courses_of_year(year, district, &towns, holders, today, rng));
    }
    let next = today.year() + 1;
    let mut winter = DemoCourse {
        title: format!("{next} 年社工职业水平考试考前辅导（冬季班）"),
        organiser: district.as_str().to_string(),
        kind: "exam_prep",
        starts_on: today + Duration::days(4),
        ends_on: today + Duration::days(25),
        hours: 32,
        place: "区社区工作者培训中心".into(),
        enrolled: vec![],
    };
    let uncovered: Vec<usize> = (0..communities.len()).filter(|i| i % 11 == 7).collect();
    for (n, c) in uncovered.iter().enumerate() {
        if n % 2 == 1
            && let Some(i) = holders
                .iter()
                .position(|h| h.community == *c && h.slot == 4 + (c % 3) && h.end.is_none())
        {
            winter.enrolled.push((i, None));
        }
    }
    courses.push(winter);
    let now = tx.clock().now();
    let rows: Vec<Vec<Value>> = courses
        .iter()
        .map(|c| {
            vals![
                c.title.clone(),
                c.organiser.clone(),
                c.kind,
                c.starts_on,
                c.ends_on,
                c.hours,
                c.place.clone(),
                now
            ]
        })
        .collect();
    for chunk in rows.chunks(5_000) {
        db::insert_rows(
            tx,
            "training_courses",
            &[
                "title",
                "organiser_code",
                "kind",
                "starts_on",
                "ends_on",
                "hours",
                "place",
                "created_at",
            ],
            chunk.to_vec(),
        )
        .await
        .map_err(err)?;
    }
    let course_ids: Vec<(i64,)> = db::all_json(
        tx,
        &["id"],
        "SELECT id FROM training_courses ORDER BY id",
        vals![],
    )
    .await
    .map_err(err)?;
    let mut enrolments: Vec<Vec<Value>> = vec![];
    for (c, (cid,)) in courses.iter().zip(&course_ids) {
        for (i, hours) in &c.enrolled {
            enrolments.push(vals![*cid, ids[*i], *hours, now]);
            if enrolments.len() == 20_000 {
                insert_enrolments(tx, std::mem::take(&mut enrolments)).await?;
            }
        }
    }
    insert_enrolments(tx, enrolments).await?;
    Ok(courses.len())
}

/// The 2008 round that brought full-time workers in: a post in each of the first six
/// communities that hired one that summer, four applicants each (one over the age limit),
/// the best hired - and the worker's record is theirs.
async fn recruitment_2008(tx: &WriteTx, rng: &mut Rng) -> anyhow::Result<()> {
    let hired: Vec<(i64, String, String, Option<String>, String)> = db::all_json(
        tx,
        &["id", "unit_code", "name", "id_number", "education"],
        "SELECT w.id, p.unit_code, w.name, w.id_number, w.education FROM workers w \
         JOIN worker_periods p ON p.worker_id = w.id WHERE p.post = 'full_time_worker' \
         AND p.start_on BETWEEN '2008-07-01' AND '2008-12-31' AND w.id_number IS NOT NULL \
         ORDER BY p.unit_code, w.id LIMIT 6",
        vals![],
    )
    .await
    .map_err(err)?;
    if hired.is_empty() {
        return Ok(());
    }
    let now = tx.clock().now();
    let round = db::scalar(
        tx,
        "INSERT INTO recruitment_rounds (title, closes_on, written_pct, created_at) \
         VALUES (?, ?, ?, ?) RETURNING id",
        vals!["2008 年社区专职工作者公开招聘", ymd(2008, 5, 31), 60, now],
    )
    .await
    .map_err(err)?
    .unwrap_or(0);
    let mut used = std::collections::HashSet::new();
    for (n, (wid, unit, name_of, id, education)) in hired.into_iter().enumerate() {
        let post = db::scalar(
            tx,
            "INSERT INTO recruitment_posts (round_id, unit_code, post, places, min_education, \
             max_age) VALUES (?, ?, 'full_time_worker', 1, 'senior', 40) RETURNING id",
            vals![round, unit],
        )
        .await
        .map_err(err)?
        .unwrap_or(0);
        let mut rows = vec![vals![
            post,
            name_of,
            id.unwrap_or_default(),
            education,
            "社会工作",
            "",
            900 - rng.range(0, 60) as i32,
            880 - rng.range(0, 60) as i32,
            Some(wid),
            now
        ]];
        for k in 0..3 {
            // the last of each post is 45 on the closing day, over the limit
            let age = if k == 2 { 45 } else { rng.range(23, 34) as i32 };
            let birth = ymd(2008 - age, 3, 1) + Duration::days(rng.range(0, 60));
            let male = rng.range(0, 1) == 1;
            let number = id_number(birth, (n * 3 + k) as i64 + 1, male, &mut used);
            rows.push(vals![
                post,
                name(rng),
                number,
                if k == 0 { "college" } else { "senior" },
                ["行政管理", "汉语言文学", "会计"][k],
                "",
                700 + rng.range(0, 120) as i32,
                700 + rng.range(0, 120) as i32,
                None::<i64>,
                now
            ]);
        }
        db::insert_rows(
            tx,
            "recruitment_applicants",
            &[
                "post_id",
                "name",
                "id_number",
                "education",
                "major",
                "experience",
                "written_x10",
                "interview_x10",
                "worker_id",
                "created_at",
            ],
            rows,
        )
        .await
        .map_err(err)?;
    }
    Ok(())
}

/// This week's and next week's duty at every community's service hall: the full-time
/// workers and the assistant take the weekdays in turn, 08:30-17:00; the director Saturday
/// morning.
async fn insert_roster(
    tx: &WriteTx,
    communities: &[String],
    holders: &[Holder],
    ids: &[i64],
    today: NaiveDate,
) -> anyhow::Result<()> {
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let mut current: Vec<[Option<i64>; 7]> = vec![[None; 7]; communities.len()];
    for (h, id) in holders.iter().zip(ids) {
        if h.end.is_none() {
            current[h.community][h.slot] = Some(*id);
        }
    }
    let mut rows = vec![];
    for (c, slots) in communities.iter().zip(&current) {
        for day in 0..14i64 {
            let date = monday + Duration::days(day);
            let (worker, starts, ends) = match day % 7 {
                5 => (slots[1], "09:00", "12:00"),
                6 => continue,
                d => (slots[4 + (d as usize % 3)], "08:30", "17:00"),
            };
            if let Some(w) = worker {
                rows.push(vals![c.clone(), date, w, starts, ends]);
            }
        }
    }
    for chunk in rows.chunks(20_000) {
        db::insert_rows(
            tx,
            "duty_roster",
            &["community_code", "on_date", "worker_id", "starts", "ends"],
            chunk.to_vec(),
        )
        .await
        .map_err(err)?;
    }
    Ok(())
}

async fn insert_enrolments(tx: &WriteTx, rows: Vec<Vec<Value>>) -> anyhow::Result<()> {
    db::insert_rows(
        tx,
        "training_enrolments",
        &["course_id", "worker_id", "hours", "enrolled_at"],
        rows,
    )
    .await
    .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_id_numbers_are_valid_and_never_repeat() {
        let birth = NaiveDate::from_ymd_opt(1975, 6, 1).unwrap();
        let mut used = std::collections::HashSet::new();
        // every worker of one sex born on one day gets a number of their own, the same seq
        // over and over included
        for _ in 0..500 {
            let id = id_number(birth, 7, true, &mut used);
            let parsed = IdNumber::parse(&id).unwrap();
            assert!(parsed.is_male());
            assert_eq!(parsed.birth_date(), birth);
        }
        assert_eq!(used.len(), 500);
        assert_eq!(id_number(birth, 7, true, &mut used), "", "the 501st");
        assert!(IdNumber::parse(&id_number(birth, 7, false, &mut used)).is_ok());
    }
}
