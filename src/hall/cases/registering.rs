//! Registering a case: checked, numbered, its deadline from the calendar, the resident linked, audited.

use super::*;
use crate::platform::db::WriteTx;

/// Public requests a phone may make a day (online and Open311 together).
pub const DAILY_LIMIT: i64 = 3;

/// What a public request must pass in its own transaction, so that racing requests see each
/// other: its form stamp is used up (a replay is refused), and its phone's count for the day
/// goes up by one in a single row — concurrent requests from one phone queue on that row's
/// lock, and the fourth of the day is refused.
pub(super) async fn public_checks<C: ConnectionTrait>(
    tx: &C,
    n: &NewCase,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<()> {
    if let Some(stamp) = &n.stamp {
        db::exec(
            tx,
            "DELETE FROM form_stamps WHERE used_at < ?",
            vals![now - chrono::Duration::hours(3)],
        )
        .await?;
        let fresh = db::exec(
            tx,
            "INSERT INTO form_stamps (stamp, used_at) VALUES (?, ?) ON CONFLICT (stamp) DO NOTHING",
            vals![stamp.clone(), now],
        )
        .await?;
        if fresh == 0 {
            return Err(AppError::invalid("_form", "hall.form_used"));
        }
    }
    if let Some(phone) = &n.applicant_phone {
        db::exec(
            tx,
            "DELETE FROM public_request_quota WHERE day < ?",
            vals![today],
        )
        .await?;
        let count = db::scalar(
            tx,
            "INSERT INTO public_request_quota (phone, day, requests) VALUES (?, ?, 1) \
             ON CONFLICT (phone, day) DO UPDATE SET requests = public_request_quota.requests + 1 \
             RETURNING requests",
            vals![phone.as_str(), today],
        )
        .await?
        .unwrap_or(1);
        if count > DAILY_LIMIT {
            return Err(AppError::Invalid(vec![
                FieldError::new("applicant_phone", "hall.daily_limit").with(DAILY_LIMIT),
            ]));
        }
    }
    Ok(())
}

/// A checked new case.
#[derive(Clone, Debug)]
pub struct NewCase {
    pub community: DivisionCode,
    pub item: Item,
    pub resident_id: Option<i64>,
    pub applicant_name: String,
    pub applicant_phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub description: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// window, online or open311
    pub channel: &'static str,
    /// The public form's stamp, used up with the request (good once).
    pub stamp: Option<String>,
}

/// A case as typed at the window or into the public form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseInput {
    pub community: String,
    pub item: String,
    pub resident_id: String,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub id_number: String,
    pub description: String,
    pub address: String,
}

pub const MAX_DESCRIPTION: usize = 2000;

impl CaseInput {
    /// Check the fields against the catalogue. `phone_required` for the public channels,
    /// where the phone is the only way back to the applicant and the key to the status page.
    pub fn check(
        &self,
        items: &[Item],
        channel: &'static str,
        phone_required: bool,
    ) -> Result<NewCase> {
        let mut errs = Vec::new();
        let community = DivisionCode::parse_level(
            self.community.trim(),
            crate::platform::types::Level::Community,
        );
        if community.is_err() {
            errs.push(FieldError::new("community", "hall.bad_community"));
        }
        let item = self
            .item
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| items.iter().find(|i| i.id == id))
            .or_else(|| items.iter().find(|i| i.code == self.item.trim()));
        let item = match item {
            Some(i) if !i.active => {
                errs.push(FieldError::new("item", "hall.item_inactive"));
                None
            }
            Some(i) if channel != "window" && !i.online => {
                errs.push(FieldError::new("item", "hall.item_not_online"));
                None
            }
            Some(i) => Some(i.clone()),
            None => {
                errs.push(FieldError::new("item", "hall.unknown_item"));
                None
            }
        };
        let name = self.applicant_name.trim();
        if name.is_empty() {
            errs.push(FieldError::new("applicant_name", "common.required"));
        } else if name.chars().count() > 50 {
            errs.push(FieldError::new("applicant_name", "common.too_long").with(50));
        }
        let phone = match self.applicant_phone.trim() {
            "" if phone_required => {
                errs.push(FieldError::new("applicant_phone", "common.required"));
                None
            }
            "" => None,
            s => match Phone::parse(s) {
                Ok(p) => Some(p),
                Err(k) => {
                    errs.push(FieldError::new("applicant_phone", k));
                    None
                }
            },
        };
        let id_number = match self.id_number.trim() {
            "" => None,
            s => match IdNumber::parse(s) {
                Ok(id) => Some(id),
                Err(k) => {
                    errs.push(FieldError::new("id_number", k));
                    None
                }
            },
        };
        let resident_id = match self.resident_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errs.push(FieldError::new("resident_id", "hall.unknown_resident"));
                    None
                }
            },
        };
        if self.description.chars().count() > MAX_DESCRIPTION {
            errs.push(FieldError::new("description", "common.too_long").with(MAX_DESCRIPTION));
        }
        if self.address.chars().count() > 200 {
            errs.push(FieldError::new("address", "common.too_long").with(200));
        }
        match (community, item) {
            (Ok(community), Some(item)) if errs.is_empty() => Ok(NewCase {
                community,
                item,
                resident_id,
                applicant_name: name.to_string(),
                applicant_phone: phone,
                id_number,
                description: self.description.trim().to_string(),
                address: self.address.trim().to_string(),
                lat: None,
                lon: None,
                channel,
                stamp: None,
            }),
            _ => Err(AppError::Invalid(errs)),
        }
    }
}

/// What registering gave back.
#[derive(Clone, Debug, Serialize)]
pub struct Registered {
    pub id: i64,
    pub number: String,
    pub token: Option<String>,
    pub due_on: Option<NaiveDate>,
}

/// A text for the applicant's phone, handed to the notification sender after commit.
#[derive(Clone, Debug)]
pub struct Notice {
    pub phone: String,
    pub text: String,
}

/// Add to the measures' counters of a (community, item, year).
pub(super) async fn bump<C: ConnectionTrait>(
    c: &C,
    community: &str,
    item_id: i64,
    year: i32,
    counters: &[(&str, i64)],
) -> Result<()> {
    let cols: Vec<&str> = counters.iter().map(|(c, _)| *c).collect();
    let mut v = vals![community, item_id, year];
    v.extend(counters.iter().map(|(_, n)| Value::from(*n)));
    let sql = format!(
        "INSERT INTO case_stats (community_code, item_id, year, {}) VALUES (?, ?, ?, {}) \
         ON CONFLICT (community_code, item_id, year) DO UPDATE SET {}",
        cols.join(", "),
        vec!["?"; cols.len()].join(", "),
        cols.iter()
            .map(|c| format!("{c} = case_stats.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    db::exec(c, &sql, v).await?;
    Ok(())
}

pub(super) async fn add_event(
    tx: &DatabaseTransaction,
    case_id: i64,
    actor: &Actor,
    step: &str,
    status_after: &str,
    note: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    db::exec(
        tx,
        "INSERT INTO case_events (case_id, at, actor_id, actor_name, step, status_after, note) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        vals![
            case_id,
            at,
            actor.id,
            actor.name.clone(),
            step,
            status_after,
            note
        ],
    )
    .await?;
    Ok(())
}

/// Register a case. At the window it is accepted at once and its deadline runs from today;
/// from the public channels it waits for staff to accept it.
pub async fn register(
    db: &Db,
    district: &DivisionCode,
    cal: &Calendar,
    actor: &Actor,
    n: &NewCase,
    now: DateTime<Utc>,
) -> Result<(Registered, Option<Notice>)> {
    let today = now
        .with_timezone(&crate::platform::time::district_tz())
        .date_naive();
    let accepted = n.channel == "window";
    let due_on = accepted.then(|| cal.add_working_days(today, n.item.time_limit_days as u32));
    let token = if accepted {
        None
    } else {
        Some(crate::platform::auth::random_token()?[..20].to_string())
    };
    live_community(db, district, n).await?;
    let tx = db.write_tx().await?;
    if n.channel != "window" {
        public_checks(&tx, n, now, today).await?;
    }
    // the resident: the one chosen, or the one with this ID number, or a new one
    let resident_id = resident_of(&tx, n, now).await?;
    let status = if accepted { "accepted" } else { "received" };
    let phone = n
        .applicant_phone
        .as_ref()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let row = insert_case(
        db,
        &tx,
        actor,
        n,
        NewRow {
            resident_id,
            status,
            phone: &phone,
            now,
            today,
            accepted,
            due_on,
            token: token.clone(),
        },
    )
    .await?;
    let (id, number) = (row.id, row.number);
    audit::commit(
        tx,
        actor,
        "register",
        "case",
        &number,
        None::<&()>,
        // no personal data in the append-only log: the case holds it, and can be corrected
        Some(&serde_json::json!({
            "id": id, "item": n.item.code, "community": n.community.as_str(),
            "channel": n.channel, "status": status, "due_on": due_on,
        })),
    )
    .await?;
    let notice = (!phone.is_empty()).then(|| Notice {
        phone: phone.clone(),
        text: match due_on {
            Some(d) => format!(
                "您的{}（编号 {number}）已受理，承诺 {d} 前办结。",
                n.item.name
            ),
            None => format!(
                "您的{}申请（编号 {number}）已收到，社区工作人员将尽快受理。",
                n.item.name
            ),
        },
    });
    Ok((
        Registered {
            id,
            number,
            token,
            due_on,
        },
        notice,
    ))
}

/// The community must be the district's and not merged away (read before the write lock: a
/// merge is a rare, deliberate act, and cases keep the code they were registered under).
async fn live_community(db: &Db, district: &DivisionCode, n: &NewCase) -> Result<()> {
    let (lo, hi) = district.descendant_range();
    let live = db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM divisions WHERE code = ? AND code BETWEEN ? AND ? AND level = 5 \
         AND merged_into IS NULL",
        vals![n.community.as_str(), lo, hi],
    )
    .await?
    .unwrap_or(0);
    if live == 0 {
        return Err(AppError::invalid("community", "hall.bad_community"));
    }
    Ok(())
}

/// The resident a case is for: the one chosen (of this community), or the one with this ID
/// number, or a new one; none for a walk-in without an ID number.
async fn resident_of(tx: &WriteTx, n: &NewCase, now: DateTime<Utc>) -> Result<Option<i64>> {
    Ok(match (n.resident_id, &n.id_number) {
        (Some(id), _) => {
            let here = db::scalar(
                tx,
                "SELECT COUNT(*) FROM residents WHERE id = ? AND community_code = ?",
                vals![id, n.community.as_str()],
            )
            .await?
            .unwrap_or(0);
            if here == 0 {
                return Err(AppError::invalid("resident_id", "hall.unknown_resident"));
            }
            Some(id)
        }
        (None, Some(idn)) => {
            match db::scalar(
                tx,
                "SELECT id FROM residents WHERE id_number = ?",
                vals![idn.as_str()],
            )
            .await?
            {
                Some(id) => Some(id),
                None => db::scalar(
                    tx,
                    "INSERT INTO residents (community_code, name, id_number, phone, created_at, \
                 updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    vals![
                        n.community.as_str(),
                        n.applicant_name.clone(),
                        idn.as_str(),
                        n.applicant_phone.as_ref().map(|p| p.as_str().to_string()),
                        now,
                        now
                    ],
                )
                .await?,
            }
        }
        (None, None) => None,
    })
}

/// What a new case's row is made of, beside the request.
struct NewRow<'a> {
    resident_id: Option<i64>,
    status: &'static str,
    phone: &'a str,
    now: DateTime<Utc>,
    today: NaiveDate,
    accepted: bool,
    due_on: Option<NaiveDate>,
    token: Option<String>,
}

#[derive(FromQueryResult)]
struct Inserted {
    id: i64,
    number: String,
}

/// Insert the case in one statement: its number is the next in the community's sequence for
/// the year; the trigger `cases_registered` moves the sequence on, starts the timeline and
/// counts the case as received (migration 0006).
async fn insert_case(
    db: &Db,
    tx: &WriteTx,
    actor: &Actor,
    n: &NewCase,
    r: NewRow<'_>,
) -> Result<Inserted> {
    let NewRow {
        resident_id,
        status,
        phone,
        now,
        today,
        accepted,
        due_on,
        token,
    } = r;
    let year = today.year();
    let next = "COALESCE((SELECT last_seq FROM case_counters WHERE community_code = ? AND year = ?), 0) + 1";
    let (seq_text, lookups) = if db.is_sqlite() {
        (format!("printf('%05d', {next})"), 1)
    } else {
        // lpad cuts longer strings: pad to five, never shorter than the number
        (
            format!("lpad(CAST({next} AS TEXT), GREATEST(5, length(CAST({next} AS TEXT))), '0')"),
            2,
        )
    };
    let sql = format!(
        "INSERT INTO cases (number, community_code, item_id, resident_id, applicant_name, \
         applicant_phone, channel, status, description, address, lat, lon, received_at, \
         received_on, accepted_on, due_on, token, registered_by, registered_by_id, updated_at) \
         VALUES (? || {seq_text}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         RETURNING id, number"
    );
    if !db.is_sqlite() {
        // PostgreSQL lets two transactions read the same last number: one community-year
        // takes numbers one at a time (SQLite has one writer anyway)
        let key = n.community.as_str().parse::<i64>().unwrap_or(0) * 10_000 + i64::from(year);
        db::exec(tx, "SELECT pg_advisory_xact_lock(?)", vals![key]).await?;
    }
    let mut values = vals![format!("{}-{year}-", n.community.as_str())];
    for _ in 0..lookups {
        values.extend(vals![n.community.as_str(), year]);
    }
    values.extend(vals![
        n.community.as_str(),
        n.item.id,
        resident_id,
        n.applicant_name.clone(),
        phone.to_string(),
        n.channel,
        status,
        n.description.clone(),
        n.address.clone(),
        n.lat,
        n.lon,
        now,
        today,
        accepted.then_some(today),
        due_on,
        token,
        actor.name.clone(),
        actor.id,
        now
    ]);
    let row: Inserted = db::one(tx, &sql, values)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no id for the new case"))?;
    Ok(row)
}
