//! Workforce measures an assessment indicator can be bound to (assessment::rules::MEASURES):
//! the system fills such an indicator from the register - a community has a certified social
//! worker at the round's year end; its workers' training hours in the year reach the
//! district's target - and the sheet shows the figure and where it comes from.

use chrono::NaiveDate;
use serde::Serialize;

use crate::platform::db::{self, Db};
use crate::platform::error::Result;
use crate::vals;
use crate::workers::norms;

/// A measure's value for one community and year.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Measured {
    pub met: bool,
    /// The figure in words: a message key and its arguments.
    pub key: String,
    pub args: Vec<String>,
    /// Where the figure comes from.
    pub href: String,
}

/// The day a year is counted on: its end, or today while it runs.
fn counted_on(year: i32, today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31)
        .unwrap_or(today)
        .min(today)
}

/// The measure `measure` of `community` in `year`; `None` for a measure not known.
pub async fn evaluate(
    db: &Db,
    community: &str,
    year: i32,
    today: NaiveDate,
    measure: &str,
) -> Result<Option<Measured>> {
    let on = counted_on(year, today);
    match measure {
        "certified_worker" => {
            let who: Vec<(String,)> = db::all_json(
                &db.conn,
                &["name"],
                "SELECT w.name FROM worker_certificates x JOIN worker_periods p \
                 ON p.worker_id = x.worker_id JOIN workers w ON w.id = x.worker_id \
                 WHERE p.unit_code = ? AND p.start_on <= ? AND (p.end_on IS NULL OR p.end_on >= ?) \
                 AND x.level <> 'other' AND x.obtained_on <= ? \
                 AND (x.registered_until IS NULL OR x.registered_until >= ?) \
                 ORDER BY x.obtained_on, w.id",
                vals![community, on, on, on, on],
            )
            .await?;
            let names: Vec<String> = who.into_iter().map(|(n,)| n).collect();
            Ok(Some(Measured {
                met: !names.is_empty(),
                key: if names.is_empty() {
                    "workers.measure.certified_none".into()
                } else {
                    "workers.measure.certified".into()
                },
                args: vec![on.to_string(), names.join("、")],
                href: format!("/workers?unit={community}&certified=yes"),
            }))
        }
        "training_hours" => {
            let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(on);
            let (workers, hours): (i64, i64) = db::all_json::<(i64, Option<i64>), _>(
                &db.conn,
                &["n", "h"],
                "SELECT COUNT(*) AS n, SUM((SELECT SUM(e.hours) FROM training_enrolments e \
                 JOIN training_courses k ON k.id = e.course_id \
                 WHERE e.worker_id = p.worker_id AND k.starts_on BETWEEN ? AND ?)) AS h \
                 FROM worker_periods p WHERE p.unit_code = ? AND p.start_on <= ? \
                 AND (p.end_on IS NULL OR p.end_on >= ?)",
                vals![first, on, community, on, on],
            )
            .await?
            .into_iter()
            .next()
            .map(|(n, h)| (n, h.unwrap_or(0)))
            .unwrap_or((0, 0));
            let target = norms::target_for(&norms::targets(db).await?, year)
                .map(|t| i64::from(t.training_hours));
            let avg_x10 = (hours * 10).checked_div(workers).unwrap_or(0);
            let met = target.is_some_and(|t| workers > 0 && avg_x10 >= t * 10);
            Ok(Some(Measured {
                met,
                key: "workers.measure.training".into(),
                args: vec![
                    format!("{}.{}", avg_x10 / 10, avg_x10 % 10),
                    target.map_or_else(|| "—".to_string(), |t| t.to_string()),
                    workers.to_string(),
                ],
                href: format!("/workers?unit={community}"),
            }))
        }
        _ => Ok(None),
    }
}

/// The points a measured indicator earns: all of them when met, none otherwise (for a
/// deduction indicator: nothing deducted, or everything).
pub fn points_x10(met: bool, max_x10: i64, deduction: bool) -> i64 {
    match (met, deduction) {
        (true, false) | (false, true) => max_x10,
        _ => 0,
    }
}
