//! The service catalogue (服务事项) and the working calendar.

use chrono::NaiveDate;
use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::hall::rules::{self, Calendar};
use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::vals;

pub const GROUPS: &[&str] = &["small_matter", "minor_illness", "job", "other"];
pub const KINDS: &[&str] = &["public", "convenience", "mutual_aid"];
pub const OWNER_KINDS: &[&str] = &["department", "community", "provider_category"];
pub const FINISH_AT: &[&str] = &["community", "town_centre", "department"];

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    /// Also the Open311 service_code.
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// small_matter (小事), minor_illness (小病), job (求职) or other.
    pub group_key: String,
    /// public, convenience or mutual_aid.
    pub kind: String,
    /// department, community or provider_category.
    pub owner_kind: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub department_name_en: Option<String>,
    pub provider_category: Option<String>,
    /// community, town_centre or department.
    pub finish_at: String,
    pub time_limit_days: i64,
    /// One required material per line.
    pub materials: String,
    pub description: String,
    pub online: bool,
    pub active: bool,
    pub sort_order: i64,
    /// Raised by each save (platform::revision).
    #[serde(default)]
    pub revision: i64,
}

impl Item {
    pub fn materials_list(&self) -> Vec<&str> {
        self.materials
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
    /// The owning department's name in the reader's language.
    pub fn department_label(&self, english: impl std::borrow::Borrow<bool>) -> Option<&str> {
        match (&self.department_name, &self.department_name_en) {
            (_, Some(en)) if *english.borrow() && !en.is_empty() => Some(en),
            (Some(zh), _) => Some(zh),
            _ => None,
        }
    }

    pub fn label(&self, english: impl std::borrow::Borrow<bool>) -> &str {
        if *english.borrow() && !self.name_en.is_empty() {
            &self.name_en
        } else {
            &self.name
        }
    }
}

const ITEM_SELECT: &str = "SELECT i.id, i.code, i.name, i.name_en, i.group_key, i.kind, \
    i.owner_kind, i.department_id, d.name AS department_name, d.name_en AS department_name_en, \
    i.provider_category, i.finish_at, \
    i.time_limit_days, i.materials, i.description, i.online, i.active, i.sort_order, i.revision \
    FROM service_items i LEFT JOIN departments d ON d.id = i.department_id";

/// The whole catalogue in display order (a few dozen rows).
pub async fn items(db: &Db) -> Result<Vec<Item>> {
    db::all(
        &db.conn,
        &format!("{ITEM_SELECT} ORDER BY i.sort_order, i.code"),
        vals![],
    )
    .await
}

pub async fn item(db: &Db, id: i64) -> Result<Item> {
    db::one(
        &db.conn,
        &format!("{ITEM_SELECT} WHERE i.id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// A catalogue entry as typed into the form.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ItemInput {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub group_key: String,
    pub kind: String,
    pub owner_kind: String,
    pub department_id: String,
    pub provider_category: String,
    pub finish_at: String,
    pub time_limit_days: String,
    pub materials: String,
    pub description: String,
    pub online: Option<String>,
    pub active: Option<String>,
    pub sort_order: String,
    /// The revision the form was opened at.
    pub revision: String,
}

/// A checked catalogue entry.
#[derive(Clone, Debug, Serialize)]
pub struct ItemSave {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub group_key: String,
    pub kind: String,
    pub owner_kind: String,
    pub department_id: Option<i64>,
    pub provider_category: Option<String>,
    pub finish_at: String,
    pub time_limit_days: i64,
    pub materials: String,
    pub description: String,
    pub online: bool,
    pub active: bool,
    pub sort_order: i64,
    /// The revision the form was opened at (platform::revision).
    #[serde(skip)]
    pub revision: Option<i64>,
}

impl ItemInput {
    pub fn check(&self) -> Result<ItemSave> {
        let mut errs = Vec::new();
        let code = self.code.trim().to_uppercase();
        if code.is_empty() {
            errs.push(FieldError::new("code", "common.required"));
        } else if code.len() > 20
            || !code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            errs.push(FieldError::new("code", "hall.bad_item_code"));
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errs.push(FieldError::new("name", "common.required"));
        } else if name.chars().count() > 60 {
            errs.push(FieldError::new("name", "common.too_long").with(60));
        }
        for (field, v, allowed) in [
            ("group_key", &self.group_key, GROUPS),
            ("kind", &self.kind, KINDS),
            ("owner_kind", &self.owner_kind, OWNER_KINDS),
            ("finish_at", &self.finish_at, FINISH_AT),
        ] {
            if !allowed.contains(&v.as_str()) {
                errs.push(FieldError::new(field, "hall.choose_one"));
            }
        }
        let department_id = match self.owner_kind.as_str() {
            "department" => match self.department_id.trim().parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errs.push(FieldError::new("department_id", "common.required"));
                    None
                }
            },
            _ => None,
        };
        let provider_category = match self.owner_kind.as_str() {
            "provider_category" => {
                let c = self.provider_category.trim();
                if rules::is_provider_category(c) {
                    Some(c.to_string())
                } else {
                    errs.push(FieldError::new("provider_category", "hall.choose_one"));
                    None
                }
            }
            _ => None,
        };
        let time_limit_days = match self.time_limit_days.trim().parse::<i64>() {
            Ok(n) if (0..=365).contains(&n) => n,
            _ => {
                errs.push(FieldError::new("time_limit_days", "hall.bad_time_limit"));
                0
            }
        };
        let sort_order = if self.sort_order.trim().is_empty() {
            0
        } else {
            match self.sort_order.trim().parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    errs.push(FieldError::new("sort_order", "common.whole_number"));
                    0
                }
            }
        };
        let revision = revision::base(&self.revision).unwrap_or_else(|e| {
            if let AppError::Invalid(f) = e {
                errs.extend(f);
            }
            None
        });
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        let materials = self
            .materials
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        Ok(ItemSave {
            revision,
            code,
            name,
            name_en: self.name_en.trim().to_string(),
            group_key: self.group_key.clone(),
            kind: self.kind.clone(),
            owner_kind: self.owner_kind.clone(),
            department_id,
            provider_category,
            finish_at: self.finish_at.clone(),
            time_limit_days,
            materials,
            description: self.description.trim().to_string(),
            online: self.online.is_some(),
            active: self.active.is_some(),
            sort_order,
        })
    }
}

const ITEM_CONSTRAINTS: &[crate::platform::error::Constraint] = &[
    crate::platform::error::Constraint::unique(
        "service_items",
        &["code"],
        "code",
        "hall.item_code_taken",
    ),
    crate::platform::error::Constraint::unique(
        "service_items",
        &["name"],
        "name",
        "hall.item_name_taken",
    ),
    crate::platform::error::Constraint::foreign_key(
        "service_items",
        &["department_id"],
        "department_id",
        "hall.choose_one",
    ),
];

/// Create (`id` None) or change a catalogue entry; returns its id.
pub async fn save_item(db: &Db, actor: &Actor, id: Option<i64>, s: &ItemSave) -> Result<i64> {
    let tx = db.write_tx().await?;
    let before: Option<Item> = match id {
        Some(id) => db::one(&tx, &format!("{ITEM_SELECT} WHERE i.id = ?"), vals![id]).await?,
        None => None,
    };
    let values = vals![
        s.code.clone(),
        s.name.clone(),
        s.name_en.clone(),
        s.group_key.clone(),
        s.kind.clone(),
        s.owner_kind.clone(),
        s.department_id,
        s.provider_category.clone(),
        s.finish_at.clone(),
        s.time_limit_days,
        s.materials.clone(),
        s.description.clone(),
        s.online,
        s.active,
        s.sort_order
    ];
    let result = match id {
        None => db::scalar(
            &tx,
            "INSERT INTO service_items (code, name, name_en, group_key, kind, owner_kind, \
             department_id, provider_category, finish_at, time_limit_days, materials, \
             description, online, active, sort_order) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            values,
        )
        .await
        .map(|id| id.unwrap_or(0)),
        Some(id) => revision::update(
            &tx,
            "service_items",
            "service_item",
            id,
            s.revision,
            "code = ?, name = ?, name_en = ?, group_key = ?, kind = ?, owner_kind = ?, \
             department_id = ?, provider_category = ?, finish_at = ?, time_limit_days = ?, \
             materials = ?, description = ?, online = ?, active = ?, sort_order = ?",
            values,
        )
        .await
        .map(|_| id),
    };
    let new_id = result.map_err(|e| e.on_constraint(ITEM_CONSTRAINTS))?;
    audit::commit(
        tx,
        actor,
        if id.is_some() { "update" } else { "create" },
        "service_item",
        &new_id.to_string(),
        before.as_ref(),
        Some(s),
    )
    .await?;
    Ok(new_id)
}

// ------------------------------------------------------------------ calendar

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CalendarDay {
    pub day: NaiveDate,
    /// holiday or workday (a weekend day worked in exchange).
    pub kind: String,
    pub name: String,
}

pub async fn calendar_days(db: &Db, year: Option<i32>) -> Result<Vec<CalendarDay>> {
    let (wh, v): (&str, Vec<Value>) = match year {
        Some(y) => (
            "WHERE day BETWEEN ? AND ?",
            vals![
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31)
            ],
        ),
        None => ("", vals![]),
    };
    db::all(
        &db.conn,
        &format!("SELECT day, kind, name FROM calendar_days {wh} ORDER BY day"),
        v,
    )
    .await
}

pub async fn load_calendar(db: &Db) -> Result<Calendar> {
    let mut c = Calendar::default();
    for d in calendar_days(db, None).await? {
        if d.kind == "holiday" {
            c.holidays.insert(d.day);
        } else {
            c.extra_workdays.insert(d.day);
        }
    }
    Ok(c)
}

/// Declare a day a holiday or a make-up working day (replacing what it was).
pub async fn set_day(db: &Db, actor: &Actor, day: NaiveDate, kind: &str, name: &str) -> Result<()> {
    if !matches!(kind, "holiday" | "workday") {
        return Err(AppError::invalid("kind", "hall.choose_one"));
    }
    let tx = db.write_tx().await?;
    db::exec(&tx, "DELETE FROM calendar_days WHERE day = ?", vals![day]).await?;
    db::exec(
        &tx,
        "INSERT INTO calendar_days (day, kind, name) VALUES (?, ?, ?)",
        vals![day, kind, name.trim()],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        "update",
        "calendar_day",
        &day.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"kind": kind, "name": name.trim()})),
    )
    .await?;
    Ok(())
}

pub async fn delete_day(db: &Db, actor: &Actor, day: NaiveDate) -> Result<()> {
    let tx = db.write_tx().await?;
    let n = db::exec(&tx, "DELETE FROM calendar_days WHERE day = ?", vals![day]).await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::commit(
        tx,
        actor,
        "delete",
        "calendar_day",
        &day.to_string(),
        None::<&()>,
        None::<&()>,
    )
    .await?;
    Ok(())
}
