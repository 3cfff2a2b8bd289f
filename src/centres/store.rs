//! Queries and changes of service-centre construction. Every read of a community's centre
//! goes through the geography's scoped community load, so a centre outside your scope does
//! not exist for you; every change is one write transaction with its audit entry.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use serde::{Deserialize, Serialize};

use crate::centres::rules::{
    self, Category, Compliance, Entry, Item, Mode, ProjectInput, StandardInput, Status, Terms,
};
use crate::geo::store::{self as geo, CommunityRow};
use crate::platform::audit;
use crate::platform::auth::{Actor, CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::types::DivisionCode;
use crate::vals;

// ------------------------------------------------------------------ standards

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Standard {
    pub id: i64,
    pub name: String,
    pub effective_year: i32,
    #[serde(flatten)]
    pub terms: Terms,
    pub note: String,
    pub items: Vec<Item>,
    /// Projects built against this version.
    pub projects: i64,
    /// Raised by each save (platform::revision).
    #[serde(default)]
    pub revision: i64,
}

#[derive(FromQueryResult)]
struct StandardRow {
    id: i64,
    name: String,
    effective_year: i32,
    area_new_dm2: Option<i64>,
    area_renovation_dm2: Option<i64>,
    area_integrated_dm2: Option<i64>,
    reward_new_fen: i64,
    reward_renovation_fen: i64,
    reward_integrated_fen: i64,
    note: String,
    projects: i64,
    revision: i64,
}

#[derive(FromQueryResult)]
struct ItemRow {
    id: i64,
    standard_id: i64,
    category: String,
    name: String,
    required: bool,
    min_area_dm2: Option<i64>,
}

/// Every standard version with its items, oldest first.
pub async fn standards<C: ConnectionTrait>(c: &C) -> Result<Vec<Standard>> {
    let rows: Vec<StandardRow> = db::all(
        c,
        "SELECT s.id, s.name, s.effective_year, s.area_new_dm2, s.area_renovation_dm2, \
           s.area_integrated_dm2, s.reward_new_fen, s.reward_renovation_fen, s.reward_integrated_fen, \
           s.note, (SELECT COUNT(*) FROM centre_projects p WHERE p.standard_id = s.id) AS projects, \
           s.revision \
         FROM centre_standards s ORDER BY s.effective_year, s.id",
        vals![],
    )
    .await?;
    let items: Vec<ItemRow> = db::all(
        c,
        "SELECT id, standard_id, category, name, required, min_area_dm2 FROM centre_standard_items \
         ORDER BY standard_id, position, id",
        vals![],
    )
    .await?;
    let mut by_standard: HashMap<i64, Vec<Item>> = HashMap::new();
    for i in items {
        by_standard.entry(i.standard_id).or_default().push(Item {
            id: i.id,
            category: Category::parse(&i.category).unwrap_or(Category::Room),
            name: i.name,
            required: i.required,
            min_area_dm2: i.min_area_dm2,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| Standard {
            items: by_standard.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
            effective_year: r.effective_year,
            terms: Terms {
                area_new_dm2: r.area_new_dm2,
                area_renovation_dm2: r.area_renovation_dm2,
                area_integrated_dm2: r.area_integrated_dm2,
                reward_new_fen: r.reward_new_fen,
                reward_renovation_fen: r.reward_renovation_fen,
                reward_integrated_fen: r.reward_integrated_fen,
            },
            note: r.note,
            projects: r.projects,
            revision: r.revision,
        })
        .collect())
}

pub async fn load_standard(db: &Db, id: i64) -> Result<Standard> {
    standards(&db.conn)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

/// The version in force in a year: the latest effective in or before it.
pub fn in_force(standards: &[Standard], year: i32) -> Option<&Standard> {
    standards
        .iter()
        .filter(|s| s.effective_year <= year)
        .max_by_key(|s| s.effective_year)
}

/// A standard version as saved from the form: items carry their id when they exist already.
pub struct StandardSave {
    pub input: StandardInput,
    pub note: String,
    /// Per form row: the existing item id, if any.
    pub item_ids: HashMap<usize, i64>,
    /// Existing items to remove.
    pub remove: Vec<i64>,
    /// The revision the form was opened at (platform::revision).
    pub revision: Option<i64>,
}

/// Create (`id` None) or update a standard version with its items. Items recorded in some
/// project's checklist cannot be removed: the version is history by then; make a new one.
pub async fn save_standard(
    db: &Db,
    actor: &Actor,
    id: Option<i64>,
    s: &StandardSave,
) -> Result<i64> {
    let mut errs = rules::validate_standard(&s.input);
    if s.note.chars().count() > 2000 {
        errs.push(FieldError::new("note", "common.too_long").with(2000));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let all = standards(&tx).await?;
    let before = match id {
        Some(id) => Some(
            all.iter()
                .find(|x| x.id == id)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    if all
        .iter()
        .any(|x| i64::from(x.effective_year) == s.input.effective_year && Some(x.id) != id)
    {
        return Err(AppError::invalid("effective_year", "centres.year_taken"));
    }
    let now = db.clock().now();
    let t = &s.input.terms;
    let sid = match id {
        Some(id) => {
            revision::update(
                &tx,
                "centre_standards",
                "centre_standard",
                id,
                s.revision,
                "name = ?, effective_year = ?, area_new_dm2 = ?, area_renovation_dm2 = ?, \
                 area_integrated_dm2 = ?, reward_new_fen = ?, reward_renovation_fen = ?, \
                 reward_integrated_fen = ?, note = ?, updated_at = ?",
                vals![
                    s.input.name.trim(),
                    s.input.effective_year,
                    t.area_new_dm2,
                    t.area_renovation_dm2,
                    t.area_integrated_dm2,
                    t.reward_new_fen,
                    t.reward_renovation_fen,
                    t.reward_integrated_fen,
                    s.note.trim(),
                    now
                ],
            )
            .await?;
            id
        }
        None => db::scalar(
            &tx,
            "INSERT INTO centre_standards (name, effective_year, area_new_dm2, area_renovation_dm2, \
             area_integrated_dm2, reward_new_fen, reward_renovation_fen, reward_integrated_fen, note, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vals![
                s.input.name.trim(),
                s.input.effective_year,
                t.area_new_dm2,
                t.area_renovation_dm2,
                t.area_integrated_dm2,
                t.reward_new_fen,
                t.reward_renovation_fen,
                t.reward_integrated_fen,
                s.note.trim(),
                now,
                now
            ],
        )
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?,
    };
    let existing: Vec<i64> = before
        .as_ref()
        .map(|b| b.items.iter().map(|i| i.id).collect())
        .unwrap_or_default();
    for rid in &s.remove {
        if !existing.contains(rid) {
            continue;
        }
        let used = db::scalar(
            &tx,
            "SELECT COUNT(*) FROM centre_checklist WHERE item_id = ?",
            vals![*rid],
        )
        .await?
        .unwrap_or(0);
        if used > 0 {
            let row = s
                .item_ids
                .iter()
                .find(|(_, v)| *v == rid)
                .map(|(k, _)| *k)
                .unwrap_or(0);
            return Err(AppError::Invalid(vec![
                FieldError::new(&format!("i{row}_name"), "centres.item_in_use").with(used),
            ]));
        }
        db::exec(
            &tx,
            "DELETE FROM centre_standard_items WHERE id = ? AND standard_id = ?",
            vals![*rid, sid],
        )
        .await?;
    }
    // Existing items first all take a temporary name, so that swapping two names does not
    // trip the (standard, name) key half-way.
    let kept: Vec<i64> = s
        .input
        .items
        .iter()
        .filter_map(|(row, ..)| s.item_ids.get(row).copied())
        .filter(|i| existing.contains(i))
        .collect();
    for item_id in &kept {
        db::exec(
            &tx,
            "UPDATE centre_standard_items SET name = ? WHERE id = ? AND standard_id = ?",
            vals![format!("\u{1}{item_id}"), *item_id, sid],
        )
        .await?;
    }
    for (pos, (row, cat, name, required, min)) in s.input.items.iter().enumerate() {
        let cat = cat.map(Category::key).unwrap_or("room");
        match s.item_ids.get(row).filter(|i| existing.contains(i)) {
            Some(item_id) => {
                db::exec(
                    &tx,
                    "UPDATE centre_standard_items SET category = ?, name = ?, required = ?, \
                     min_area_dm2 = ?, position = ? WHERE id = ? AND standard_id = ?",
                    vals![cat, name.trim(), *required, *min, pos as i32, *item_id, sid],
                )
                .await?;
            }
            None => {
                db::exec(
                    &tx,
                    "INSERT INTO centre_standard_items (standard_id, category, name, required, min_area_dm2, position) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                    vals![sid, cat, name.trim(), *required, *min, pos as i32],
                )
                .await?;
            }
        }
    }
    let after = standards(&tx)
        .await?
        .into_iter()
        .find(|x| x.id == sid)
        .ok_or(AppError::NotFound)?;
    audit::record(
        &tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "centre_standard",
        &sid.to_string(),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(sid)
}

// ------------------------------------------------------------------ targets

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Target {
    pub year: i32,
    /// Empty for the whole district.
    pub town_code: String,
    pub town_name: Option<String>,
    pub target_pct: i32,
}

pub async fn targets(db: &Db) -> Result<Vec<Target>> {
    db::all(
        &db.conn,
        "SELECT g.year, g.town_code, t.name AS town_name, g.target_pct FROM coverage_targets g \
         LEFT JOIN divisions t ON t.code = g.town_code ORDER BY g.year, g.town_code",
        vals![],
    )
    .await
}

/// Targets keyed as `rules::target_for` reads them.
pub fn target_map(ts: &[Target]) -> BTreeMap<(String, i32), i64> {
    ts.iter()
        .map(|t| ((t.town_code.clone(), t.year), i64::from(t.target_pct)))
        .collect()
}

/// Set the target of a year for the district (`town` empty) or a town.
pub async fn set_target(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    year: i64,
    town: &str,
    pct: i64,
) -> Result<()> {
    let mut errs = vec![];
    if !(1949..=2200).contains(&year) {
        errs.push(FieldError::new("year", "centres.year_range"));
    }
    if !(0..=100).contains(&pct) {
        errs.push(FieldError::new("target_pct", "centres.pct_range"));
    }
    let town = town.trim();
    let town_code = if town.is_empty() {
        String::new()
    } else {
        match geo::load_town(db, district, &Scope::District, town).await {
            Ok(t) => t.code,
            Err(AppError::NotFound) => {
                errs.push(FieldError::new("town", "geo.bad_town_code"));
                String::new()
            }
            Err(e) => return Err(e),
        }
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let before = db::scalar(
        &tx,
        "SELECT CAST(target_pct AS BIGINT) FROM coverage_targets WHERE year = ? AND town_code = ?",
        vals![year as i32, town_code.clone()],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO coverage_targets (year, town_code, target_pct, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (year, town_code) DO UPDATE SET target_pct = excluded.target_pct, updated_at = excluded.updated_at",
        vals![year as i32, town_code.clone(), pct as i32, db.clock().now()],
    )
    .await?;
    audit::record(
        &tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "coverage_target",
        &format!(
            "{year}/{}",
            if town_code.is_empty() {
                "district"
            } else {
                &town_code
            }
        ),
        before
            .map(|b| serde_json::json!({ "target_pct": b }))
            .as_ref(),
        Some(&serde_json::json!({ "target_pct": pct })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_target(db: &Db, actor: &Actor, year: i64, town: &str) -> Result<()> {
    let tx = db.write_tx().await?;
    let before = db::scalar(
        &tx,
        "SELECT CAST(target_pct AS BIGINT) FROM coverage_targets WHERE year = ? AND town_code = ?",
        vals![year as i32, town.trim()],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    db::exec(
        &tx,
        "DELETE FROM coverage_targets WHERE year = ? AND town_code = ?",
        vals![year as i32, town.trim()],
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "delete",
        "coverage_target",
        &format!(
            "{year}/{}",
            if town.trim().is_empty() {
                "district"
            } else {
                town.trim()
            }
        ),
        Some(&serde_json::json!({ "target_pct": before })),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ projects

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Project {
    pub id: i64,
    pub community_code: String,
    pub standard_id: i64,
    pub mode: String,
    pub blocking_reason: String,
    pub pilot: bool,
    pub pilot_year: Option<i32>,
    pub planned_start: Option<NaiveDate>,
    pub planned_completion: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_completion: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub floor_area_dm2: Option<i64>,
    pub invest_district_fen: i64,
    pub invest_town_fen: i64,
    pub invest_village_fen: i64,
    pub invest_donation_fen: i64,
    pub status: String,
    pub note: String,
    pub review_note: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Raised by each save of the project form (platform::revision).
    #[serde(default)]
    pub revision: i64,
}

impl Project {
    pub fn mode(&self) -> Mode {
        Mode::parse(&self.mode).unwrap_or(Mode::New)
    }
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Planned)
    }
    pub fn invest_total_fen(&self) -> i64 {
        self.invest_district_fen
            + self.invest_town_fen
            + self.invest_village_fen
            + self.invest_donation_fen
    }
}

const PROJECT_COLUMNS: &str = "id, community_code, standard_id, mode, blocking_reason, pilot, \
    pilot_year, planned_start, planned_completion, actual_start, actual_completion, accepted_on, \
    floor_area_dm2, invest_district_fen, invest_town_fen, invest_village_fen, invest_donation_fen, \
    status, note, review_note, reviewed_by, reviewed_at, revision";

/// One checklist line: the item, and what the project recorded for it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChecklistLine {
    pub item: Item,
    pub present: bool,
    pub area_dm2: Option<i64>,
    pub note: String,
}

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub inspected_on: NaiveDate,
    pub inspectors: String,
    pub passed: bool,
    pub reasons: String,
    /// The checklist result at the time (rules::Compliance as JSON).
    pub result_json: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl Inspection {
    pub fn result(&self) -> Compliance {
        serde_json::from_str(&self.result_json).unwrap_or_default()
    }
}

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reward {
    pub id: i64,
    pub inspection_id: i64,
    pub mode: String,
    pub amount_fen: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// A community's centre: the community, its project (if any), the checklist against the
/// project's standard version and the compliance, inspections and the reward.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CentreDetail {
    pub community: CommunityRow,
    pub project: Option<Project>,
    pub standard: Option<Standard>,
    pub checklist: Vec<ChecklistLine>,
    pub compliance: Option<Compliance>,
    pub inspections: Vec<Inspection>,
    pub reward: Option<Reward>,
}

async fn project_of<C: ConnectionTrait>(c: &C, code: &str) -> Result<Option<Project>> {
    db::one(
        c,
        &format!("SELECT {PROJECT_COLUMNS} FROM centre_projects WHERE community_code = ?"),
        vals![code],
    )
    .await
}

#[derive(FromQueryResult)]
struct EntryRow {
    item_id: i64,
    present: bool,
    area_dm2: Option<i64>,
    note: String,
}

async fn entries_of<C: ConnectionTrait>(c: &C, project_id: i64) -> Result<Vec<EntryRow>> {
    db::all(
        c,
        "SELECT item_id, present, area_dm2, note FROM centre_checklist WHERE project_id = ?",
        vals![project_id],
    )
    .await
}

fn checklist_lines(standard: &Standard, entries: &[EntryRow]) -> Vec<ChecklistLine> {
    let by_item: HashMap<i64, &EntryRow> = entries.iter().map(|e| (e.item_id, e)).collect();
    standard
        .items
        .iter()
        .map(|i| {
            let e = by_item.get(&i.id);
            ChecklistLine {
                item: i.clone(),
                present: e.is_some_and(|e| e.present),
                area_dm2: e.and_then(|e| e.area_dm2),
                note: e.map(|e| e.note.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

fn compliance_of(p: &Project, standard: &Standard, entries: &[EntryRow]) -> Compliance {
    let es: Vec<Entry> = entries
        .iter()
        .map(|e| Entry {
            item_id: e.item_id,
            present: e.present,
            area_dm2: e.area_dm2,
        })
        .collect();
    rules::check(
        &standard.items,
        &es,
        &standard.terms,
        p.mode(),
        p.floor_area_dm2,
    )
}

/// A community's centre in scope, or 404.
pub async fn load_centre(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    code: &str,
) -> Result<CentreDetail> {
    let c = geo::load_community(db, district, scope, code).await?;
    let project = project_of(&db.conn, &c.row.code).await?;
    let mut detail = CentreDetail {
        community: c.row,
        project: None,
        standard: None,
        checklist: vec![],
        compliance: None,
        inspections: vec![],
        reward: None,
    };
    let Some(p) = project else {
        return Ok(detail);
    };
    let standard = standards(&db.conn)
        .await?
        .into_iter()
        .find(|s| s.id == p.standard_id);
    let entries = entries_of(&db.conn, p.id).await?;
    if let Some(s) = &standard {
        detail.checklist = checklist_lines(s, &entries);
        detail.compliance = Some(compliance_of(&p, s, &entries));
    }
    detail.inspections = db::all(
        &db.conn,
        "SELECT id, inspected_on, inspectors, passed, reasons, result_json, recorded_by, created_at \
         FROM centre_inspections WHERE project_id = ? ORDER BY inspected_on, id",
        vals![p.id],
    )
    .await?;
    detail.reward = db::one(
        &db.conn,
        "SELECT id, inspection_id, mode, amount_fen, status, created_at FROM centre_rewards WHERE project_id = ?",
        vals![p.id],
    )
    .await?;
    detail.standard = standard;
    detail.project = Some(p);
    Ok(detail)
}

/// May this user change this community's project? Staff their own, a town officer the town's,
/// the district admin any; a community merged away keeps its record read-only.
pub fn can_edit(role: Role, c: &CommunityRow) -> bool {
    c.merged_into.is_none()
        && matches!(
            role,
            Role::DistrictAdmin | Role::TownOfficer | Role::CommunityStaff
        )
}

pub fn can_inspect(role: Role) -> bool {
    matches!(role, Role::DistrictAdmin | Role::Assessor)
}

pub fn can_review(role: Role) -> bool {
    matches!(role, Role::DistrictAdmin | Role::TownOfficer)
}

/// Load a community for a change by this user, or the reason not.
async fn community_for_change(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
) -> Result<CommunityRow> {
    let (scope, role) = (&u.scope, u.role);
    let c = geo::load_community(db, district, scope, code).await?.row;
    if !can_edit(role, &c) {
        return Err(AppError::Forbidden);
    }
    // Staff may see the communities merged into theirs, but change only their own.
    if let Scope::Community(own) = scope
        && own.as_str() != c.code
    {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

/// Create or update a community's project. A new project is built against the standard in
/// force in the year it is (to be) completed, and starts as planned, under construction or
/// completed according to the dates given. Once accepted, the mode, floor area and
/// completion date are fixed: the reward was computed from them.
pub async fn save_project(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    input: &ProjectInput,
    today: NaiveDate,
) -> Result<()> {
    let actor = &u.actor();
    let c = community_for_change(db, district, u, code).await?;
    let tx = db.write_tx().await?;
    let before = project_of(&tx, &c.code).await?;
    let status = match &before {
        Some(p) => p.status(),
        None if input.actual_completion.is_some() => Status::Completed,
        None if input.actual_start.is_some() => Status::UnderConstruction,
        None => Status::Planned,
    };
    let mut errs = rules::validate_project(input, status, today);
    if let Some(p) = &before
        && p.status() == Status::Accepted
    {
        if input.mode != Some(p.mode()) {
            errs.push(FieldError::new("mode", "centres.locked_after_acceptance"));
        }
        if input.floor_area_dm2 != p.floor_area_dm2 {
            errs.push(FieldError::new(
                "floor_area",
                "centres.locked_after_acceptance",
            ));
        }
        if input.actual_completion != p.actual_completion {
            errs.push(FieldError::new(
                "actual_completion",
                "centres.locked_after_acceptance",
            ));
        }
    }
    if let Some(p) = &before
        && let (Some(acc), Some(done)) = (p.accepted_on, input.actual_completion)
        && done > acc
    {
        errs.push(FieldError::new(
            "actual_completion",
            "centres.completion_after_acceptance",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mode = input.mode.unwrap_or(Mode::New);
    let reason = if mode == Mode::Integrated {
        input.blocking_reason.trim().to_string()
    } else {
        String::new()
    };
    let pilot_year = if input.pilot {
        input.pilot_year.map(|y| y as i32)
    } else {
        None
    };
    let now = db.clock().now();
    let [d, t, v, g] = input.invest_fen;
    match &before {
        Some(p) => {
            revision::update_as(
                &tx,
                "centre_projects",
                ("centre_project", &c.code),
                p.id,
                input.revision,
                "mode = ?, blocking_reason = ?, pilot = ?, pilot_year = ?, \
                 planned_start = ?, planned_completion = ?, actual_start = ?, actual_completion = ?, \
                 floor_area_dm2 = ?, invest_district_fen = ?, invest_town_fen = ?, invest_village_fen = ?, \
                 invest_donation_fen = ?, note = ?, updated_at = ?",
                vals![
                    mode.key(),
                    reason,
                    input.pilot,
                    pilot_year,
                    input.planned_start,
                    input.planned_completion,
                    input.actual_start,
                    input.actual_completion,
                    input.floor_area_dm2,
                    d,
                    t,
                    v,
                    g,
                    input.note.trim(),
                    now
                ],
            )
            .await?;
        }
        None => {
            let year = input
                .actual_completion
                .or(input.planned_completion)
                .map(|d| d.year())
                .unwrap_or(today.year());
            let all = standards(&tx).await?;
            let standard = rules_standard(&all, year)
                .ok_or_else(|| AppError::invalid("mode", "centres.no_standard"))?;
            db::exec(
                &tx,
                "INSERT INTO centre_projects (community_code, standard_id, mode, blocking_reason, pilot, \
                 pilot_year, planned_start, planned_completion, actual_start, actual_completion, \
                 floor_area_dm2, invest_district_fen, invest_town_fen, invest_village_fen, \
                 invest_donation_fen, status, note, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vals![
                    c.code.clone(),
                    standard.id,
                    mode.key(),
                    reason,
                    input.pilot,
                    pilot_year,
                    input.planned_start,
                    input.planned_completion,
                    input.actual_start,
                    input.actual_completion,
                    input.floor_area_dm2,
                    d,
                    t,
                    v,
                    g,
                    status.key(),
                    input.note.trim(),
                    now,
                    now
                ],
            )
            .await?;
        }
    }
    let after = project_of(&tx, &c.code).await?;
    audit::record(
        &tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "centre_project",
        &c.code,
        before.as_ref(),
        after.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The version in force for a year, or the earliest when the year precedes them all.
fn rules_standard(all: &[Standard], year: i32) -> Option<&Standard> {
    in_force(all, year).or_else(|| all.first())
}

/// What the checklist form sends for one item.
pub struct ChecklistInput {
    pub item_id: i64,
    pub present: bool,
    pub area_dm2: Option<i64>,
    pub note: String,
}

/// Replace a project's checklist. Refused once the centre is accepted.
pub async fn save_checklist(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    lines: &[ChecklistInput],
) -> Result<()> {
    let actor = &u.actor();
    let c = community_for_change(db, district, u, code).await?;
    let mut errs = vec![];
    for l in lines {
        if let Some(e) = rules::check_area(&format!("area_{}", l.item_id), l.area_dm2) {
            errs.push(e);
        }
        if l.note.chars().count() > 200 {
            errs.push(FieldError::new(&format!("note_{}", l.item_id), "common.too_long").with(200));
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let p = project_of(&tx, &c.code)
        .await?
        .ok_or_else(|| AppError::invalid("checklist", "centres.no_project"))?;
    if p.status() == Status::Accepted {
        return Err(AppError::invalid("checklist", "centres.checklist_locked"));
    }
    let standard = standards(&tx)
        .await?
        .into_iter()
        .find(|s| s.id == p.standard_id)
        .ok_or(AppError::NotFound)?;
    let known: Vec<i64> = standard.items.iter().map(|i| i.id).collect();
    if let Some(l) = lines.iter().find(|l| !known.contains(&l.item_id)) {
        return Err(AppError::invalid(
            &format!("present_{}", l.item_id),
            "centres.unknown_item",
        ));
    }
    let before = entries_of(&tx, p.id).await?;
    let as_json = |rows: Vec<(i64, bool, Option<i64>, String)>| {
        serde_json::Value::Array(
            rows.into_iter()
                .map(|(i, pr, a, n)| serde_json::json!({"item_id": i, "present": pr, "area_dm2": a, "note": n}))
                .collect(),
        )
    };
    let before_json = as_json(
        before
            .iter()
            .map(|e| (e.item_id, e.present, e.area_dm2, e.note.clone()))
            .collect(),
    );
    db::exec(
        &tx,
        "DELETE FROM centre_checklist WHERE project_id = ?",
        vals![p.id],
    )
    .await?;
    for l in lines {
        db::exec(
            &tx,
            "INSERT INTO centre_checklist (project_id, item_id, present, area_dm2, note) VALUES (?, ?, ?, ?, ?)",
            vals![p.id, l.item_id, l.present, l.area_dm2, l.note.trim()],
        )
        .await?;
    }
    db::exec(
        &tx,
        "UPDATE centre_projects SET updated_at = ? WHERE id = ?",
        vals![db.clock().now(), p.id],
    )
    .await?;
    let after_json = as_json(
        lines
            .iter()
            .map(|l| (l.item_id, l.present, l.area_dm2, l.note.trim().to_string()))
            .collect(),
    );
    audit::record(
        &tx,
        actor,
        "update",
        "centre_checklist",
        &c.code,
        Some(&before_json),
        Some(&after_json),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Move a project to another status by hand (see `rules::manual_transition`).
pub async fn change_status(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    to: &str,
) -> Result<()> {
    let actor = &u.actor();
    let c = community_for_change(db, district, u, code).await?;
    let to =
        Status::parse(to).ok_or_else(|| AppError::invalid("status", "centres.bad_transition"))?;
    let tx = db.write_tx().await?;
    let p = project_of(&tx, &c.code)
        .await?
        .ok_or_else(|| AppError::invalid("status", "centres.no_project"))?;
    let inspected = db::scalar(
        &tx,
        "SELECT COUNT(*) FROM centre_inspections WHERE project_id = ?",
        vals![p.id],
    )
    .await?
    .unwrap_or(0)
        > 0;
    rules::manual_transition(
        p.status(),
        to,
        p.actual_start,
        p.actual_completion,
        inspected,
    )
    .map_err(|k| AppError::invalid("status", k))?;
    let n = db::exec(
        &tx,
        "UPDATE centre_projects SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        vals![to.key(), db.clock().now(), p.id, p.status.clone()],
    )
    .await?;
    if n != 1 {
        return Err(AppError::Conflict("centre_project".into()));
    }
    audit::record(
        &tx,
        actor,
        "status",
        "centre_project",
        &c.code,
        Some(&serde_json::json!({"status": p.status})),
        Some(&serde_json::json!({"status": to.key()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The town's review of a project.
pub async fn review(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    note: &str,
) -> Result<()> {
    let (scope, role, actor) = (&u.scope, u.role, &u.actor());
    if !can_review(role) {
        return Err(AppError::Forbidden);
    }
    let c = geo::load_community(db, district, scope, code).await?.row;
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::invalid("review_note", "common.required"));
    }
    if note.chars().count() > 1000 {
        return Err(AppError::Invalid(vec![
            FieldError::new("review_note", "common.too_long").with(1000),
        ]));
    }
    let tx = db.write_tx().await?;
    let p = project_of(&tx, &c.code)
        .await?
        .ok_or_else(|| AppError::invalid("review_note", "centres.no_project"))?;
    db::exec(
        &tx,
        "UPDATE centre_projects SET review_note = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
        vals![note, actor.name.clone(), db.clock().now(), p.id],
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "review",
        "centre_project",
        &c.code,
        Some(&serde_json::json!({"review_note": p.review_note})),
        Some(&serde_json::json!({"review_note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub struct InspectionInput {
    pub inspected_on: Option<NaiveDate>,
    pub inspectors: String,
    /// None: neither pass nor fail chosen.
    pub passed: Option<bool>,
    pub reasons: String,
}

/// What an inspection led to.
#[derive(Debug, PartialEq, Eq)]
pub struct InspectionOutcome {
    pub inspection_id: i64,
    pub passed: bool,
    /// The reward created by this pass (never a second one).
    pub reward_fen: Option<i64>,
}

/// Record an acceptance inspection. A pass needs every required item present (an area
/// below the norm only with written reasons), makes the project accepted and creates its one
/// reward; a fail needs reasons. The status change is conditional on the status read, and
/// the reward's key is the project: a repeated click or a concurrent request cannot create
/// a second one.
pub async fn record_inspection(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    input: &InspectionInput,
    today: NaiveDate,
) -> Result<InspectionOutcome> {
    let (scope, role, actor) = (&u.scope, u.role, &u.actor());
    if !can_inspect(role) {
        return Err(AppError::Forbidden);
    }
    let c = geo::load_community(db, district, scope, code).await?.row;
    let mut errs = vec![];
    let reasons = input.reasons.trim();
    let inspectors = input.inspectors.trim();
    match input.inspected_on {
        None => errs.push(FieldError::new("inspected_on", "common.date")),
        Some(d) if d > today => errs.push(FieldError::new("inspected_on", "centres.in_future")),
        _ => {}
    }
    if inspectors.is_empty() {
        errs.push(FieldError::new("inspectors", "common.required"));
    } else if inspectors.chars().count() > 200 {
        errs.push(FieldError::new("inspectors", "common.too_long").with(200));
    }
    if reasons.chars().count() > 2000 {
        errs.push(FieldError::new("reasons", "common.too_long").with(2000));
    }
    match input.passed {
        None => errs.push(FieldError::new("passed", "centres.choose_result")),
        Some(false) if reasons.is_empty() => {
            errs.push(FieldError::new("reasons", "centres.fail_needs_reasons"))
        }
        _ => {}
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let passed = input.passed.unwrap_or(false);
    let on = input.inspected_on.unwrap_or(today);
    let tx = db.write_tx().await?;
    let p = project_of(&tx, &c.code)
        .await?
        .ok_or_else(|| AppError::invalid("passed", "centres.no_project"))?;
    match p.status() {
        Status::Accepted => return Err(AppError::invalid("passed", "centres.already_accepted")),
        s if !s.can_be_inspected() => {
            return Err(AppError::invalid("passed", "centres.not_completed"));
        }
        _ => {}
    }
    if p.actual_completion.is_some_and(|d| on < d) {
        return Err(AppError::invalid(
            "inspected_on",
            "centres.inspection_before_completion",
        ));
    }
    let standard = standards(&tx)
        .await?
        .into_iter()
        .find(|s| s.id == p.standard_id)
        .ok_or(AppError::NotFound)?;
    let entries = entries_of(&tx, p.id).await?;
    let result = compliance_of(&p, &standard, &entries);
    if passed && !result.items_ok() {
        return Err(AppError::Invalid(vec![
            FieldError::new("passed", "centres.cannot_pass_missing").with(
                result
                    .missing_required
                    .iter()
                    .chain(&result.below_min_area)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ]));
    }
    if passed && !result.area_ok && reasons.is_empty() {
        return Err(AppError::invalid(
            "reasons",
            "centres.area_exception_needs_reasons",
        ));
    }
    let new_status = if passed {
        Status::Accepted
    } else {
        Status::Failed
    };
    let changed = db::exec(
        &tx,
        "UPDATE centre_projects SET status = ?, accepted_on = ?, updated_at = ? \
         WHERE id = ? AND status IN ('completed', 'rectifying')",
        vals![
            new_status.key(),
            if passed { Some(on) } else { None },
            db.clock().now(),
            p.id
        ],
    )
    .await?;
    if changed != 1 {
        return Err(AppError::invalid("passed", "centres.already_accepted"));
    }
    let result_json = serde_json::to_string(&result)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("compliance json: {e}")))?;
    let inspection_id = db::scalar(
        &tx,
        "INSERT INTO centre_inspections (project_id, inspected_on, inspectors, passed, reasons, \
         result_json, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            p.id,
            on,
            inspectors,
            passed,
            reasons,
            result_json,
            actor.name.clone(),
            db.clock().now()
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    audit::record(
        &tx,
        actor,
        "create",
        "centre_inspection",
        &format!("{}/{inspection_id}", c.code),
        None::<&()>,
        Some(&serde_json::json!({
            "inspected_on": on, "inspectors": inspectors, "passed": passed,
            "reasons": reasons, "result": result,
        })),
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "status",
        "centre_project",
        &c.code,
        Some(&serde_json::json!({"status": p.status})),
        Some(&serde_json::json!({"status": new_status.key()})),
    )
    .await?;
    let mut reward_fen = None;
    if passed {
        let amount = standard.terms.reward(p.mode());
        let id = create_reward(&tx, p.id, inspection_id, &c.code, p.mode(), amount).await?;
        if let Some(id) = id {
            audit::record(
                &tx,
                actor,
                "create",
                "centre_reward",
                &id.to_string(),
                None::<&()>,
                Some(&serde_json::json!({
                    "community_code": c.code, "mode": p.mode().key(), "amount_fen": amount,
                })),
            )
            .await?;
            reward_fen = Some(amount);
        }
    }
    tx.commit().await?;
    Ok(InspectionOutcome {
        inspection_id,
        passed,
        reward_fen,
    })
}

/// Insert the reward of a project unless it has one: the id when created.
async fn create_reward(
    tx: &crate::platform::db::WriteTx,
    project_id: i64,
    inspection_id: i64,
    code: &str,
    mode: Mode,
    amount: i64,
) -> Result<Option<i64>> {
    db::scalar(
        tx,
        "INSERT INTO centre_rewards (project_id, inspection_id, community_code, mode, amount_fen, status, created_at) \
         VALUES (?, ?, ?, ?, ?, 'due', ?) ON CONFLICT (project_id) DO NOTHING RETURNING id",
        vals![project_id, inspection_id, code, mode.key(), amount, tx.clock().now()],
    )
    .await
}

// ------------------------------------------------------------------ dashboard facts

/// One community in scope for the dashboard and the ledger: current or merged away, with
/// its project's key figures when it has one.
#[derive(Clone, Debug, Deserialize)]
pub struct FactRow {
    pub code: String,
    pub name: String,
    pub merged_into: Option<String>,
    pub merged_on: Option<NaiveDate>,
    pub status: Option<String>,
    pub mode: Option<String>,
    pub pilot: i64,
    pub planned_completion: Option<NaiveDate>,
    pub actual_completion: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub floor_area_dm2: Option<i64>,
    pub invest_fen: i64,
}

/// Every community in scope (merged-away ones included) with its project's figures, in one
/// statement (rows travel as one JSON array; see `db::all_json`).
pub async fn facts(db: &Db, district: &DivisionCode, scope: &Scope) -> Result<Vec<FactRow>> {
    let (cond, v) = geo::community_scope_sql(scope, district);
    let mut rows: Vec<FactRow> = db::all_json(
        &db.conn,
        &[
            "code",
            "name",
            "merged_into",
            "merged_on",
            "status",
            "mode",
            "pilot",
            "planned_completion",
            "actual_completion",
            "accepted_on",
            "floor_area_dm2",
            "invest_fen",
        ],
        &format!(
            "SELECT c.code, c.name, c.merged_into, c.merged_on, p.status, p.mode, \
               CASE WHEN p.pilot THEN 1 ELSE 0 END AS pilot, p.planned_completion, \
               p.actual_completion, p.accepted_on, p.floor_area_dm2, \
               COALESCE(p.invest_district_fen + p.invest_town_fen + p.invest_village_fen + p.invest_donation_fen, 0) AS invest_fen \
             FROM divisions c LEFT JOIN centre_projects p ON p.community_code = c.code \
             WHERE c.level = 5 AND {cond}"
        ),
        v,
    )
    .await?;
    rows.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    Ok(rows)
}

// ------------------------------------------------------------------ ledger

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct LedgerFilter {
    /// Town code (9 or 12 digits).
    pub town: Option<String>,
    /// Project status, `none` for communities without a project.
    pub status: Option<String>,
    /// Part of the community's name or code.
    pub q: Option<String>,
    pub page: Option<u64>,
}

/// One row of the ledger: a community and its centre.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerRow {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub town_name: String,
    pub merged_into: Option<String>,
    #[serde(flatten)]
    pub project: Option<Project>,
    /// Inspection date and reward, when accepted.
    pub reward_fen: Option<i64>,
    pub compliance: Option<Compliance>,
    /// Checklist of the project: item id → (present, area).
    #[serde(skip)]
    pub entries: Vec<Entry>,
}

pub const LEDGER_PAGE_SIZE: u64 = 50;

#[derive(Deserialize)]
struct LedgerJson {
    code: String,
    name: String,
    town_code: String,
    town_name: String,
    merged_into: Option<String>,
    project_id: Option<i64>,
    standard_id: Option<i64>,
    mode: Option<String>,
    blocking_reason: Option<String>,
    pilot: Option<i64>,
    pilot_year: Option<i32>,
    planned_start: Option<NaiveDate>,
    planned_completion: Option<NaiveDate>,
    actual_start: Option<NaiveDate>,
    actual_completion: Option<NaiveDate>,
    accepted_on: Option<NaiveDate>,
    floor_area_dm2: Option<i64>,
    invest_district_fen: Option<i64>,
    invest_town_fen: Option<i64>,
    invest_village_fen: Option<i64>,
    invest_donation_fen: Option<i64>,
    status: Option<String>,
    note: Option<String>,
    review_note: Option<String>,
    reviewed_by: Option<String>,
    reviewed_at: Option<String>,
    revision: Option<i64>,
    reward_fen: Option<i64>,
    checklist: Option<String>,
    total_rows: i64,
}

/// Communities in scope with their centres, filtered; one page or (`limit` None) all of
/// them, and the total. Merged-away communities appear when they have a project.
pub async fn ledger(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    f: &LedgerFilter,
    limit: Option<(u64, u64)>,
) -> Result<(Vec<LedgerRow>, u64)> {
    let (cond, mut v) = geo::community_scope_sql(scope, district);
    let mut wh = vec![
        "c.level = 5".to_string(),
        cond,
        "(c.merged_into IS NULL OR p.id IS NOT NULL)".into(),
    ];
    geo::filter_town(f.town.as_deref(), &mut wh, &mut v)?;
    match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some("none") => wh.push("p.id IS NULL".into()),
        Some(s) => {
            let s = Status::parse(s)
                .ok_or_else(|| AppError::invalid("status", "centres.bad_status"))?;
            wh.push("p.status = ?".into());
            v.push(s.key().into());
        }
    }
    geo::filter_search(f.q.as_deref(), &mut wh, &mut v);
    let wh = wh.join(" AND ");
    let paging = match limit {
        Some((l, o)) => format!(" LIMIT {l} OFFSET {o}"),
        None => String::new(),
    };
    let backend = db.backend();
    let item_expr = match backend {
        DbBackend::Postgres => {
            "k.item_id::text || ':' || (CASE WHEN k.present THEN 1 ELSE 0 END)::text || ':' || COALESCE(k.area_dm2::text, '')"
        }
        _ => {
            "k.item_id || ':' || (CASE WHEN k.present THEN 1 ELSE 0 END) || ':' || COALESCE(k.area_dm2, '')"
        }
    };
    let checklist = format!(
        "(SELECT {} FROM centre_checklist k WHERE k.project_id = p.id)",
        db::comma_list(backend, item_expr)
    );
    let reviewed_at = match backend {
        DbBackend::Postgres => {
            "to_char(p.reviewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        }
        _ => "p.reviewed_at",
    };
    let from = "FROM divisions c \
        JOIN divisions t ON t.code = substr(c.code, 1, 9) || '000' \
        LEFT JOIN centre_projects p ON p.community_code = c.code \
        LEFT JOIN centre_rewards r ON r.project_id = p.id";
    let mut both = v.clone();
    both.extend(v);
    let sql = format!(
        "SELECT c.code, c.name, t.code AS town_code, t.name AS town_name, c.merged_into, \
           p.id AS project_id, p.standard_id, p.mode, p.blocking_reason, \
           CASE WHEN p.id IS NULL THEN NULL WHEN p.pilot THEN 1 ELSE 0 END AS pilot, p.pilot_year, \
           p.planned_start, p.planned_completion, p.actual_start, p.actual_completion, p.accepted_on, \
           p.floor_area_dm2, p.invest_district_fen, p.invest_town_fen, p.invest_village_fen, \
           p.invest_donation_fen, p.status, p.note, p.review_note, p.reviewed_by, \
           {reviewed_at} AS reviewed_at, p.revision, r.amount_fen AS reward_fen, {checklist} AS checklist, \
           (SELECT COUNT(*) FROM divisions c {from_count} WHERE {wh}) AS total_rows \
         {from} WHERE {wh} ORDER BY c.code{paging}",
        from_count = "LEFT JOIN centre_projects p ON p.community_code = c.code",
    );
    let mut rows: Vec<LedgerJson> = db::all_json(
        &db.conn,
        &[
            "code",
            "name",
            "town_code",
            "town_name",
            "merged_into",
            "project_id",
            "standard_id",
            "mode",
            "blocking_reason",
            "pilot",
            "pilot_year",
            "planned_start",
            "planned_completion",
            "actual_start",
            "actual_completion",
            "accepted_on",
            "floor_area_dm2",
            "invest_district_fen",
            "invest_town_fen",
            "invest_village_fen",
            "invest_donation_fen",
            "status",
            "note",
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "revision",
            "reward_fen",
            "checklist",
            "total_rows",
        ],
        &sql,
        both,
    )
    .await?;
    rows.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    let total = rows.first().map(|r| r.total_rows as u64).unwrap_or(0);
    let all = standards(&db.conn).await?;
    let out = rows
        .into_iter()
        .map(|r| {
            let entries = parse_entries(r.checklist.as_deref().unwrap_or(""));
            let project = r.project_id.map(|id| Project {
                id,
                community_code: r.code.clone(),
                standard_id: r.standard_id.unwrap_or(0),
                mode: r.mode.unwrap_or_default(),
                blocking_reason: r.blocking_reason.unwrap_or_default(),
                pilot: r.pilot == Some(1),
                pilot_year: r.pilot_year,
                planned_start: r.planned_start,
                planned_completion: r.planned_completion,
                actual_start: r.actual_start,
                actual_completion: r.actual_completion,
                accepted_on: r.accepted_on,
                floor_area_dm2: r.floor_area_dm2,
                invest_district_fen: r.invest_district_fen.unwrap_or(0),
                invest_town_fen: r.invest_town_fen.unwrap_or(0),
                invest_village_fen: r.invest_village_fen.unwrap_or(0),
                invest_donation_fen: r.invest_donation_fen.unwrap_or(0),
                status: r.status.unwrap_or_default(),
                note: r.note.unwrap_or_default(),
                review_note: r.review_note.unwrap_or_default(),
                reviewed_by: r.reviewed_by,
                reviewed_at: r
                    .reviewed_at
                    .as_deref()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|d| d.with_timezone(&Utc)),
                revision: r.revision.unwrap_or(1),
            });
            let compliance = project.as_ref().and_then(|p| {
                all.iter()
                    .find(|s| s.id == p.standard_id)
                    .map(|s| rules::check(&s.items, &entries, &s.terms, p.mode(), p.floor_area_dm2))
            });
            LedgerRow {
                code: r.code,
                name: r.name,
                town_code: r.town_code,
                town_name: r.town_name,
                merged_into: r.merged_into,
                project,
                reward_fen: r.reward_fen,
                compliance,
                entries,
            }
        })
        .collect();
    Ok((out, total))
}

/// `12:1:8000,13:0:` → entries.
fn parse_entries(s: &str) -> Vec<Entry> {
    s.split(',')
        .filter_map(|part| {
            let mut it = part.split(':');
            let item_id = it.next()?.parse().ok()?;
            let present = it.next()? == "1";
            let area_dm2 = it.next().and_then(|a| a.parse().ok());
            Some(Entry {
                item_id,
                present,
                area_dm2,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_strings_parse() {
        assert_eq!(
            parse_entries("12:1:8000,13:0:"),
            vec![
                Entry {
                    item_id: 12,
                    present: true,
                    area_dm2: Some(8000)
                },
                Entry {
                    item_id: 13,
                    present: false,
                    area_dm2: None
                }
            ]
        );
        assert!(parse_entries("").is_empty());
    }
}
