//! Households (户): a community's numbered households at their address, their members with
//! their relation to the head, and their history - who moved in or out, was born or died,
//! split off into a household of their own or merged into another. A person who leaves stays
//! in the registry (status and date), so the population of any past date can be counted.

use chrono::NaiveDate;
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::personal::{Name, Personal};
use crate::platform::revision;
use crate::platform::types::{DivisionCode, Level};
use crate::registry::codes::{self, HouseholdKind, MoveKind};
use crate::registry::residents::{self, Resident, sees_personal, territory};
use crate::registry::save::household_for;
use crate::vals;

/// A household as listed.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Household {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub number: String,
    /// Residence point (自然村, 居住点) or building.
    pub point: String,
    pub house_number: String,
    pub kind: String,
    pub head_id: Option<i64>,
    #[schema(value_type = String)]
    pub head_name: Personal<Name>,
    /// Members in the registry's count today.
    pub members: i64,
    pub dissolved_on: Option<String>,
    pub revision: i64,
}

const SELECT: &str = "SELECT h.id, h.community_code, c.name AS community_name, h.number, \
    h.point, h.house_number, h.kind, h.head_id, COALESCE(p.name, '') AS head_name, \
    (SELECT COUNT(*) FROM residents m WHERE m.household_id = h.id AND m.status = 'present') \
    AS members, CAST(h.dissolved_on AS TEXT) AS dissolved_on, h.revision \
    FROM households h JOIN divisions c ON c.code = h.community_code \
    LEFT JOIN residents p ON p.id = h.head_id";

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct HouseholdQuery {
    /// A household number, or part of a residence point's name.
    pub q: Option<String>,
    /// One community (12 digits).
    pub community: Option<String>,
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

/// One page of households in the caller's territory.
pub async fn list(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    f: &HouseholdQuery,
) -> Result<(Vec<Household>, u64, u64)> {
    let (cond, mut v) =
        territory(&u.scope, district, "h.community_code").ok_or(AppError::Forbidden)?;
    let mut wh = vec![cond];
    if let Some(c) = f
        .community
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let c = DivisionCode::parse_level(c, Level::Community)
            .map_err(|_| AppError::invalid("community", "hall.bad_community"))?;
        wh.push("h.community_code = ?".into());
        v.push(c.as_str().into());
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        wh.push("(h.number = ? OR h.point LIKE ? ESCAPE '\\')".into());
        v.extend([q.into(), db::like_pattern(q).into()]);
    }
    let wh = wh.join(" AND ");
    let total = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM households h WHERE {wh}"),
        v.clone(),
    )
    .await?
    .unwrap_or(0) as u64;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Household> = db::all(
        &db.conn,
        &format!(
            "{SELECT} WHERE {wh} ORDER BY h.community_code, length(h.number), h.number \
             LIMIT {PAGE_SIZE} OFFSET {}",
            (page - 1).saturating_mul(PAGE_SIZE)
        ),
        v,
    )
    .await?;
    let full = sees_personal(u);
    Ok((
        rows.into_iter().map(|h| h.for_viewer(full)).collect(),
        total,
        page,
    ))
}

impl Household {
    fn for_viewer(mut self, full: bool) -> Household {
        self.head_name = self.head_name.reveal(full);
        self
    }
}

/// One entry of a household's history.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Move {
    pub on_date: String,
    pub kind: String,
    pub resident_id: i64,
    #[schema(value_type = String)]
    pub name: Personal<Name>,
    pub reason: String,
}

/// A household with its members (those who left too, marked) and its history.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HouseholdRecord {
    pub household: Household,
    pub members: Vec<Resident>,
    pub history: Vec<Move>,
}

/// One household in the caller's territory (404 outside it).
pub async fn load(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
) -> Result<HouseholdRecord> {
    let (cond, mut v) =
        territory(&u.scope, district, "h.community_code").ok_or(AppError::NotFound)?;
    v.push(id.into());
    let h: Household = db::one(&db.conn, &format!("{SELECT} WHERE {cond} AND h.id = ?"), v)
        .await?
        .ok_or(AppError::NotFound)?;
    let full = sees_personal(u);
    let members: Vec<Resident> = db::all(
        &db.conn,
        &format!(
            "{} WHERE r.household_id = ? AND r.anonymised_at IS NULL \
             ORDER BY r.status DESC, r.relation, r.birth_date, r.id",
            residents::SELECT
        ),
        vals![id],
    )
    .await?;
    let history: Vec<Move> = db::all(
        &db.conn,
        "SELECT CAST(m.on_date AS TEXT) AS on_date, m.kind, m.resident_id, r.name, m.reason \
         FROM household_moves m JOIN residents r ON r.id = m.resident_id \
         WHERE m.household_id = ? ORDER BY m.on_date DESC, m.id DESC",
        vals![id],
    )
    .await?;
    Ok(HouseholdRecord {
        household: h.for_viewer(full),
        members: members
            .into_iter()
            .map(|r| r.for_viewer(full).for_list())
            .collect(),
        history: history
            .into_iter()
            .map(|mut m| {
                m.name = m.name.reveal(full);
                m
            })
            .collect(),
    })
}

/// A household as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HouseholdInput {
    pub community: String,
    pub number: String,
    pub point: String,
    pub house_number: String,
    pub kind: String,
    pub revision: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct HouseholdSave {
    pub community_code: String,
    pub number: String,
    pub point: String,
    pub house_number: String,
    pub kind: HouseholdKind,
    #[serde(skip)]
    pub revision: Option<i64>,
}

impl HouseholdInput {
    pub fn check(&self) -> Result<HouseholdSave> {
        let mut errs = Vec::new();
        let community = DivisionCode::parse_level(self.community.trim(), Level::Community);
        if community.is_err() {
            errs.push(FieldError::new("community", "hall.bad_community"));
        }
        let number = self.number.trim();
        if number.is_empty() {
            errs.push(FieldError::new("number", "common.required"));
        }
        for (f, v, max) in [
            ("number", number, 20),
            ("point", self.point.trim(), 50),
            ("house_number", self.house_number.trim(), 30),
        ] {
            if v.chars().count() > max {
                errs.push(FieldError::new(f, "common.too_long").with(max));
            }
        }
        let kind = HouseholdKind::parse(&self.kind);
        if kind.is_none() {
            errs.push(FieldError::new("kind", "hall.choose_one"));
        }
        let revision = revision::base(&self.revision).unwrap_or_else(|_| {
            errs.push(FieldError::new(revision::FIELD, "common.whole_number"));
            None
        });
        match (community, kind) {
            (Ok(c), Some(kind)) if errs.is_empty() => Ok(HouseholdSave {
                community_code: c.as_str().to_string(),
                number: number.to_string(),
                point: self.point.trim().to_string(),
                house_number: self.house_number.trim().to_string(),
                kind,
                revision,
            }),
            _ => Err(AppError::Invalid(errs)),
        }
    }
}

const CONSTRAINTS: &[crate::platform::error::Constraint] =
    &[crate::platform::error::Constraint::unique(
        "households",
        &["community_code", "number"],
        "number",
        "registry.number_taken",
    )];

/// The community of a write, checked: in the keeper's territory, a community of today.
pub async fn writable(db: &Db, district: &DivisionCode, u: &CurrentUser, code: &str) -> Result<()> {
    if !sees_personal(u) {
        return Err(AppError::Forbidden);
    }
    let (cond, mut v) = territory(&u.scope, district, "c.code").ok_or(AppError::Forbidden)?;
    v.push(code.into());
    let n = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM divisions c WHERE {cond} AND c.level = 5 AND c.code = ?"),
        v,
    )
    .await?
    .unwrap_or(0);
    if n == 0 {
        return Err(AppError::invalid("community", "hall.bad_community"));
    }
    Ok(())
}

/// Start (`id` None) or change a household. Keepers of the registry only.
pub async fn save(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    s: &HouseholdSave,
) -> Result<i64> {
    writable(db, district, u, &s.community_code).await?;
    let before = match id {
        Some(id) => Some(load(db, district, u, id).await?.household),
        None => None,
    };
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let res = match id {
        None => db::scalar(
            &tx,
            "INSERT INTO households (community_code, number, point, house_number, kind, \
             formed_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vals![
                s.community_code.clone(),
                s.number.clone(),
                s.point.clone(),
                s.house_number.clone(),
                s.kind.key(),
                db.clock().today(),
                now,
                now
            ],
        )
        .await
        .map(|x| x.unwrap_or(0)),
        Some(id) => revision::update(
            &tx,
            "households",
            "household",
            id,
            s.revision,
            "community_code = ?, number = ?, point = ?, house_number = ?, kind = ?, updated_at = ?",
            vals![
                s.community_code.clone(),
                s.number.clone(),
                s.point.clone(),
                s.house_number.clone(),
                s.kind.key(),
                now
            ],
        )
        .await
        .map(|_| id),
    };
    let hid = res.map_err(|e| e.on_constraint(CONSTRAINTS))?;
    // members' copy of the number follows it
    db::exec(
        &tx,
        "UPDATE residents SET household = ? WHERE household_id = ?",
        vals![s.number.clone(), hid],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        if id.is_some() { "update" } else { "create" },
        "household",
        &hid.to_string(),
        before
            .as_ref()
            .map(|b| {
                serde_json::json!({
                    "number": b.number, "point": b.point,
                    "house_number": b.house_number, "kind": b.kind,
                })
            })
            .as_ref(),
        Some(s),
    )
    .await?;
    Ok(hid)
}

/// A change to a member, as typed: leaving (迁出, 死亡), or joining another household of the
/// community (分户 into a new or existing number, 合户 into an existing one).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveInput {
    pub resident: String,
    pub kind: String,
    pub on_date: String,
    pub reason: String,
    /// For a split or merge: the household number the person joins.
    pub to: String,
}

/// What a recorded move did, for the message.
#[derive(Clone, Debug, Serialize)]
pub struct Moved {
    pub kind: MoveKind,
    /// The household joined (split, merge).
    pub to: Option<i64>,
}

/// Record a member's move. Moving in and births are recorded when the person is registered
/// with the household's number; here a member leaves or changes household.
pub async fn record_move(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    household: i64,
    m: &MoveInput,
) -> Result<Moved> {
    let rec = load(db, district, u, household).await?;
    let h = &rec.household;
    writable(db, district, u, &h.community_code).await?;
    let mut errs = Vec::new();
    let member = m
        .resident
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| rec.members.iter().find(|r| r.id == id && r.is_present()));
    if member.is_none() {
        errs.push(FieldError::new("resident", "hall.choose_one"));
    }
    let kind = MoveKind::parse(&m.kind).filter(|k| {
        matches!(
            k,
            MoveKind::MoveOut | MoveKind::Death | MoveKind::Split | MoveKind::Merge
        )
    });
    if kind.is_none() {
        errs.push(FieldError::new("kind", "hall.choose_one"));
    }
    let today = db.clock().today();
    let on = crate::platform::time::parse_date(&m.on_date);
    match on {
        None => errs.push(FieldError::new("on_date", "common.date")),
        Some(d) if d > today => errs.push(FieldError::new("on_date", "registry.future")),
        _ => {}
    }
    let to = m.to.trim();
    let joins = matches!(kind, Some(MoveKind::Split | MoveKind::Merge));
    if joins && (to.is_empty() || to == h.number || to.chars().count() > 20) {
        errs.push(FieldError::new("to", "registry.other_household"));
    }
    if m.reason.trim().chars().count() > 200 {
        errs.push(FieldError::new("reason", "common.too_long").with(200));
    }
    let (Some(member), Some(kind), Some(on), true) = (member, kind, on, errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let existing = db::scalar(
        &tx,
        "SELECT id FROM households WHERE community_code = ? AND number = ?",
        vals![h.community_code.clone(), to],
    )
    .await?;
    if kind == MoveKind::Merge && existing.is_none() {
        return Err(AppError::invalid("to", "registry.no_such_household"));
    }
    let event = |hid: i64| vals![hid, member.id, kind.key(), on, m.reason.trim(), now];
    let insert = "INSERT INTO household_moves (household_id, resident_id, kind, on_date, \
                  reason, created_at) VALUES (?, ?, ?, ?, ?, ?)";
    db::exec(&tx, insert, event(household)).await?;
    let mut joined = None;
    if kind.leaves() {
        let status = if kind == MoveKind::Death {
            "dead"
        } else {
            "moved_out"
        };
        db::exec(
            &tx,
            "UPDATE residents SET status = ?, left_on = ?, updated_at = ?, \
             revision = revision + 1 WHERE id = ?",
            vals![status, on, now, member.id],
        )
        .await?;
    } else {
        let target = household_for(&tx, &h.community_code, to, &member.residence, now).await?;
        // who splits off heads the new household; who merges joins as a relative
        let relation = if kind == MoveKind::Split {
            codes::HEAD
        } else {
            "80"
        };
        db::exec(
            &tx,
            "UPDATE residents SET household_id = ?, household = ?, relation = ?, \
             updated_at = ?, revision = revision + 1 WHERE id = ?",
            vals![target, to, relation, now, member.id],
        )
        .await?;
        if kind == MoveKind::Split {
            db::exec(
                &tx,
                "UPDATE households SET head_id = ?, formed_on = COALESCE(formed_on, ?), \
                 updated_at = ? WHERE id = ?",
                vals![member.id, on, now, target],
            )
            .await?;
        }
        db::exec(&tx, insert, event(target)).await?;
        joined = Some(target);
    }
    if h.head_id == Some(member.id) {
        db::exec(
            &tx,
            "UPDATE households SET head_id = NULL, updated_at = ? WHERE id = ?",
            vals![now, household],
        )
        .await?;
    }
    // a household nobody is left in is dissolved on that day
    let left: Option<i64> = db::scalar(
        &tx,
        "SELECT COUNT(*) FROM residents WHERE household_id = ? AND status = 'present'",
        vals![household],
    )
    .await?;
    if left.unwrap_or(0) == 0 {
        db::exec(
            &tx,
            "UPDATE households SET dissolved_on = ?, updated_at = ? WHERE id = ?",
            vals![on, now, household],
        )
        .await?;
    }
    audit::commit(
        tx,
        &u.actor(),
        kind.key(),
        "household",
        &household.to_string(),
        None::<&()>,
        Some(&serde_json::json!({
            "resident": member.id, "on": on, "to": joined,
        })),
    )
    .await?;
    Ok(Moved { kind, to: joined })
}

/// Record a person's arrival in a household (registered with its number): 出生 when they
/// arrived on their birth date, 迁入 otherwise.
pub async fn record_arrival<C: sea_orm::ConnectionTrait>(
    c: &C,
    household: i64,
    resident: i64,
    birth: Option<NaiveDate>,
    arrived: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let kind = if birth == Some(arrived) {
        MoveKind::Birth
    } else {
        MoveKind::MoveIn
    };
    db::exec(
        c,
        "INSERT INTO household_moves (household_id, resident_id, kind, on_date, created_at) \
         VALUES (?, ?, ?, ?, ?)",
        vals![household, resident, kind.key(), arrived, now],
    )
    .await?;
    Ok(())
}
