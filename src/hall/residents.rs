//! The resident registry the hall needs: who came, how to reach them, and tags. Full ID
//! numbers, phones, addresses and sensitive tags are shown only to those who serve the
//! resident directly — the district admin and the community's own staff; everyone else sees
//! them masked (DOMAIN.md), in pages, exports and the API alike.

use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::hall::rules;
use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::types::{DivisionCode, IdNumber, Level, Phone, mask_name};
use crate::vals;

/// Whether a user sees residents' full personal data (in their scope).
pub fn sees_personal(u: &CurrentUser) -> bool {
    matches!(u.role, Role::DistrictAdmin | Role::CommunityStaff)
}

/// SQL condition on a community-code column limiting rows to a user's territory; `None` for
/// users with no territory (department officers, providers, assessors see no registry).
pub fn territory(
    scope: &Scope,
    district: &DivisionCode,
    column: &str,
) -> Option<(String, Vec<Value>)> {
    let range = |c: &DivisionCode| {
        let (lo, hi) = c.descendant_range();
        (format!("{column} BETWEEN ? AND ?"), vals![lo, hi])
    };
    match scope {
        Scope::District => Some(range(district)),
        Scope::Town(t) => Some(range(t)),
        Scope::Community(c) => Some((format!("{column} = ?"), vals![c.as_str()])),
        Scope::Department(_) | Scope::Provider(_) => None,
    }
}

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Resident {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: String,
    pub household: String,
    /// Tag keys (sensitive ones only for those who see personal data).
    pub tags: String,
}

impl Resident {
    /// The record as `u` may see it.
    pub fn for_viewer(mut self, full: bool) -> Resident {
        if !full {
            self.name = mask_name(&self.name);
            self.id_number = self.id_number.as_deref().map(|s| match IdNumber::parse(s) {
                Ok(id) => id.masked(),
                Err(_) => "******".into(),
            });
            self.phone = self.phone.as_deref().map(|s| match Phone::parse(s) {
                Ok(p) => p.masked(),
                Err(_) => "****".into(),
            });
            self.address = if self.address.is_empty() {
                String::new()
            } else {
                "***".into()
            };
            self.tags = rules::tags_column(
                rules::tags_of(&self.tags)
                    .into_iter()
                    .filter(|t| !rules::is_sensitive_tag(t)),
            );
        }
        self
    }
    pub fn tag_list(&self) -> Vec<&str> {
        rules::tags_of(&self.tags)
    }
}

const SELECT: &str = "SELECT r.id, r.community_code, c.name AS community_name, r.name, \
    r.id_number, r.phone, r.address, r.household, r.tags \
    FROM residents r JOIN divisions c ON c.code = r.community_code";

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ResidentQuery {
    /// Name, mobile phone, full ID number, or the last digits (4–8) of either.
    pub q: Option<String>,
    /// One community (12 digits).
    pub community: Option<String>,
    /// A tag key.
    pub tag: Option<String>,
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

/// The search conditions of `q`: an 18-character ID number or an 11-digit phone exactly, 4–8
/// digits as the end of either, anything else as part of the name.
fn search_condition(q: &str, wh: &mut Vec<String>, v: &mut Vec<Value>) {
    let q = q.trim();
    if q.is_empty() {
        return;
    }
    let upper = q.to_uppercase();
    if let Ok(id) = IdNumber::parse(&upper) {
        wh.push("r.id_number = ?".into());
        v.push(id.as_str().into());
    } else if let Ok(p) = Phone::parse(q) {
        wh.push("r.phone = ?".into());
        v.push(p.as_str().into());
    } else if (4..=8).contains(&upper.len())
        && upper
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (b == b'X' && i == upper.len() - 1))
    {
        wh.push("(r.id_number LIKE ? OR r.phone LIKE ?)".into());
        let tail = format!("%{upper}");
        v.push(tail.clone().into());
        v.push(tail.into());
    } else {
        wh.push("r.name LIKE ? ESCAPE '\\'".into());
        v.push(db::like_pattern(q).into());
    }
}

/// One page of residents in the user's territory, masked as the user may see them.
pub async fn search(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    f: &ResidentQuery,
) -> Result<(Vec<Resident>, u64, u64)> {
    let (cond, mut v) =
        territory(&u.scope, district, "r.community_code").ok_or(AppError::Forbidden)?;
    let mut wh = vec![cond];
    if let Some(c) = f
        .community
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let c = DivisionCode::parse_level(c, Level::Community)
            .map_err(|_| AppError::invalid("community", "hall.bad_community"))?;
        wh.push("r.community_code = ?".into());
        v.push(c.as_str().into());
    }
    if let Some(t) = f.tag.as_deref().filter(|t| !t.is_empty()) {
        // a sensitive tag is not a filter for those who may not see it
        if !rules::is_tag(t) || (rules::is_sensitive_tag(t) && !sees_personal(u)) {
            return Err(AppError::invalid("tag", "hall.choose_one"));
        }
        wh.push("r.tags LIKE ?".into());
        v.push(format!("%,{t},%").into());
    }
    search_condition(f.q.as_deref().unwrap_or(""), &mut wh, &mut v);
    let wh = wh.join(" AND ");
    let total = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM residents r WHERE {wh}"),
        v.clone(),
    )
    .await?
    .unwrap_or(0) as u64;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Resident> = db::all(
        &db.conn,
        &format!(
            "{SELECT} WHERE {wh} ORDER BY r.community_code, r.name, r.id LIMIT {PAGE_SIZE} OFFSET {}",
            (page - 1) * PAGE_SIZE
        ),
        v,
    )
    .await?;
    let full = sees_personal(u);
    Ok((
        rows.into_iter().map(|r| r.for_viewer(full)).collect(),
        total,
        page,
    ))
}

/// One resident in the user's territory (404 outside it), unmasked: callers mask.
pub async fn load(db: &Db, district: &DivisionCode, scope: &Scope, id: i64) -> Result<Resident> {
    let (cond, mut v) = territory(scope, district, "r.community_code").ok_or(AppError::NotFound)?;
    v.push(id.into());
    db::one(&db.conn, &format!("{SELECT} WHERE {cond} AND r.id = ?"), v)
        .await?
        .ok_or(AppError::NotFound)
}

/// A resident as typed into the form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResidentInput {
    pub community: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub household: String,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResidentSave {
    pub community_code: String,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: String,
    pub household: String,
    pub tags: String,
}

impl ResidentInput {
    pub fn check(&self) -> Result<ResidentSave> {
        let mut errs = Vec::new();
        let community = DivisionCode::parse_level(self.community.trim(), Level::Community);
        if community.is_err() {
            errs.push(FieldError::new("community", "hall.bad_community"));
        }
        let name = self.name.trim();
        if name.is_empty() {
            errs.push(FieldError::new("name", "common.required"));
        } else if name.chars().count() > 50 {
            errs.push(FieldError::new("name", "common.too_long").with(50));
        }
        let id_number = match self.id_number.trim() {
            "" => None,
            s => match IdNumber::parse(s) {
                Ok(id) => Some(id.as_str().to_string()),
                Err(key) => {
                    errs.push(FieldError::new("id_number", key));
                    None
                }
            },
        };
        let phone = match self.phone.trim() {
            "" => None,
            s => match Phone::parse(s) {
                Ok(p) => Some(p.as_str().to_string()),
                Err(key) => {
                    errs.push(FieldError::new("phone", key));
                    None
                }
            },
        };
        if self.tags.iter().any(|t| !rules::is_tag(t)) {
            errs.push(FieldError::new("tags", "hall.choose_one"));
        }
        for (field, v, max) in [
            ("address", &self.address, 200),
            ("household", &self.household, 50),
        ] {
            if v.trim().chars().count() > max {
                errs.push(FieldError::new(field, "common.too_long").with(max));
            }
        }
        match community {
            Ok(c) if errs.is_empty() => Ok(ResidentSave {
                community_code: c.as_str().to_string(),
                name: name.to_string(),
                id_number,
                phone,
                address: self.address.trim().to_string(),
                household: self.household.trim().to_string(),
                tags: rules::tags_column(self.tags.iter().map(String::as_str)),
            }),
            _ => Err(AppError::Invalid(errs)),
        }
    }
}

const CONSTRAINTS: &[(&str, &str, &str)] = &[
    ("residents.id_number", "id_number", "hall.id_number_taken"),
    (
        "residents_id_number_key",
        "id_number",
        "hall.id_number_taken",
    ),
];

/// Register (`id` None) or change a resident. Only the admin and the community's staff keep
/// the registry; the community must be in the user's territory.
pub async fn save(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    s: &ResidentSave,
) -> Result<i64> {
    if !sees_personal(u) {
        return Err(AppError::Forbidden);
    }
    let (cond, mut v) = territory(&u.scope, district, "c.code").ok_or(AppError::Forbidden)?;
    v.push(s.community_code.clone().into());
    let known = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM divisions c WHERE {cond} AND c.level = 5 AND c.code = ?"),
        v,
    )
    .await?
    .unwrap_or(0);
    if known == 0 {
        return Err(AppError::invalid("community", "hall.bad_community"));
    }
    let before = match id {
        Some(id) => Some(load(db, district, &u.scope, id).await?),
        None => None,
    };
    let tx = db.write_tx().await?;
    let now = chrono::Utc::now();
    let res = match id {
        None => db::scalar(
            &tx,
            "INSERT INTO residents (community_code, name, id_number, phone, address, household, \
             tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vals![
                s.community_code.clone(),
                s.name.clone(),
                s.id_number.clone(),
                s.phone.clone(),
                s.address.clone(),
                s.household.clone(),
                s.tags.clone(),
                now,
                now
            ],
        )
        .await
        .map(|x| x.unwrap_or(0)),
        Some(id) => db::exec(
            &tx,
            "UPDATE residents SET community_code = ?, name = ?, id_number = ?, phone = ?, \
             address = ?, household = ?, tags = ?, updated_at = ? WHERE id = ?",
            vals![
                s.community_code.clone(),
                s.name.clone(),
                s.id_number.clone(),
                s.phone.clone(),
                s.address.clone(),
                s.household.clone(),
                s.tags.clone(),
                now,
                id
            ],
        )
        .await
        .map(|_| id),
    };
    let rid = res.map_err(|e| e.on_constraint(CONSTRAINTS))?;
    audit::record(
        &tx,
        &u.actor(),
        if id.is_some() { "update" } else { "create" },
        "resident",
        &rid.to_string(),
        before.as_ref(),
        Some(s),
    )
    .await?;
    tx.commit().await?;
    Ok(rid)
}
