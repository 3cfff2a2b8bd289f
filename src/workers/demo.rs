//! The demo's community workers: about seven in each community (a party secretary, a
//! director, a deputy, committee members, full-time workers and an assistant), older and
//! with less schooling the earlier they started, as the report found them in 2007; social-work
//! certificates from the first national exams (2008) on, so that most communities but not
//! all have a certified social worker today. Its own generator: the other domains' demo data
//! does not move when this one changes.

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::Value;

use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
use crate::platform::sample::{Rng, name};
use crate::platform::types::IdNumber;
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

/// One worker drawn: their row, their period and, if any, their certificate.
struct Drawn {
    row: Vec<Value>,
    period: (String, &'static str, &'static str, NaiveDate),
    certificate: Option<(&'static str, NaiveDate, NaiveDate)>,
}

#[allow(clippy::too_many_arguments)]
fn draw(
    c: &str,
    slot: usize,
    seq: i64,
    certified_slot: Option<usize>,
    today: NaiveDate,
    rng: &mut Rng,
    used: &mut std::collections::HashSet<String>,
) -> Drawn {
    let (post, employment) = TEAM[slot];
    // the earlier they started, the older and the less schooled (the report's 2007)
    let start_year = if slot < 4 {
        rng.range(1996, 2021)
    } else {
        rng.range(2006, 2025)
    } as i32;
    let start = NaiveDate::from_ymd_opt(start_year, rng.range(1, 12) as u32, 1).unwrap_or(today);
    let age_at_start = if start_year < 2008 {
        rng.range(38, 52)
    } else {
        rng.range(23, 40)
    };
    // nobody in the register today is past 60: the older ones of 2007 have retired
    let birth_year = (start_year - age_at_start as i32).max(today.year() - 60);
    let birth = NaiveDate::from_ymd_opt(birth_year, 1, 1).unwrap_or(today)
        + Duration::days(rng.range(0, 364));
    let education = match (start_year < 2008, rng.range(0, 9)) {
        (true, 0..=3) => "junior",
        (true, 4..=7) => "senior",
        (true, _) => "college",
        (false, 0) => "senior",
        (false, 1..=4) => "college",
        (false, 5..=8) => "bachelor",
        (false, _) => "postgraduate",
    };
    let male = rng.range(0, 1) == 1;
    let political = if slot < 2 || rng.range(0, 2) == 0 {
        "party"
    } else {
        "masses"
    };
    let phone = format!("1391700{:04}", seq % 10_000);
    let pay = match employment {
        "full_time" => 380_000 + rng.range(0, 80) * 1_000,
        "public_welfare" => 240_000,
        _ => 300_000 + rng.range(0, 60) * 1_000,
    };
    let contract_end = (employment != "elected")
        .then(|| NaiveDate::from_ymd_opt(today.year() + rng.range(0, 2) as i32, 12, 31))
        .flatten();
    let certificate = (certified_slot == Some(slot)).then(|| {
        let year = rng.range(2008, 2024) as i32;
        let obtained = NaiveDate::from_ymd_opt(year, 11, 20)
            .unwrap_or(today)
            .max(start);
        let obtained = obtained.min(today);
        // registered for three years, renewed since: valid to the end of the current term
        let mut until = obtained + Duration::days(3 * 365);
        while until < today {
            until += Duration::days(3 * 365);
        }
        let level = if rng.range(0, 4) == 0 {
            "social_worker"
        } else {
            "assistant"
        };
        (level, obtained, until)
    });
    Drawn {
        row: vals![
            name(rng),
            male,
            Some(id_number(birth, seq, male, used)).filter(|i| !i.is_empty()),
            birth,
            education,
            political,
            phone,
            pay,
            contract_end
        ],
        period: (c.to_string(), post, employment, start),
        certificate,
    }
}

/// The register of the communities of today.
pub async fn generate(db: &Db, communities: &[String]) -> anyhow::Result<()> {
    let mut rng = Rng::new(2015);
    let today = db.clock().today();
    let now = db.clock().now();
    let mut drawn: Vec<Drawn> = Vec::with_capacity(communities.len() * TEAM.len());
    let mut used = std::collections::HashSet::new();
    for (i, c) in communities.iter().enumerate() {
        // one community in eleven has nobody certified yet; the others one worker
        let certified_slot = (i % 11 != 7).then(|| 4 + (i % 3));
        for slot in 0..TEAM.len() {
            let seq = drawn.len() as i64 + 1;
            drawn.push(draw(
                c,
                slot,
                seq,
                certified_slot,
                today,
                &mut rng,
                &mut used,
            ));
        }
    }
    let tx = db.write_tx().await.map_err(err)?;
    let n = drawn.len();
    let mut rows = Vec::with_capacity(n);
    let mut rest = Vec::with_capacity(n);
    for d in drawn {
        let mut row = d.row;
        row.extend(vals![now, now]);
        rows.push(row);
        rest.push((d.period, d.certificate));
    }
    db::insert_rows(
        &tx,
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
        rows,
    )
    .await
    .map_err(err)?;
    // the rows' ids in the order inserted (the register is empty before the demo)
    let ids: Vec<(i64,)> =
        db::all_json(&tx, &["id"], "SELECT id FROM workers ORDER BY id", vals![])
            .await
            .map_err(err)?;
    let mut periods = Vec::with_capacity(n);
    let mut certificates = vec![];
    for ((id,), ((unit, post, employment, start), certificate)) in ids.into_iter().zip(rest) {
        periods.push(vals![id, unit, post, employment, start]);
        if let Some((level, obtained, until)) = certificate {
            let number = format!("{}{:07}", obtained.year(), id);
            certificates.push(vals![id, level, number, obtained, until]);
        }
    }
    db::insert_rows(
        &tx,
        "worker_periods",
        &["worker_id", "unit_code", "post", "employment", "start_on"],
        periods,
    )
    .await
    .map_err(err)?;
    let certified = certificates.len();
    db::insert_rows(
        &tx,
        "worker_certificates",
        &[
            "worker_id",
            "level",
            "number",
            "obtained_on",
            "registered_until",
        ],
        certificates,
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
        Some(&serde_json::json!({ "workers": n, "certificates": certified })),
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
