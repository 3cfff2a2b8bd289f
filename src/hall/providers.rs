//! Convenience-service providers under contract (便民服务单位): who they are, what they
//! offer, where, until when, and how residents rate them. The district admin keeps the
//! contract register (one record per provider however many communities it serves); staff and
//! towns see the providers serving their territory; a provider account sees its own record.

use chrono::NaiveDate;
use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::hall::rules::{self, ProviderStatus};
use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::time::parse_date;
use crate::platform::types::{CreditCode, DivisionCode, Level, Phone};
use crate::vals;

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Provider {
    pub id: i64,
    pub name: String,
    pub credit_code: Option<String>,
    pub contact_name: String,
    pub phone: String,
    pub address: String,
    /// Category keys between commas.
    pub categories: String,
    pub contract_start: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
    pub terms: String,
    pub price_notes: String,
    /// As set by the district: active or suspended (expired follows from the contract).
    pub status: String,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub complaints: i64,
    /// Raised by each save (platform::revision).
    pub revision: i64,
    pub communities: i64,
}

impl Provider {
    pub fn effective(&self, today: impl std::borrow::Borrow<NaiveDate>) -> ProviderStatus {
        ProviderStatus::effective(&self.status, self.contract_end, *today.borrow())
    }
    pub fn category_list(&self) -> Vec<&str> {
        rules::tags_of(&self.categories)
    }
    pub fn expires_soon(&self, today: impl std::borrow::Borrow<NaiveDate>) -> bool {
        let today = *today.borrow();
        self.effective(today) == ProviderStatus::Active
            && rules::expires_soon(self.contract_end, today)
    }
    /// Mean rating with one decimal, "—" before the first.
    pub fn rating(&self) -> String {
        if self.rating_count == 0 {
            "—".into()
        } else {
            let tenths = (self.rating_sum * 10 + self.rating_count / 2) / self.rating_count;
            format!("{}.{}", tenths / 10, tenths % 10)
        }
    }
}

const SELECT: &str = "SELECT p.id, p.name, p.credit_code, p.contact_name, p.phone, p.address, \
    p.categories, p.contract_start, p.contract_end, p.terms, p.price_notes, p.status, \
    p.rating_sum, p.rating_count, p.complaints, p.revision, \
    (SELECT COUNT(*) FROM provider_communities pc WHERE pc.provider_id = p.id) AS communities \
    FROM providers p";

/// SQL condition on `p` for the providers a user sees.
fn provider_scope(scope: &Scope) -> (String, Vec<Value>) {
    let serving = |lo: String, hi: String| {
        (
            "EXISTS (SELECT 1 FROM provider_communities pc WHERE pc.provider_id = p.id \
             AND pc.community_code BETWEEN ? AND ?)"
                .to_string(),
            vals![lo, hi],
        )
    };
    match scope {
        // the admin also sees providers not yet serving anyone
        Scope::District | Scope::Department(_) => ("1 = 1".into(), vals![]),
        Scope::Town(t) => {
            let (lo, hi) = t.descendant_range();
            serving(lo, hi)
        }
        Scope::Community(c) => serving(c.as_str().into(), c.as_str().into()),
        Scope::Provider(p) => ("p.id = ?".into(), vals![*p]),
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ProviderQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    /// active, suspended, expired or expiring (within the warning period).
    pub status: Option<String>,
}

pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &ProviderQuery,
    today: NaiveDate,
) -> Result<Vec<Provider>> {
    let (cond, mut v) = provider_scope(scope);
    let mut wh = vec![cond];
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        wh.push("(p.name LIKE ? ESCAPE '\\' OR p.credit_code = ?)".into());
        v.push(db::like_pattern(q).into());
        v.push(q.to_uppercase().into());
    }
    if let Some(c) = f.category.as_deref().filter(|s| !s.is_empty()) {
        if !rules::is_provider_category(c) {
            return Err(AppError::invalid("category", "hall.choose_one"));
        }
        wh.push("p.categories LIKE ?".into());
        v.push(format!("%,{c},%").into());
    }
    let mut rows: Vec<Provider> = db::all(
        &db.conn,
        &format!("{SELECT} WHERE {} ORDER BY p.name, p.id", wh.join(" AND ")),
        v,
    )
    .await?;
    match f.status.as_deref().unwrap_or("") {
        "" => {}
        "expiring" => rows.retain(|p| p.expires_soon(today)),
        s @ ("active" | "suspended" | "expired") => rows.retain(|p| p.effective(today).key() == s),
        _ => return Err(AppError::invalid("status", "hall.choose_one")),
    }
    Ok(rows)
}

pub async fn load(db: &Db, scope: &Scope, id: i64) -> Result<Provider> {
    let (cond, mut v) = provider_scope(scope);
    v.push(id.into());
    db::one(&db.conn, &format!("{SELECT} WHERE {cond} AND p.id = ?"), v)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Served {
    pub code: String,
    pub name: String,
}

/// The communities a provider (loaded in the caller's scope) serves.
pub async fn communities_of(db: &Db, provider: &Provider) -> Result<Vec<Served>> {
    db::all(
        &db.conn,
        "SELECT c.code, c.name FROM provider_communities pc JOIN divisions c \
         ON c.code = pc.community_code WHERE pc.provider_id = ? ORDER BY c.code",
        vals![provider.id],
    )
    .await
}

/// Active providers serving a community (for the contact card, the public directory and the
/// dispatch form), by category then name.
pub async fn serving(db: &Db, community: &str, today: NaiveDate) -> Result<Vec<Provider>> {
    let rows: Vec<Provider> = db::all(
        &db.conn,
        &format!(
            "{SELECT} WHERE p.id IN (SELECT provider_id FROM provider_communities \
             WHERE community_code = ?) ORDER BY p.name, p.id"
        ),
        vals![community],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter(|p| p.effective(today) == ProviderStatus::Active)
        .collect())
}

/// A provider as typed into the form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProviderInput {
    pub name: String,
    pub credit_code: String,
    pub contact_name: String,
    pub phone: String,
    pub address: String,
    pub categories: Vec<String>,
    pub contract_start: String,
    pub contract_end: String,
    pub terms: String,
    pub price_notes: String,
    pub status: String,
    /// Community codes, one per line or separated by commas or spaces.
    pub communities: String,
    /// The revision the form was opened at.
    pub revision: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProviderSave {
    pub name: String,
    pub credit_code: Option<String>,
    pub contact_name: String,
    pub phone: String,
    pub address: String,
    pub categories: String,
    pub contract_start: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
    pub terms: String,
    pub price_notes: String,
    pub status: String,
    pub communities: Vec<String>,
    /// The revision the form was opened at (platform::revision).
    #[serde(skip)]
    pub revision: Option<i64>,
}

/// A service phone: a mobile number, or a fixed line with its area code (0510-88201234).
pub fn parse_service_phone(s: &str) -> std::result::Result<String, &'static str> {
    let s = s.trim();
    if let Ok(p) = Phone::parse(s) {
        return Ok(p.as_str().to_string());
    }
    let digits: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let ok = digits.starts_with('0')
        && (10..=12).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(s.to_string())
    } else {
        Err("hall.bad_service_phone")
    }
}

impl ProviderInput {
    pub fn check(&self) -> Result<ProviderSave> {
        let mut errs = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errs.push(FieldError::new("name", "common.required"));
        } else if name.chars().count() > 80 {
            errs.push(FieldError::new("name", "common.too_long").with(80));
        }
        let credit_code = match self.credit_code.trim() {
            "" => None,
            s => match CreditCode::parse(s) {
                Ok(c) => Some(c.as_str().to_string()),
                Err(k) => {
                    errs.push(FieldError::new("credit_code", k));
                    None
                }
            },
        };
        let phone = match parse_service_phone(&self.phone) {
            Ok(p) => p,
            Err(_) if self.phone.trim().is_empty() => {
                errs.push(FieldError::new("phone", "common.required"));
                String::new()
            }
            Err(k) => {
                errs.push(FieldError::new("phone", k));
                String::new()
            }
        };
        if self.categories.is_empty() {
            errs.push(FieldError::new("categories", "hall.category_required"));
        } else if self
            .categories
            .iter()
            .any(|c| !rules::is_provider_category(c))
        {
            errs.push(FieldError::new("categories", "hall.choose_one"));
        }
        let mut date = |field: &str, v: &str| -> Option<NaiveDate> {
            if v.trim().is_empty() {
                return None;
            }
            match parse_date(v) {
                Some(d) => Some(d),
                None => {
                    errs.push(FieldError::new(field, "common.date"));
                    None
                }
            }
        };
        let contract_start = date("contract_start", &self.contract_start);
        let contract_end = date("contract_end", &self.contract_end);
        if let (Some(a), Some(b)) = (contract_start, contract_end)
            && b < a
        {
            errs.push(FieldError::new("contract_end", "hall.contract_ends_before"));
        }
        let status = match self.status.as_str() {
            "" | "active" => "active",
            "suspended" => "suspended",
            _ => {
                errs.push(FieldError::new("status", "hall.choose_one"));
                "active"
            }
        };
        let mut communities = Vec::new();
        for c in self
            .communities
            .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            match DivisionCode::parse_level(c, Level::Community) {
                Ok(code) => communities.push(code.as_str().to_string()),
                Err(_) => {
                    errs.push(FieldError::new("communities", "hall.bad_community_in_list").with(c));
                    break;
                }
            }
        }
        communities.sort();
        communities.dedup();
        for (field, v, max) in [
            ("contact_name", &self.contact_name, 50),
            ("address", &self.address, 200),
            ("terms", &self.terms, 2000),
            ("price_notes", &self.price_notes, 1000),
        ] {
            if v.trim().chars().count() > max {
                errs.push(FieldError::new(field, "common.too_long").with(max));
            }
        }
        let revision = match revision::base(&self.revision) {
            Ok(r) => r,
            Err(_) => {
                errs.push(FieldError::new(revision::FIELD, "common.whole_number"));
                None
            }
        };
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        Ok(ProviderSave {
            revision,
            name: name.to_string(),
            credit_code,
            contact_name: self.contact_name.trim().to_string(),
            phone,
            address: self.address.trim().to_string(),
            categories: rules::tags_column_of(
                self.categories.iter().map(String::as_str),
                rules::is_provider_category,
            ),
            contract_start,
            contract_end,
            terms: self.terms.trim().to_string(),
            price_notes: self.price_notes.trim().to_string(),
            status: status.to_string(),
            communities,
        })
    }
}

const CONSTRAINTS: &[crate::platform::error::Constraint] = &[
    crate::platform::error::Constraint::unique(
        "providers",
        &["name"],
        "name",
        "hall.provider_name_taken",
    ),
    crate::platform::error::Constraint::unique_index(
        "providers",
        "providers_credit_code",
        &["credit_code"],
        "credit_code",
        "hall.credit_code_taken",
    ),
];

/// Create or change a provider and the communities it serves (the admin only).
pub async fn save(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    s: &ProviderSave,
) -> Result<i64> {
    u.require(&[Role::DistrictAdmin])?;
    // every community must be a live one of the district
    if !s.communities.is_empty() {
        let (lo, hi) = district.descendant_range();
        let placeholders = vec!["?"; s.communities.len()].join(", ");
        let mut v = vals![lo, hi];
        v.extend(s.communities.iter().map(|c| Value::from(c.clone())));
        let known = db::scalar(
            &db.conn,
            &format!(
                "SELECT COUNT(*) FROM divisions WHERE code BETWEEN ? AND ? AND level = 5 \
                 AND merged_into IS NULL AND code IN ({placeholders})"
            ),
            v,
        )
        .await?
        .unwrap_or(0);
        if known as usize != s.communities.len() {
            return Err(AppError::invalid("communities", "hall.unknown_communities"));
        }
    }
    let before = match id {
        Some(id) => Some(load(db, &u.scope, id).await?),
        None => None,
    };
    let tx = db.write_tx().await?;
    let v = vals![
        s.name.clone(),
        s.credit_code.clone(),
        s.contact_name.clone(),
        s.phone.clone(),
        s.address.clone(),
        s.categories.clone(),
        s.contract_start,
        s.contract_end,
        s.terms.clone(),
        s.price_notes.clone(),
        s.status.clone()
    ];
    let res = match id {
        None => {
            let mut v = v;
            v.push(db.clock().now().into());
            db::scalar(
                &tx,
                "INSERT INTO providers (name, credit_code, contact_name, phone, address, categories, \
                 contract_start, contract_end, terms, price_notes, status, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                v,
            )
            .await
            .map(|x| x.unwrap_or(0))
        }
        Some(id) => revision::update(
            &tx,
            "providers",
            "provider",
            id,
            s.revision,
            "name = ?, credit_code = ?, contact_name = ?, phone = ?, address = ?, \
             categories = ?, contract_start = ?, contract_end = ?, terms = ?, price_notes = ?, \
             status = ?",
            v,
        )
        .await
        .map(|_| id),
    };
    let pid = res.map_err(|e| e.on_constraint(CONSTRAINTS))?;
    db::exec(
        &tx,
        "DELETE FROM provider_communities WHERE provider_id = ?",
        vals![pid],
    )
    .await?;
    db::insert_rows(
        &tx,
        "provider_communities",
        &["provider_id", "community_code"],
        s.communities
            .iter()
            .map(|c| vals![pid, c.clone()])
            .collect(),
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        if id.is_some() { "update" } else { "create" },
        "provider",
        &pid.to_string(),
        before.as_ref(),
        Some(s),
    )
    .await?;
    Ok(pid)
}
