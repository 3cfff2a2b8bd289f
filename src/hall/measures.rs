//! Measures of the hall for a user's scope and a year of receipt: share finished inside the
//! community, overdue share, median handling time (working days) and satisfaction, by item,
//! department, group (小事 / 小病 / 求职), community and town. Read from the counters kept as
//! cases move (`case_stats`), plus the open cases past their deadline, counted live.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::Value;
use serde::Serialize;

use crate::hall::cases::OPEN_STATUSES;
use crate::hall::catalogue::Item;
use crate::hall::rules::{self, HIST_BUCKETS};
use crate::platform::auth::Scope;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::types::DivisionCode;
use crate::vals;

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Counters {
    pub received: i64,
    pub rejected: i64,
    pub completed: i64,
    pub in_community: i64,
    /// Completed after the deadline.
    pub late: i64,
    /// Open and past the deadline today.
    pub open_overdue: i64,
    pub rated: i64,
    pub stars: i64,
    pub days_sum: i64,
    /// Completed cases by working days taken: 0..=20, and 21 for more.
    pub hist: Vec<i64>,
}

impl Counters {
    fn add(&mut self, o: &Counters) {
        self.received += o.received;
        self.rejected += o.rejected;
        self.completed += o.completed;
        self.in_community += o.in_community;
        self.late += o.late;
        self.open_overdue += o.open_overdue;
        self.rated += o.rated;
        self.stars += o.stars;
        self.days_sum += o.days_sum;
        if self.hist.len() < HIST_BUCKETS {
            self.hist.resize(HIST_BUCKETS, 0);
        }
        for (a, b) in self.hist.iter_mut().zip(&o.hist) {
            *a += b;
        }
    }
    /// Share of completed cases finished inside the community, in permille.
    pub fn in_community_pm(&self) -> i64 {
        rules::permille(self.in_community, self.completed)
    }
    /// Share of accepted cases that are or were overdue, in permille.
    pub fn overdue_pm(&self) -> i64 {
        rules::permille(self.late + self.open_overdue, self.received - self.rejected)
    }
    pub fn median_days(&self) -> Option<usize> {
        let mut h = [0i64; HIST_BUCKETS];
        for (a, b) in h.iter_mut().zip(&self.hist) {
            *a = *b;
        }
        rules::hist_median(&h)
    }
    /// Mean stars in tenths (45 = 4.5), `None` before the first rating.
    pub fn satisfaction_tenths(&self) -> Option<i64> {
        (self.rated > 0).then(|| (self.stars * 10 + self.rated / 2) / self.rated)
    }
}

/// One line of a measures table.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub key: String,
    pub label: String,
    pub c: Counters,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Measures {
    pub year: i32,
    pub total: Counters,
    pub by_group: Vec<Line>,
    pub by_department: Vec<Line>,
    pub by_item: Vec<Line>,
    pub by_town: Vec<Line>,
    pub by_community: Vec<Line>,
}

/// Condition on a stats or case table's `community_code` and `item_id` for a scope; `None`
/// for scopes without measures (providers).
fn stats_scope(
    scope: &Scope,
    district: &DivisionCode,
    alias: &str,
) -> Option<(String, Vec<Value>)> {
    let range = |c: &DivisionCode| {
        let (lo, hi) = c.descendant_range();
        (
            format!("{alias}.community_code BETWEEN ? AND ?"),
            vals![lo, hi],
        )
    };
    match scope {
        Scope::District => Some(range(district)),
        Scope::Town(t) => Some(range(t)),
        Scope::Community(c) => Some((format!("{alias}.community_code = ?"), vals![c.as_str()])),
        Scope::Department(d) => {
            let (cond, mut v) = range(district);
            v.push((*d).into());
            Some((
                format!(
                    "{cond} AND {alias}.item_id IN (SELECT id FROM service_items WHERE department_id = ?)"
                ),
                v,
            ))
        }
        Scope::Provider(_) => None,
    }
}

/// The counter columns of `case_stats`, in the order [`Counters`] reads them.
pub fn counter_columns() -> Vec<String> {
    let mut cols: Vec<String> = [
        "received",
        "rejected",
        "completed",
        "in_community",
        "late",
        "rated",
        "stars",
        "days_sum",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    cols.extend((0..HIST_BUCKETS).map(|i| format!("h{i}")));
    cols
}

/// Counters grouped by a key expression, from `case_stats`: one statement whose rows come
/// back as one JSON array (see `db::all_json`).
async fn grouped(
    db: &Db,
    key: &str,
    cond: &str,
    v: Vec<Value>,
) -> Result<BTreeMap<String, Counters>> {
    let cols = counter_columns();
    let sums = cols
        .iter()
        .map(|c| format!("CAST(SUM(s.{c}) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut names = vec!["k"];
    names.extend(cols.iter().map(String::as_str));
    let rows: Vec<Vec<serde_json::Value>> = db::all_json(
        &db.conn,
        &names,
        &format!(
            "SELECT CAST({key} AS TEXT) AS k, {sums} FROM case_stats s WHERE {cond} GROUP BY {key}"
        ),
        v,
    )
    .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let key = match r.first() {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => continue,
        };
        let n = |i: usize| r.get(i).and_then(|x| x.as_i64()).unwrap_or(0);
        out.insert(
            key,
            Counters {
                received: n(1),
                rejected: n(2),
                completed: n(3),
                in_community: n(4),
                late: n(5),
                rated: n(6),
                stars: n(7),
                days_sum: n(8),
                open_overdue: 0,
                hist: (0..HIST_BUCKETS).map(|i| n(9 + i)).collect(),
            },
        );
    }
    Ok(out)
}

/// Open cases past their deadline, grouped by a key expression on `k`.
async fn open_overdue(
    db: &Db,
    key: &str,
    cond: &str,
    v: Vec<Value>,
) -> Result<BTreeMap<String, i64>> {
    #[derive(sea_orm::FromQueryResult)]
    struct R {
        k: String,
        n: i64,
    }
    // only the open cases past their deadline, found by deadline: few, whatever the volume
    let hint = if db.is_sqlite() {
        "INDEXED BY cases_overdue"
    } else {
        ""
    };
    let rows: Vec<R> = db::all(
        &db.conn,
        &format!(
            "SELECT CAST({key} AS TEXT) AS k, COUNT(*) AS n FROM cases k {hint} WHERE {cond} \
             AND k.status IN {OPEN_STATUSES} AND k.due_on < ? AND k.received_on BETWEEN ? AND ? \
             GROUP BY {key}"
        ),
        v,
    )
    .await?;
    Ok(rows.into_iter().map(|r| (r.k, r.n)).collect())
}

/// What the measures are asked for: a year of receipt, optionally one town, with the
/// catalogue and the area names to label the lines.
pub struct Ask<'a> {
    pub year: i32,
    pub town: Option<&'a DivisionCode>,
    pub items: &'a [Item],
    pub names: &'a BTreeMap<String, String>,
    pub english: bool,
    pub today: NaiveDate,
}

/// The measures of a year for a scope, optionally one town of it.
pub async fn measures(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    ask: &Ask<'_>,
) -> Result<Measures> {
    let Ask {
        year,
        town,
        items,
        names,
        english,
        today,
    } = *ask;
    let (mut cond, mut v) = stats_scope(scope, district, "s").ok_or(AppError::Forbidden)?;
    let (mut kcond, mut kv) = stats_scope(scope, district, "k").ok_or(AppError::Forbidden)?;
    if let Some(t) = town {
        let (lo, hi) = t.descendant_range();
        cond.push_str(" AND s.community_code BETWEEN ? AND ?");
        v.extend(vals![lo.clone(), hi.clone()]);
        kcond.push_str(" AND k.community_code BETWEEN ? AND ?");
        kv.extend(vals![lo, hi]);
    }
    cond.push_str(" AND s.year = ?");
    v.push(year.into());
    kv.extend(vals![
        today,
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31)
    ]);

    let mut by_item = grouped(db, "s.item_id", &cond, v.clone()).await?;
    let mut by_community = grouped(db, "s.community_code", &cond, v).await?;
    for (k, n) in open_overdue(db, "k.item_id", &kcond, kv.clone()).await? {
        by_item.entry(k).or_default().open_overdue += n;
    }
    for (k, n) in open_overdue(db, "k.community_code", &kcond, kv).await? {
        by_community.entry(k).or_default().open_overdue += n;
    }

    let mut total = Counters::default();
    let mut groups: BTreeMap<&str, Counters> = BTreeMap::new();
    let mut departments: BTreeMap<String, (String, Counters)> = BTreeMap::new();
    let mut item_lines = Vec::new();
    for it in items {
        let Some(c) = by_item.get(&it.id.to_string()) else {
            continue;
        };
        total.add(c);
        groups.entry(group_rank(&it.group_key)).or_default().add(c);
        let (dk, dl) = match (&it.department_id, it.department_label(english)) {
            (Some(id), Some(name)) => (format!("d{id}"), name.to_string()),
            _ => (format!("o-{}", it.owner_kind), String::new()),
        };
        departments
            .entry(dk)
            .or_insert_with(|| (dl, Counters::default()))
            .1
            .add(c);
        item_lines.push(Line {
            key: it.code.clone(),
            label: it.label(english).to_string(),
            c: c.clone(),
        });
    }
    let mut towns: BTreeMap<String, Counters> = BTreeMap::new();
    let mut community_lines = Vec::new();
    for (code, c) in by_community {
        towns
            .entry(format!("{}000", &code[..9.min(code.len())]))
            .or_default()
            .add(&c);
        community_lines.push(Line {
            label: names.get(&code).cloned().unwrap_or_else(|| code.clone()),
            key: code,
            c,
        });
    }
    Ok(Measures {
        year,
        total,
        by_group: groups
            .into_iter()
            .map(|(k, c)| Line {
                key: k[2..].to_string(),
                label: String::new(),
                c,
            })
            .collect(),
        by_department: departments
            .into_iter()
            .map(|(k, (label, c))| Line { key: k, label, c })
            .collect(),
        by_item: item_lines,
        by_town: towns
            .into_iter()
            .map(|(k, c)| Line {
                label: names.get(&k).cloned().unwrap_or_else(|| k.clone()),
                key: k,
                c,
            })
            .collect(),
        by_community: community_lines,
    })
}

/// Groups in the order the slogan gives them, the rest last.
fn group_rank(g: &str) -> &'static str {
    match g {
        "small_matter" => "1 small_matter",
        "minor_illness" => "2 minor_illness",
        "job" => "3 job",
        _ => "4 other",
    }
}
