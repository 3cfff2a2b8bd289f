//! The resident registry the hall needs: who came, how to reach them, and tags. Full ID
//! numbers, phones, addresses and sensitive tags are shown only to those who serve the
//! resident directly — the district admin and the community's own staff; everyone else sees
//! them masked (DOMAIN.md), in pages, exports and the API alike.

use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::personal::{
    Address, BirthDate, Hidden, IdCard, Mobile, Name, Personal, reveal_opt,
};
use crate::platform::types::{DivisionCode, Level};
use crate::registry::{codes, rules};
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
    /// The household's number in its community (户号).
    pub household: String,
    pub household_id: Option<i64>,
    /// Relation to the head of household (GB/T 4761 code).
    pub relation: String,
    /// '1' male, '2' female, '' not known.
    pub gender: String,
    /// `YYYY-MM-DD`; the year only for those who see residents masked.
    #[schema(value_type = Option<String>)]
    pub birth_date: Option<Personal<BirthDate>>,
    /// GB 3304 code.
    pub ethnicity: String,
    pub education: String,
    pub employment: String,
    /// registered, resident or floating.
    pub residence: String,
    /// present, moved_out or dead.
    pub status: String,
    pub arrived_on: Option<String>,
    pub left_on: Option<String>,
    /// `category-grade` (`4-2`), for those who see sensitive data.
    #[schema(value_type = String)]
    pub disability: Personal<Hidden>,
    /// Tag keys (sensitive ones only for those who see personal data).
    #[schema(value_type = String)]
    pub tags: Personal<rules::ResidentTags>,
    /// Raised by each save (platform::revision).
    pub revision: i64,
}

impl Resident {
    /// The record revealed as far as the caller may see it.
    pub(crate) fn for_viewer(mut self, full: bool) -> Resident {
        self.name = self.name.reveal(full);
        self.id_number = reveal_opt(self.id_number, full);
        self.phone = reveal_opt(self.phone, full);
        self.address = self.address.reveal(full);
        self.birth_date = reveal_opt(self.birth_date, full);
        self.disability = self.disability.reveal(full);
        self.tags = self.tags.reveal(full);
        self
    }
    /// As a list shows it: the ID number and phone masked for everyone (one person's record
    /// shows them in full, and the showing is logged: [`crate::registry::access`]).
    pub fn for_list(mut self) -> Resident {
        self.id_number = reveal_opt(self.id_number, false);
        self.phone = reveal_opt(self.phone, false);
        self
    }
    /// The tags the caller sees.
    pub fn tag_list(&self) -> Vec<String> {
        rules::tags_of(&self.tags.shown())
            .into_iter()
            .map(String::from)
            .collect()
    }
    /// Whether the person is in the registry's count today.
    pub fn is_present(&self) -> bool {
        self.status == "present"
    }
}

/// `SELECT` of [`Resident`]: `residents r` with its community `c` and household `h`.
pub const SELECT: &str = "SELECT r.id, r.community_code, c.name AS community_name, r.name, \
    r.id_number, r.phone, r.address, COALESCE(h.number, r.household) AS household, \
    r.household_id, r.relation, r.gender, CAST(r.birth_date AS TEXT) AS birth_date, \
    r.ethnicity, r.education, r.employment, r.residence, r.status, \
    CAST(r.arrived_on AS TEXT) AS arrived_on, CAST(r.left_on AS TEXT) AS left_on, \
    r.disability, r.tags, r.revision \
    FROM residents r JOIN divisions c ON c.code = r.community_code \
    LEFT JOIN households h ON h.id = r.household_id";

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ResidentQuery {
    /// Name, mobile phone, full ID number, or the last digits (4–8) of either.
    pub q: Option<String>,
    /// One community (12 digits).
    pub community: Option<String>,
    /// A tag key.
    pub tag: Option<String>,
    /// `present` (the default), `moved_out`, `dead` or `all`.
    pub status: Option<String>,
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
        name_from_start,
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
            // the last four characters first: an expression index finds them (0012)
            let tail = format!("%{t}");
            let last4 = t[t.len().saturating_sub(4)..].to_string();
            let ends = format!(
                "(substr({id_number}, 15) = ? AND {id_number} LIKE ?) \
                 OR (substr({phone}, 8) = ? AND {phone} LIKE ?)"
            );
            v.extend([
                last4.clone().into(),
                tail.clone().into(),
                last4.into(),
                tail.into(),
            ]);
            match number {
                Some(n) => {
                    wh.push(format!("({ends} OR {n} LIKE ?)"));
                    v.push(format!("%{t}%").into());
                }
                None => wh.push(format!("({ends})")),
            }
        }
        Number(n) => match number {
            Some(col) => {
                wh.push(format!("{col} LIKE ?"));
                v.push(format!("%{}%", n.replace(['%', '_'], "")).into());
            }
            None => wh.push("1 = 0".into()),
        },
        NameLike(q) => match name_from_start {
            Some(ordered) => starts_with(ordered, q, wh, v),
            None => {
                wh.push(format!("{name} LIKE ? ESCAPE '\\'"));
                v.push(db::like_pattern(q).into());
            }
        },
        NameShown { first, len, last } => {
            match name_from_start {
                Some(ordered) => starts_with(ordered, &first.to_string(), wh, v),
                None => {
                    wh.push(format!("substr({name}, 1, 1) = ?"));
                    v.push(first.to_string().into());
                }
            }
            wh.push(format!("length({name}) = ?"));
            v.push((*len as i64).into());
            if let Some(l) = last {
                wh.push(format!("substr({name}, length({name}), 1) = ?"));
                v.push(l.to_string().into());
            }
        }
        Family(c) => match name_from_start {
            Some(ordered) => starts_with(ordered, &c.to_string(), wh, v),
            None => {
                wh.push(format!("substr({name}, 1, 1) = ?"));
                v.push(c.to_string().into());
            }
        },
    }
}

/// Names beginning with `prefix`, as a range of the name index: from the prefix to the prefix
/// followed by the highest character (byte order, which the index keeps on both backends).
fn starts_with(ordered: &str, prefix: &str, wh: &mut Vec<String>, v: &mut Vec<Value>) {
    wh.push(format!("{ordered} >= ? AND {ordered} < ?"));
    v.extend([
        prefix.to_string().into(),
        format!("{prefix}\u{10FFFF}").into(),
    ]);
}

/// The expression of a name column ordered byte by byte (the registry's name index).
pub fn ordered_name(db: &Db, column: &str) -> String {
    if db.is_sqlite() {
        column.to_string()
    } else {
        format!("{column} COLLATE \"C\"")
    }
}

/// The columns [`search_condition`] searches.
#[derive(Clone, Copy)]
pub struct SearchColumns<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub phone: &'a str,
    pub number: Option<&'a str>,
    /// The name column as the registry's index orders it ([`ordered_name`]): names are then
    /// searched from their start, through the index; `None` searches anywhere in the name.
    pub name_from_start: Option<&'a str>,
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
    match f.status.as_deref().map(str::trim).unwrap_or("") {
        "" | "present" => wh.push("r.status = 'present'".into()),
        "all" => wh.push("r.anonymised_at IS NULL".into()),
        s => {
            let s = codes::Status::parse(s)
                .ok_or_else(|| AppError::invalid("status", "hall.choose_one"))?;
            wh.push("r.status = ? AND r.anonymised_at IS NULL".into());
            v.push(s.key().into());
        }
    }
    // a caller searches only by what it sees (rules::search_terms)
    let ordered = ordered_name(db, "r.name");
    let mut order = "r.community_code, r.name, r.id".to_string();
    if let Some(search) = rules::search_terms(f.q.as_deref().unwrap_or(""), sees_personal(u))
        .map_err(|k| AppError::invalid("q", k))?
    {
        if matches!(
            search,
            rules::Search::NameLike(_) | rules::Search::NameShown { .. } | rules::Search::Family(_)
        ) {
            // in the index's order: the first page without sorting every match
            order = format!("{ordered}, r.id");
            // SQLite plans before it sees the values: left to itself it walks the territory's
            // range (the whole district) rather than the name's; `+` keeps it off that index
            if db.is_sqlite() {
                wh[0] = wh[0].replacen("r.community_code", "+r.community_code", 1);
            }
        }
        search_condition(
            &search,
            SearchColumns {
                name: "r.name",
                id_number: "r.id_number",
                phone: "r.phone",
                number: None,
                name_from_start: Some(&ordered),
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
            "{SELECT} WHERE {wh} ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {}",
            (page - 1).saturating_mul(PAGE_SIZE)
        ),
        v,
    )
    .await?;
    let full = sees_personal(u);
    Ok((
        rows.into_iter()
            .map(|r| r.for_viewer(full).for_list())
            .collect(),
        total,
        page,
    ))
}

/// One resident in the caller's territory (404 outside it, or once anonymised), as the
/// caller may see them.
pub async fn load(db: &Db, district: &DivisionCode, u: &CurrentUser, id: i64) -> Result<Resident> {
    let (cond, mut v) =
        territory(&u.scope, district, "r.community_code").ok_or(AppError::NotFound)?;
    v.push(id.into());
    // an anonymised person is nobody's to open any more
    let r: Resident = db::one(
        &db.conn,
        &format!("{SELECT} WHERE {cond} AND r.id = ? AND r.anonymised_at IS NULL"),
        v,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(r.for_viewer(sees_personal(u)))
}
