//! Registering or changing one resident at the window: the form's fields checked as a
//! [`Person`], the ID number's area code against the divisions, the household found by its
//! number in the community (or started, when the number is new), all in one transaction with
//! the audit entry.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::types::{DivisionCode, Level};
use crate::registry::codes::{self, HouseholdKind};
use crate::registry::households;
use crate::registry::person::{Person, PersonInput};
use crate::registry::residents::load;
use crate::vals;

/// A resident as typed into the form.
#[derive(Clone, Debug, Default)]
pub struct ResidentInput {
    pub community: String,
    pub person: PersonInput,
    /// The revision the form was opened at.
    pub revision: String,
}

/// What the store writes for one resident.
#[derive(Clone, Debug, Serialize)]
pub struct ResidentSave {
    pub community_code: String,
    #[serde(flatten)]
    pub person: Person,
    /// The revision the form was opened at (platform::revision).
    #[serde(skip)]
    pub revision: Option<i64>,
}

impl ResidentInput {
    pub fn check(&self, today: NaiveDate) -> Result<ResidentSave> {
        let mut errs = Vec::new();
        let community = DivisionCode::parse_level(self.community.trim(), Level::Community);
        if community.is_err() {
            errs.push(FieldError::new("community", "hall.bad_community"));
        }
        let person = self.person.check(today).map_err(|e| errs.extend(e)).ok();
        let revision = revision::base(&self.revision).unwrap_or_else(|_| {
            errs.push(FieldError::new(revision::FIELD, "common.whole_number"));
            None
        });
        match (community, person) {
            (Ok(c), Some(person)) if errs.is_empty() => Ok(ResidentSave {
                revision,
                community_code: c.as_str().to_string(),
                person,
            }),
            _ => Err(AppError::Invalid(errs)),
        }
    }
}

const CONSTRAINTS: &[crate::platform::error::Constraint] =
    &[crate::platform::error::Constraint::unique(
        "residents",
        &["id_number"],
        "id_number",
        "hall.id_number_taken",
    )];

/// Whether an ID number's area code is a county-level division the table knows - or, for a
/// county since merged or renamed (its old code stays in the numbers it issued), one whose
/// city the table knows.
pub async fn area_known<C: ConnectionTrait>(c: &C, area: &str) -> Result<bool> {
    if area.len() != 6 || !area.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let n = db::scalar(
        c,
        "SELECT COUNT(*) FROM divisions WHERE code IN (?, ?)",
        vals![format!("{area}000000"), format!("{}00000000", &area[..4])],
    )
    .await?
    .unwrap_or(0);
    Ok(n > 0)
}

/// The column values of a person, in [`PERSON_COLUMNS`]' order.
pub fn person_values(p: &Person) -> Vec<Value> {
    vals![
        p.name.clone(),
        p.id_number.clone(),
        p.phone.clone(),
        p.address.clone(),
        p.household.clone(),
        p.relation.clone(),
        p.gender.clone(),
        p.birth_date,
        p.ethnicity.clone(),
        p.education.clone(),
        p.employment.clone(),
        p.residence.clone(),
        p.arrived_on,
        p.disability.clone(),
        p.tags.clone()
    ]
}

/// [`person_values`] of a person no longer needed.
pub fn person_values_owned(p: Person) -> Vec<Value> {
    vals![
        p.name,
        p.id_number,
        p.phone,
        p.address,
        p.household,
        p.relation,
        p.gender,
        p.birth_date,
        p.ethnicity,
        p.education,
        p.employment,
        p.residence,
        p.arrived_on,
        p.disability,
        p.tags
    ]
}

/// The residents' columns a [`Person`] fills.
pub const PERSON_COLUMNS: [&str; 15] = [
    "name",
    "id_number",
    "phone",
    "address",
    "household",
    "relation",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "employment",
    "residence",
    "arrived_on",
    "disability",
    "tags",
];

/// The household numbered `number` in `community`, started (of the kind the person's
/// residence suggests) when there is none yet. Its id.
pub async fn household_for<C: ConnectionTrait>(
    c: &C,
    community: &str,
    number: &str,
    residence: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    if let Some(id) = db::scalar(
        c,
        "SELECT id FROM households WHERE community_code = ? AND number = ?",
        vals![community, number],
    )
    .await?
    {
        return Ok(id);
    }
    let kind = match codes::Residence::parse(residence) {
        Some(codes::Residence::Floating) => HouseholdKind::Floating,
        Some(codes::Residence::Resident) => HouseholdKind::Resident,
        _ => HouseholdKind::Registered,
    };
    Ok(db::scalar(
        c,
        "INSERT INTO households (community_code, number, kind, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
        vals![community, number, kind.key(), now, now],
    )
    .await?
    .unwrap_or(0))
}

/// Register (`id` None) or change a resident. Only the admin and the community's staff keep
/// the registry; the community must be in the user's territory.
pub async fn save(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    s: &ResidentSave,
) -> Result<i64> {
    // a keeper of the registry, and a community of today in their territory
    households::writable(db, district, u, &s.community_code).await?;
    if let Some(area) = s.person.area_code()
        && !area_known(&db.conn, area).await?
    {
        return Err(AppError::invalid("id_number", "id.area"));
    }
    let before = match id {
        Some(id) => Some(load(db, district, u, id).await?),
        None => None,
    };
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let household = match s.person.household.as_str() {
        "" => None,
        number => {
            Some(household_for(&tx, &s.community_code, number, &s.person.residence, now).await?)
        }
    };
    let mut values = person_values(&s.person);
    values.extend(vals![household, now]);
    let res = match id {
        None => {
            let mut all = vals![s.community_code.clone()];
            all.extend(values);
            all.push(now.into());
            db::scalar(
                &tx,
                &format!(
                    "INSERT INTO residents (community_code, {}, household_id, updated_at, \
                     created_at) VALUES (?, {}) RETURNING id",
                    PERSON_COLUMNS.join(", "),
                    vec!["?"; PERSON_COLUMNS.len() + 3].join(", ")
                ),
                all,
            )
            .await
            .map(|x| x.unwrap_or(0))
        }
        Some(id) => {
            let mut all = vals![s.community_code.clone()];
            all.extend(values);
            revision::update(
                &tx,
                "residents",
                "resident",
                id,
                s.revision,
                &format!(
                    "community_code = ?, {}, household_id = ?, updated_at = ?",
                    PERSON_COLUMNS
                        .iter()
                        .map(|c| format!("{c} = ?"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                all,
            )
            .await
            .map(|_| id)
        }
    };
    let rid = res.map_err(|e| e.on_constraint(CONSTRAINTS))?;
    let was_in = before.as_ref().and_then(|b| b.household_id);
    if let Some(h) = household
        && was_in != Some(h)
    {
        let arrived = s.person.arrived_on.unwrap_or_else(|| db.clock().today());
        households::record_arrival(&tx, h, rid, s.person.birth_date, arrived, now).await?;
    }
    if let Some(h) = household
        && s.person.relation == codes::HEAD
    {
        db::exec(
            &tx,
            "UPDATE households SET head_id = ?, updated_at = ? WHERE id = ?",
            vals![rid, now, h],
        )
        .await?;
    }
    audit::commit(
        tx,
        &u.actor(),
        if id.is_some() { "update" } else { "create" },
        "resident",
        &rid.to_string(),
        before.as_ref(),
        Some(s),
    )
    .await?;
    Ok(rid)
}
