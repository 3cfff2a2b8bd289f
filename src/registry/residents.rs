//! The resident registry the hall needs: who came, how to reach them, and tags. Full ID
//! numbers, phones, addresses and sensitive tags are shown only to those who serve the
//! resident directly — the district admin and the community's own staff; everyone else sees
//! them masked (DOMAIN.md), in pages, exports and the API alike.

use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::personal::{Address, IdCard, Mobile, Name, Personal, reveal_opt};
use crate::platform::revision;
use crate::platform::types::{DivisionCode, IdNumber, Level, Phone};
use crate::registry::rules;
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

/// A resident as a caller sees them. The personal fields mask themselves
/// ([`crate::platform::personal`]) unless [`Resident::for_viewer`] revealed them to a caller
/// who sees personal data; the store reveals, nobody else can.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Resident {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    #[schema(value_type = String)]
    pub name: Personal<Name>,
    #[schema(value_type = Option<String>)]
    pub id_number: Option<Personal<IdCard>>,
    #[schema(value_type = Option<String>)]
    pub phone: Option<Personal<Mobile>>,
    #[schema(value_type = String)]
    pub address: Personal<Address>,
    pub household: String,
    /// Tag keys (sensitive ones only for those who see personal data).
    #[schema(value_type = String)]
    pub tags: Personal<rules::ResidentTags>,
    /// Raised by each save (platform::revision).
    pub revision: i64,
}

impl Resident {
    /// The record revealed as far as the caller may see it.
    fn for_viewer(mut self, full: bool) -> Resident {
        self.name = self.name.reveal(full);
        self.id_number = reveal_opt(self.id_number, full);
        self.phone = reveal_opt(self.phone, full);
        self.address = self.address.reveal(full);
        self.tags = self.tags.reveal(full);
        self
    }
    /// The tags the caller sees.
    pub fn tag_list(&self) -> Vec<String> {
        rules::tags_of(&self.tags.shown())
            .into_iter()
            .map(String::from)
            .collect()
    }
}

const SELECT: &str = "SELECT r.id, r.community_code, c.name AS community_name, r.name, \
    r.id_number, r.phone, r.address, r.household, r.tags, r.revision \
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

/// The SQL condition of a search on a person's name, ID number and phone columns (`name`,
/// `id`, `phone`; `number` for a case number where there is one).
pub fn search_condition(
    search: &rules::Search,
    cols: SearchColumns<'_>,
    wh: &mut Vec<String>,
    v: &mut Vec<Value>,
) {
    use rules::Search::*;
    let SearchColumns {
        name,
        id_number,
        phone,
        number,
    } = cols;
    match search {
        IdNumber(id) => {
            wh.push(format!("{id_number} = ?"));
            v.push(id.clone().into());
        }
        Phone(p) => {
            wh.push(format!("{phone} = ?"));
            v.push(p.clone().into());
        }
        Tail(t) => {
            let tail = format!("%{t}");
            match number {
                Some(n) => {
                    wh.push(format!(
                        "({id_number} LIKE ? OR {phone} LIKE ? OR {n} LIKE ?)"
                    ));
                    v.extend([tail.clone().into(), tail.into(), format!("%{t}%").into()]);
                }
                None => {
                    wh.push(format!("({id_number} LIKE ? OR {phone} LIKE ?)"));
                    v.extend([tail.clone().into(), tail.into()]);
                }
            }
        }
        Number(n) => match number {
            Some(col) => {
                wh.push(format!("{col} LIKE ?"));
                v.push(format!("%{}%", n.replace(['%', '_'], "")).into());
            }
            None => wh.push("1 = 0".into()),
        },
        NameLike(q) => {
            wh.push(format!("{name} LIKE ? ESCAPE '\\'"));
            v.push(db::like_pattern(q).into());
        }
        NameShown { first, len, last } => {
            wh.push(format!("substr({name}, 1, 1) = ? AND length({name}) = ?"));
            v.extend([first.to_string().into(), (*len as i64).into()]);
            if let Some(l) = last {
                wh.push(format!("substr({name}, length({name}), 1) = ?"));
                v.push(l.to_string().into());
            }
        }
        Family(c) => {
            wh.push(format!("substr({name}, 1, 1) = ?"));
            v.push(c.to_string().into());
        }
    }
}

/// The columns [`search_condition`] searches.
#[derive(Clone, Copy)]
pub struct SearchColumns<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub phone: &'a str,
    pub number: Option<&'a str>,
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
    // a caller searches only by what it sees (rules::search_terms)
    if let Some(search) = rules::search_terms(f.q.as_deref().unwrap_or(""), sees_personal(u))
        .map_err(|k| AppError::invalid("q", k))?
    {
        search_condition(
            &search,
            SearchColumns {
                name: "r.name",
                id_number: "r.id_number",
                phone: "r.phone",
                number: None,
            },
            &mut wh,
            &mut v,
        );
    }
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
            (page - 1).saturating_mul(PAGE_SIZE)
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

/// One resident in the caller's territory (404 outside it), as the caller may see them.
pub async fn load(db: &Db, district: &DivisionCode, u: &CurrentUser, id: i64) -> Result<Resident> {
    let (cond, mut v) =
        territory(&u.scope, district, "r.community_code").ok_or(AppError::NotFound)?;
    v.push(id.into());
    let r: Resident = db::one(&db.conn, &format!("{SELECT} WHERE {cond} AND r.id = ?"), v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(r.for_viewer(sees_personal(u)))
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
    /// The revision the form was opened at.
    pub revision: String,
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
    /// The revision the form was opened at (platform::revision).
    #[serde(skip)]
    pub revision: Option<i64>,
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
        let revision = revision::base(&self.revision).unwrap_or_else(|_| {
            errs.push(FieldError::new(revision::FIELD, "common.whole_number"));
            None
        });
        match community {
            Ok(c) if errs.is_empty() => Ok(ResidentSave {
                revision,
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

const CONSTRAINTS: &[crate::platform::error::Constraint] =
    &[crate::platform::error::Constraint::unique(
        "residents",
        &["id_number"],
        "id_number",
        "hall.id_number_taken",
    )];

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
        Some(id) => Some(load(db, district, u, id).await?),
        None => None,
    };
    let tx = db.write_tx().await?;
    let now = db.clock().now();
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
        Some(id) => revision::update(
            &tx,
            "residents",
            "resident",
            id,
            s.revision,
            "community_code = ?, name = ?, id_number = ?, phone = ?, address = ?, \
             household = ?, tags = ?, updated_at = ?",
            vals![
                s.community_code.clone(),
                s.name.clone(),
                s.id_number.clone(),
                s.phone.clone(),
                s.address.clone(),
                s.household.clone(),
                s.tags.clone(),
                now
            ],
        )
        .await
        .map(|_| id),
    };
    let rid = res.map_err(|e| e.on_constraint(CONSTRAINTS))?;
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

// ------------------------------------------------------------------ erasure

/// What erasing a person's data removes: their registry record, and their data on the records
/// that name them — the applicant's name, phone, address and own words on their cases (the
/// cases stay, for the measures and ledgers), their volunteer record's name and phone, their
/// name on proposals. Villager representatives keep their names (an elected office is a public
/// record) but are no longer linked to the registry.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Erasure {
    /// The person as the admin sees them (for the confirmation page; never logged).
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub community_name: String,
    pub cases: i64,
    pub volunteers: i64,
    pub proposals: i64,
    pub representatives: i64,
}

/// The cases that are this person's: linked to the record, or registered without one under
/// the same name and phone.
const THEIR_CASES: &str = "(resident_id = ? OR (resident_id IS NULL AND applicant_phone <> '' \
    AND applicant_phone = ? AND applicant_name = ?))";

async fn erasure_counts<C: sea_orm::ConnectionTrait>(
    c: &C,
    id: i64,
    name: &str,
    phone: &str,
) -> Result<Erasure> {
    let count = |sql: String, v: Vec<Value>| async move {
        db::scalar(c, &sql, v).await.map(|n| n.unwrap_or(0))
    };
    Ok(Erasure {
        cases: count(
            format!("SELECT COUNT(*) FROM cases WHERE {THEIR_CASES}"),
            vals![id, phone, name],
        )
        .await?,
        volunteers: count(
            "SELECT COUNT(*) FROM volunteers WHERE resident_id = ?".into(),
            vals![id],
        )
        .await?,
        proposals: count(
            "SELECT COUNT(*) FROM proposals WHERE resident_id = ?".into(),
            vals![id],
        )
        .await?,
        representatives: count(
            "SELECT COUNT(*) FROM representatives WHERE resident_id = ?".into(),
            vals![id],
        )
        .await?,
        ..Default::default()
    })
}

fn erasable(u: &CurrentUser) -> Result<()> {
    // erasure is the district's decision on a person's request, not a community's
    if u.role == Role::DistrictAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// What erasing this resident would remove (the confirmation's numbers).
pub async fn erasure_preview(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
) -> Result<Erasure> {
    erasable(u)?;
    let r = load(db, district, u, id).await?;
    let phone = r.phone.as_ref().map(|p| p.expose()).unwrap_or("");
    let mut e = erasure_counts(&db.conn, id, r.name.expose(), phone).await?;
    e.name = r.name.expose().to_string();
    e.community_name = r.community_name;
    Ok(e)
}

/// Erase a resident's personal data, in one transaction, and log *that* it was done (with
/// the counts, never the data). Returns what was removed.
pub async fn erase(db: &Db, district: &DivisionCode, u: &CurrentUser, id: i64) -> Result<Erasure> {
    erasable(u)?;
    let r = load(db, district, u, id).await?;
    let name = r.name.expose().to_string();
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.expose().to_string())
        .unwrap_or_default();
    let tx = db.write_tx().await?;
    let mut e = erasure_counts(&tx, id, &name, &phone).await?;
    // a rating's comment is the applicant's words too (the timeline keeps the stars)
    db::exec(
        &tx,
        &format!(
            "UPDATE case_events SET note = '' WHERE step = 'rate' AND case_id IN \
             (SELECT id FROM cases WHERE {THEIR_CASES})"
        ),
        vals![id, phone.clone(), name.clone()],
    )
    .await?;
    db::exec(
        &tx,
        &format!(
            "UPDATE cases SET applicant_name = '', applicant_phone = '', address = '', \
             description = '', lat = NULL, lon = NULL, rating_comment = NULL, resident_id = NULL, \
             updated_at = ? WHERE {THEIR_CASES}"
        ),
        vals![db.clock().now(), id, phone.clone(), name.clone()],
    )
    .await?;
    db::exec(
        &tx,
        "UPDATE volunteers SET name = '', phone = '', resident_id = NULL, active = ? \
         WHERE resident_id = ?",
        vals![false, id],
    )
    .await?;
    db::exec(
        &tx,
        "UPDATE proposals SET author = '', resident_id = NULL WHERE resident_id = ?",
        vals![id],
    )
    .await?;
    db::exec(
        &tx,
        "UPDATE representatives SET resident_id = NULL WHERE resident_id = ?",
        vals![id],
    )
    .await?;
    if !phone.is_empty() {
        db::exec(
            &tx,
            "DELETE FROM public_request_quota WHERE phone = ?",
            vals![phone],
        )
        .await?;
    }
    db::exec(&tx, "DELETE FROM residents WHERE id = ?", vals![id]).await?;
    audit::commit(
        tx,
        &u.actor(),
        "erase",
        "resident",
        &id.to_string(),
        None::<&()>,
        Some(&e),
    )
    .await?;
    e.name = name;
    e.community_name = r.community_name;
    Ok(e)
}
