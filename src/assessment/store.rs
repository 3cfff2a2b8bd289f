//! Queries and changes of guidelines, rounds and score sheets. Who may do what:
//! - a department officer writes and publishes the guidelines of their own department and
//!   scores those guidelines' indicators; the district admin writes templates (and may act
//!   for any department); assessors score the templates' indicators;
//! - community staff fill their own sheet's self-assessment; the town reviews its
//!   communities' sheets; the admin signs a round off, which locks it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::assessment::rules::{self, IndicatorInput, Title};
use crate::funding::store as funding;
use crate::geo::store as geo;
use crate::platform::audit;
use crate::platform::auth::{Actor, CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::types::{DivisionCode, Fen};
use crate::vals;

// ------------------------------------------------------------------ guidelines

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GuidelineRow {
    pub id: i64,
    pub family: String,
    pub version: i32,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub department_name_en: Option<String>,
    pub year: i32,
    pub title: String,
    pub summary: String,
    pub status: String,
    pub subsidy_basis: String,
    pub subsidy_fen: i64,
    pub full_at: i32,
    pub zero_below: i32,
    pub created_by: String,
    pub published_at: Option<DateTime<Utc>>,
    /// Raised by each save of the draft (platform::revision).
    pub revision: i64,
}

impl GuidelineRow {
    /// Whose guideline it is, in the reader's language: the department, or the district's
    /// template.
    pub fn owner(&self, tr: &crate::platform::i18n::Tr) -> String {
        let en = self
            .department_name_en
            .as_deref()
            .filter(|n| tr.lang == crate::platform::i18n::Lang::En && !n.trim().is_empty());
        match (en, &self.department_name) {
            (Some(en), _) => en.to_string(),
            (None, Some(zh)) => zh.clone(),
            (None, None) => tr.t("assessment.template").to_string(),
        }
    }
}

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    pub title: String,
    pub requirements: String,
    pub standard: String,
}

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicator {
    pub id: i64,
    pub guideline_id: i64,
    pub category: String,
    pub name: String,
    pub max_x10: i64,
    pub method: String,
    pub deduction: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Guideline {
    #[serde(flatten)]
    pub row: GuidelineRow,
    pub items: Vec<Item>,
    pub indicators: Vec<Indicator>,
    pub titles: Vec<Title>,
}

impl Guideline {
    pub fn max_x10(&self) -> i64 {
        self.indicators.iter().map(|i| i.max_x10).sum()
    }
}

const GUIDELINE_COLUMNS: &str = "g.id, g.family, g.version, g.department_id, d.name AS department_name, \
    d.name_en AS department_name_en, \
    g.year, g.title, g.summary, g.status, g.subsidy_basis, g.subsidy_fen, g.full_at, g.zero_below, \
    g.created_by, g.published_at, g.revision";

/// The guidelines the caller may read: every published version, and the drafts of those it
/// writes (a department its own, the admin all). Providers read none.
pub async fn guidelines<C: ConnectionTrait>(c: &C, u: &CurrentUser) -> Result<Vec<GuidelineRow>> {
    if u.role == Role::Provider {
        return Ok(vec![]);
    }
    let rows: Vec<GuidelineRow> = db::all(
        c,
        &format!(
            "SELECT {GUIDELINE_COLUMNS} FROM guidelines g LEFT JOIN departments d ON d.id = g.department_id \
             ORDER BY g.department_id IS NOT NULL, d.sort_order, g.family, g.version DESC, g.id"
        ),
        vals![],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter(|g| g.status == "published" || can_write(u, g.department_id))
        .collect())
}

/// One guideline version the caller may read (see [`guidelines`]), or 404.
pub async fn guideline<C: ConnectionTrait>(c: &C, u: &CurrentUser, id: i64) -> Result<Guideline> {
    let g = load_guideline(c, id).await?;
    if u.role == Role::Provider
        || (g.row.status != "published" && !can_write(u, g.row.department_id))
    {
        return Err(AppError::NotFound);
    }
    Ok(g)
}

/// A guideline whatever its state, for this store's own steps (the caller was checked).
async fn load_guideline<C: ConnectionTrait>(c: &C, id: i64) -> Result<Guideline> {
    let row: GuidelineRow = db::one(
        c,
        &format!(
            "SELECT {GUIDELINE_COLUMNS} FROM guidelines g LEFT JOIN departments d ON d.id = g.department_id WHERE g.id = ?"
        ),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let items = db::all(
        c,
        "SELECT id, title, requirements, standard FROM guideline_items WHERE guideline_id = ? ORDER BY position, id",
        vals![id],
    )
    .await?;
    let indicators = indicators_of(c, &[id]).await?;
    #[derive(FromQueryResult)]
    struct T {
        title: String,
        category: String,
        min_pct: i32,
    }
    let titles: Vec<T> = db::all(
        c,
        "SELECT title, category, min_pct FROM guideline_titles WHERE guideline_id = ? ORDER BY min_pct DESC, id",
        vals![id],
    )
    .await?;
    Ok(Guideline {
        row,
        items,
        indicators,
        titles: titles
            .into_iter()
            .map(|t| Title {
                title: t.title,
                category: t.category,
                min_pct: i64::from(t.min_pct),
            })
            .collect(),
    })
}

async fn indicators_of<C: ConnectionTrait>(c: &C, ids: &[i64]) -> Result<Vec<Indicator>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let ph = vec!["?"; ids.len()].join(",");
    db::all(
        c,
        &format!(
            "SELECT id, guideline_id, category, name, max_x10, method, deduction FROM guideline_indicators \
             WHERE guideline_id IN ({ph}) ORDER BY guideline_id, position, id"
        ),
        ids.iter().map(|i| Value::from(*i)).collect(),
    )
    .await
}

/// May this user write (or publish) guidelines of this department (None: a template)?
pub fn can_write(u: &CurrentUser, department: Option<i64>) -> bool {
    match (&u.scope, u.role) {
        (_, Role::DistrictAdmin) => true,
        (Scope::Department(d), Role::DepartmentOfficer) => department == Some(*d),
        _ => false,
    }
}

/// May this user score this guideline's indicators?
pub fn can_score(u: &CurrentUser, department: Option<i64>) -> bool {
    match (&u.scope, u.role) {
        (_, Role::DistrictAdmin) => true,
        (_, Role::Assessor) => department.is_none(),
        (Scope::Department(d), Role::DepartmentOfficer) => department == Some(*d),
        _ => false,
    }
}

/// A guideline as entered on the form.
pub struct GuidelineInput {
    pub department_id: Option<i64>,
    pub year: i64,
    pub title: String,
    pub summary: String,
    pub subsidy_basis: String,
    pub subsidy_fen: i64,
    pub full_at: i64,
    pub zero_below: i64,
    /// (title, requirements, standard)
    pub items: Vec<(String, String, String)>,
    pub indicators: Vec<IndicatorInput>,
    pub titles: Vec<Title>,
    /// The revision the form was opened at (platform::revision).
    pub revision: Option<i64>,
}

/// Create a draft (`id` None: version 1 of a new family) or replace a draft's content.
/// Published versions are read-only.
pub async fn save_guideline(
    db: &Db,
    u: &CurrentUser,
    id: Option<i64>,
    g: &GuidelineInput,
) -> Result<i64> {
    let mut errs = rules::validate_guideline(
        &g.title,
        g.year,
        &g.subsidy_basis,
        g.subsidy_fen,
        g.full_at,
        g.zero_below,
        &g.indicators,
    );
    for (i, t) in g.titles.iter().enumerate() {
        if t.title.trim().is_empty() || !(0..=100).contains(&t.min_pct) {
            errs.push(FieldError::new(
                &format!("t{i}_title"),
                "assessment.bad_title",
            ));
        }
    }
    if g.summary.chars().count() > 4000 {
        errs.push(FieldError::new("summary", "common.too_long").with(4000));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let before = match id {
        Some(id) => Some(load_guideline(&tx, id).await?),
        None => None,
    };
    let department = match &before {
        Some(b) => b.row.department_id,
        None => g.department_id,
    };
    if !can_write(u, department) {
        return Err(AppError::Forbidden);
    }
    if let Some(d) = department
        && db::scalar(&tx, "SELECT id FROM departments WHERE id = ?", vals![d])
            .await?
            .is_none()
    {
        return Err(AppError::invalid("department", "assessment.bad_department"));
    }
    if before.as_ref().is_some_and(|b| b.row.status != "draft") {
        return Err(AppError::invalid("title", "assessment.published_read_only"));
    }
    let now = db.clock().now();
    let gid = match &before {
        Some(b) => {
            // (a draft: published ones were refused above, in this transaction)
            revision::update(
                &tx,
                "guidelines",
                "guideline",
                b.row.id,
                g.revision,
                "year = ?, title = ?, summary = ?, subsidy_basis = ?, subsidy_fen = ?, \
                 full_at = ?, zero_below = ?",
                vals![
                    g.year as i32,
                    g.title.trim(),
                    g.summary.trim(),
                    g.subsidy_basis.clone(),
                    g.subsidy_fen,
                    g.full_at as i32,
                    g.zero_below as i32
                ],
            )
            .await?;
            for t in [
                "guideline_items",
                "guideline_indicators",
                "guideline_titles",
            ] {
                db::exec(
                    &tx,
                    &format!("DELETE FROM {t} WHERE guideline_id = ?"),
                    vals![b.row.id],
                )
                .await?;
            }
            b.row.id
        }
        None => {
            let family = new_family();
            db::scalar(
                &tx,
                "INSERT INTO guidelines (family, version, department_id, year, title, summary, status, \
                 subsidy_basis, subsidy_fen, full_at, zero_below, created_by, created_at) \
                 VALUES (?, 1, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?) RETURNING id",
                vals![
                    family,
                    department,
                    g.year as i32,
                    g.title.trim(),
                    g.summary.trim(),
                    g.subsidy_basis.clone(),
                    g.subsidy_fen,
                    g.full_at as i32,
                    g.zero_below as i32,
                    u.username.clone(),
                    now
                ],
            )
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?
        }
    };
    write_parts(&tx, gid, g).await?;
    let after = load_guideline(&tx, gid).await?;
    audit::record(
        &tx,
        &u.actor(),
        if before.is_some() { "update" } else { "create" },
        "guideline",
        &gid.to_string(),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(gid)
}

/// A new random family key for version 1 of a guideline.
fn new_family() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    format!("g{}", hex::encode(b))
}

async fn write_parts<C: ConnectionTrait>(c: &C, gid: i64, g: &GuidelineInput) -> Result<()> {
    for (pos, (title, req, std)) in g.items.iter().enumerate() {
        db::exec(
            c,
            "INSERT INTO guideline_items (guideline_id, position, title, requirements, standard) VALUES (?, ?, ?, ?, ?)",
            vals![gid, pos as i32, title.trim(), req.trim(), std.trim()],
        )
        .await?;
    }
    for (pos, i) in g.indicators.iter().enumerate() {
        db::exec(
            c,
            "INSERT INTO guideline_indicators (guideline_id, position, category, name, max_x10, method, deduction) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            vals![
                gid,
                pos as i32,
                i.category.trim(),
                i.name.trim(),
                i.max_x10.unwrap_or(10),
                i.method.clone(),
                i.deduction
            ],
        )
        .await?;
    }
    for t in &g.titles {
        db::exec(
            c,
            "INSERT INTO guideline_titles (guideline_id, title, category, min_pct) VALUES (?, ?, ?, ?)",
            vals![gid, t.title.trim(), t.category.trim(), t.min_pct as i32],
        )
        .await?;
    }
    Ok(())
}

/// Publish a draft: from then on it is read-only.
pub async fn publish(db: &Db, u: &CurrentUser, id: i64) -> Result<()> {
    let tx = db.write_tx().await?;
    let g = load_guideline(&tx, id).await?;
    if !can_write(u, g.row.department_id) {
        return Err(AppError::Forbidden);
    }
    let n = db::exec(
        &tx,
        "UPDATE guidelines SET status = 'published', published_at = ? WHERE id = ? AND status = 'draft'",
        vals![db.clock().now(), id],
    )
    .await?;
    if n != 1 {
        return Err(AppError::invalid("title", "assessment.published_read_only"));
    }
    audit::record(
        &tx,
        &u.actor(),
        "publish",
        "guideline",
        &id.to_string(),
        Some(&serde_json::json!({"status": "draft"})),
        Some(&serde_json::json!({"status": "published"})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Start the next version of a published guideline as a draft copy.
pub async fn new_version(db: &Db, u: &CurrentUser, id: i64) -> Result<i64> {
    let tx = db.write_tx().await?;
    let g = load_guideline(&tx, id).await?;
    if !can_write(u, g.row.department_id) {
        return Err(AppError::Forbidden);
    }
    let draft = db::scalar(
        &tx,
        "SELECT id FROM guidelines WHERE family = ? AND status = 'draft'",
        vals![g.row.family.clone()],
    )
    .await?;
    if let Some(d) = draft {
        return Ok(d);
    }
    let version = db::scalar(
        &tx,
        "SELECT CAST(MAX(version) AS BIGINT) FROM guidelines WHERE family = ?",
        vals![g.row.family.clone()],
    )
    .await?
    .unwrap_or(0)
        + 1;
    let nid = db::scalar(
        &tx,
        "INSERT INTO guidelines (family, version, department_id, year, title, summary, status, subsidy_basis, \
         subsidy_fen, full_at, zero_below, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            g.row.family.clone(),
            version as i32,
            g.row.department_id,
            g.row.year,
            g.row.title.clone(),
            g.row.summary.clone(),
            g.row.subsidy_basis.clone(),
            g.row.subsidy_fen,
            g.row.full_at,
            g.row.zero_below,
            u.username.clone(),
            db.clock().now()
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    let input = GuidelineInput {
        department_id: g.row.department_id,
        year: i64::from(g.row.year),
        title: g.row.title.clone(),
        summary: g.row.summary.clone(),
        subsidy_basis: g.row.subsidy_basis.clone(),
        subsidy_fen: g.row.subsidy_fen,
        full_at: i64::from(g.row.full_at),
        zero_below: i64::from(g.row.zero_below),
        items: g
            .items
            .iter()
            .map(|i| (i.title.clone(), i.requirements.clone(), i.standard.clone()))
            .collect(),
        indicators: g
            .indicators
            .iter()
            .enumerate()
            .map(|(row, i)| IndicatorInput {
                row,
                category: i.category.clone(),
                name: i.name.clone(),
                max_x10: Some(i.max_x10),
                method: i.method.clone(),
                deduction: i.deduction,
            })
            .collect(),
        titles: g.titles.clone(),
        revision: None,
    };
    write_parts(&tx, nid, &input).await?;
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "guideline",
        &nid.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"family": g.row.family, "version": version, "copied_from": id})),
    )
    .await?;
    tx.commit().await?;
    Ok(nid)
}

// ------------------------------------------------------------------ rounds

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Round {
    pub id: i64,
    pub year: i32,
    pub name: String,
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<DateTime<Utc>>,
}

pub async fn rounds<C: ConnectionTrait>(c: &C) -> Result<Vec<Round>> {
    db::all(
        c,
        "SELECT id, year, name, status, created_by, created_at, signed_off_by, signed_off_at \
         FROM assessment_rounds ORDER BY year DESC, id DESC",
        vals![],
    )
    .await
}

pub async fn load_round<C: ConnectionTrait>(c: &C, id: i64) -> Result<Round> {
    db::one(
        c,
        "SELECT id, year, name, status, created_by, created_at, signed_off_by, signed_off_at \
         FROM assessment_rounds WHERE id = ?",
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

async fn round_guidelines<C: ConnectionTrait>(c: &C, round: i64) -> Result<Vec<Guideline>> {
    #[derive(FromQueryResult)]
    struct Id {
        guideline_id: i64,
    }
    let ids: Vec<Id> = db::all(
        c,
        "SELECT r.guideline_id FROM round_guidelines r JOIN guidelines g ON g.id = r.guideline_id \
         LEFT JOIN departments d ON d.id = g.department_id \
         WHERE r.round_id = ? ORDER BY g.department_id IS NOT NULL, d.sort_order, g.id",
        vals![round],
    )
    .await?;
    let mut out = vec![];
    for i in ids {
        out.push(load_guideline(c, i.guideline_id).await?);
    }
    Ok(out)
}

/// Open a round over published guidelines: every current community of the district gets its
/// sheet.
pub async fn create_round(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    year: i64,
    name: &str,
    guideline_ids: &[i64],
) -> Result<i64> {
    u.require(&[Role::DistrictAdmin])?;
    let mut errs = vec![];
    if !(1949..=2200).contains(&year) {
        errs.push(FieldError::new("year", "centres.year_range"));
    }
    let name = name.trim();
    if name.is_empty() {
        errs.push(FieldError::new("name", "common.required"));
    } else if name.chars().count() > 100 {
        errs.push(FieldError::new("name", "common.too_long").with(100));
    }
    if guideline_ids.is_empty() {
        errs.push(FieldError::new(
            "guidelines",
            "assessment.choose_guidelines",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    for g in guideline_ids {
        let st =
            db::one::<StatusRow, _>(&tx, "SELECT status FROM guidelines WHERE id = ?", vals![*g])
                .await?;
        if st.is_none_or(|s| s.status != "published") {
            return Err(AppError::invalid("guidelines", "assessment.only_published"));
        }
    }
    if db::scalar(
        &tx,
        "SELECT id FROM assessment_rounds WHERE name = ?",
        vals![name],
    )
    .await?
    .is_some()
    {
        return Err(AppError::invalid("name", "assessment.name_taken"));
    }
    let now = db.clock().now();
    let id = db::scalar(
        &tx,
        "INSERT INTO assessment_rounds (year, name, status, created_by, created_at) VALUES (?, ?, 'open', ?, ?) RETURNING id",
        vals![year as i32, name, u.username.clone(), now],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    for g in guideline_ids {
        db::exec(
            &tx,
            "INSERT INTO round_guidelines (round_id, guideline_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            vals![id, *g],
        )
        .await?;
    }
    let (lo, hi) = district.descendant_range();
    let sheets = db::exec(
        &tx,
        "INSERT INTO assessment_sheets (round_id, community_code) \
         SELECT ?, code FROM divisions WHERE level = 5 AND merged_into IS NULL AND code BETWEEN ? AND ?",
        vals![id, lo, hi],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "assessment_round",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"year": year, "name": name, "guidelines": guideline_ids, "sheets": sheets})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(FromQueryResult)]
struct StatusRow {
    status: String,
}

// ------------------------------------------------------------------ sheets

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SheetRow {
    pub id: i64,
    pub round_id: i64,
    pub community_code: String,
    pub self_note: String,
    pub self_by: Option<String>,
    pub self_at: Option<DateTime<Utc>>,
    pub town_note: String,
    pub town_by: Option<String>,
    pub town_at: Option<DateTime<Utc>>,
    /// Raised by each self-assessment save and by the town's review (platform::revision).
    pub revision: i64,
}

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreRow {
    pub indicator_id: i64,
    pub self_x10: Option<i64>,
    pub evidence: String,
    pub points_x10: Option<i64>,
    pub note: String,
    pub scored_by: Option<String>,
    pub scored_at: Option<DateTime<Utc>>,
}

/// One indicator on a sheet: what it is, what the community claimed, what it got.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SheetLine {
    pub indicator: Indicator,
    pub score: Option<ScoreRow>,
    /// The points it counts for (deductions applied), when scored.
    pub effective_x10: Option<i64>,
    /// Points lost against the maximum, when scored.
    pub lost_x10: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SheetPart {
    pub guideline: GuidelineRow,
    pub lines: Vec<SheetLine>,
    pub effective_x10: i64,
    pub max_x10: i64,
    pub scored: usize,
    pub titles: Vec<String>,
    /// The subsidy this score earns under the guideline's rule, when fully scored.
    pub subsidy_fen: Option<i64>,
}

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// The largest evidence file: 5 MB.
pub const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;
/// At most this many files on one sheet.
pub const MAX_ATTACHMENTS: i64 = 30;

/// The kinds of evidence taken, by extension: photos, PDFs, office documents.
pub fn attachment_type(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => return None,
    })
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Sheet {
    pub round: Round,
    pub community: geo::CommunityRow,
    pub sheet: SheetRow,
    pub attachments: Vec<Attachment>,
    pub parts: Vec<SheetPart>,
    pub effective_x10: i64,
    pub max_x10: i64,
}

const SHEET_COLUMNS: &str = "id, round_id, community_code, self_note, self_by, self_at, town_note, town_by, town_at, \
     revision";

/// A community's sheet in a round, in scope, with every indicator of the round.
pub async fn load_sheet(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    round: i64,
    code: &str,
) -> Result<Sheet> {
    let community = geo::load_community(db, district, scope, code).await?.row;
    let r = load_round(&db.conn, round).await?;
    let sheet: SheetRow = db::one(
        &db.conn,
        &format!("SELECT {SHEET_COLUMNS} FROM assessment_sheets WHERE round_id = ? AND community_code = ?"),
        vals![round, community.code.clone()],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let scores: Vec<ScoreRow> = db::all(
        &db.conn,
        "SELECT indicator_id, self_x10, evidence, points_x10, note, scored_by, scored_at FROM assessment_scores WHERE sheet_id = ?",
        vals![sheet.id],
    )
    .await?;
    let by_indicator: HashMap<i64, ScoreRow> =
        scores.into_iter().map(|s| (s.indicator_id, s)).collect();
    let guidelines = round_guidelines(&db.conn, round).await?;
    let population = population_at(db, &community.code, r.year).await?;
    let mut parts = vec![];
    for g in guidelines {
        let lines: Vec<SheetLine> = g
            .indicators
            .iter()
            .map(|i| {
                let score = by_indicator.get(&i.id).cloned();
                let eff = score
                    .as_ref()
                    .and_then(|s| s.points_x10)
                    .map(|p| rules::effective(i.max_x10, p, i.deduction));
                SheetLine {
                    indicator: i.clone(),
                    effective_x10: eff,
                    lost_x10: eff.map(|e| i.max_x10 - e),
                    score,
                }
            })
            .collect();
        let eff: i64 = lines.iter().filter_map(|l| l.effective_x10).sum();
        let scored = lines.iter().filter(|l| l.effective_x10.is_some()).count();
        let max = g.max_x10();
        let mut cats: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for l in &lines {
            let e = cats.entry(l.indicator.category.clone()).or_default();
            e.0 += l.effective_x10.unwrap_or(0);
            e.1 += l.indicator.max_x10;
        }
        let cats: Vec<(String, i64, i64)> = cats.into_iter().map(|(c, (e, m))| (c, e, m)).collect();
        let complete = scored == lines.len();
        let titles = if complete {
            rules::titles_earned(&g.titles, (eff, max), &cats)
        } else {
            vec![]
        };
        let subsidy_fen = if complete {
            subsidy_of(&g.row, eff, max, population).map(|(amount, _)| amount)
        } else {
            None
        };
        parts.push(SheetPart {
            guideline: g.row,
            lines,
            effective_x10: eff,
            max_x10: max,
            scored,
            titles,
            subsidy_fen,
        });
    }
    let attachments = db::all(
        &db.conn,
        "SELECT id, filename, content_type, size, uploaded_by, uploaded_at FROM sheet_attachments \
         WHERE sheet_id = ? ORDER BY id",
        vals![sheet.id],
    )
    .await?;
    Ok(Sheet {
        attachments,
        effective_x10: parts.iter().map(|p| p.effective_x10).sum(),
        max_x10: parts.iter().map(|p| p.max_x10).sum(),
        round: r,
        community,
        sheet,
        parts,
    })
}

/// The latest permanent population recorded for a community up to a year.
async fn population_at(db: &Db, code: &str, year: i32) -> Result<Option<i64>> {
    db::scalar(
        &db.conn,
        "SELECT permanent_population FROM population_snapshots WHERE community_code = ? AND year <= ? \
         ORDER BY year DESC LIMIT 1",
        vals![code, year],
    )
    .await
}

/// The subsidy a score earns under a guideline, and the words saying how.
pub fn subsidy_of(
    g: &GuidelineRow,
    eff: i64,
    max: i64,
    population: Option<i64>,
) -> Option<(i64, String)> {
    let base = match g.subsidy_basis.as_str() {
        "fixed" => g.subsidy_fen,
        "per_capita" => g.subsidy_fen.checked_mul(population?)?,
        _ => return None,
    };
    let factor = rules::subsidy_factor(eff, max, i64::from(g.full_at), i64::from(g.zero_below));
    let amount = rules::subsidy_amount(base, factor);
    let base_text = match g.subsidy_basis.as_str() {
        "per_capita" => format!(
            "{} 元 × {} 人",
            Fen(g.subsidy_fen).yuan_string(),
            crate::platform::types::thousands_i(population.unwrap_or(0))
        ),
        _ => format!("{} 元", Fen(g.subsidy_fen).yuan_string()),
    };
    let share = if factor.0 == factor.1 {
        "全额".to_string()
    } else if factor.0 == 0 {
        "不予补助".to_string()
    } else {
        let permille = (i128::from(factor.0) * 100_000 / i128::from(factor.1)) as i64;
        format!("× {}.{:03}%", permille / 1000, permille % 1000)
    };
    Some((
        amount,
        format!(
            "{}：得分 {} / {}（{}%），{}–{} 分线性；{} {} = {} 元",
            g.title,
            rules::points_text(eff),
            rules::points_text(max),
            rules::pct_text(eff, max),
            g.zero_below,
            g.full_at,
            base_text,
            share,
            Fen(amount).yuan_string()
        ),
    ))
}

async fn sheet_for_change(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round: i64,
    code: &str,
) -> Result<(Round, SheetRow, Vec<Guideline>)> {
    let community = geo::load_community(db, district, &u.scope, code).await?.row;
    let r = load_round(&db.conn, round).await?;
    let sheet: SheetRow = db::one(
        &db.conn,
        &format!("SELECT {SHEET_COLUMNS} FROM assessment_sheets WHERE round_id = ? AND community_code = ?"),
        vals![round, community.code],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if r.status != "open" {
        return Err(AppError::invalid("round", "assessment.signed_off"));
    }
    let gs = round_guidelines(&db.conn, round).await?;
    Ok((r, sheet, gs))
}

/// One indicator's entry from a form: indicator, points (tenths) and a note.
pub struct ScoreInput {
    pub indicator_id: i64,
    pub points_x10: Option<i64>,
    pub note: String,
}

/// The community's self-assessment: own points and evidence per indicator; `submit` hands
/// it to the town. Staff of the community only, until the town has reviewed it.
/// What the self-assessment form sends.
pub struct SelfAssessment<'a> {
    pub entries: &'a [ScoreInput],
    pub note: &'a str,
    /// Hand it to the town (else only saved).
    pub submit: bool,
    /// The revision the form was opened at (platform::revision).
    pub revision: Option<i64>,
}

pub async fn save_self(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round: i64,
    code: &str,
    input: &SelfAssessment<'_>,
) -> Result<()> {
    let (entries, note, submit) = (input.entries, input.note, input.submit);
    let (_, sheet, gs) = sheet_for_change(db, district, u, round, code).await?;
    if !matches!(&u.scope, Scope::Community(c) if c.as_str() == sheet.community_code) {
        return Err(AppError::Forbidden);
    }
    if sheet.town_at.is_some() {
        return Err(AppError::invalid("self", "assessment.already_reviewed"));
    }
    let indicators: HashMap<i64, &Indicator> = gs
        .iter()
        .flat_map(|g| g.indicators.iter())
        .map(|i| (i.id, i))
        .collect();
    let mut errs = vec![];
    for e in entries {
        match indicators.get(&e.indicator_id) {
            None => errs.push(FieldError::new(
                &format!("s{}", e.indicator_id),
                "assessment.unknown_indicator",
            )),
            Some(i) => {
                if let Some(p) = e.points_x10
                    && let Some(k) = rules::check_points(i.max_x10, p, i.deduction)
                {
                    errs.push(
                        FieldError::new(&format!("s{}", e.indicator_id), k)
                            .with(rules::points_text(i.max_x10)),
                    );
                }
            }
        }
        if e.note.chars().count() > 1000 {
            errs.push(
                FieldError::new(&format!("e{}", e.indicator_id), "common.too_long").with(1000),
            );
        }
    }
    if note.chars().count() > 2000 {
        errs.push(FieldError::new("self_note", "common.too_long").with(2000));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    for e in entries {
        db::exec(
            &tx,
            "INSERT INTO assessment_scores (sheet_id, indicator_id, self_x10, evidence) VALUES (?, ?, ?, ?) \
             ON CONFLICT (sheet_id, indicator_id) DO UPDATE SET self_x10 = excluded.self_x10, evidence = excluded.evidence",
            vals![sheet.id, e.indicator_id, e.points_x10, e.note.trim()],
        )
        .await?;
    }
    let now = db.clock().now();
    // the town's review raises the revision too: a form opened before it is stale
    if db::scalar(
        &tx,
        "SELECT COUNT(*) FROM assessment_sheets WHERE id = ? AND town_at IS NOT NULL",
        vals![sheet.id],
    )
    .await?
        != Some(0)
    {
        return Err(AppError::invalid("self", "assessment.already_reviewed"));
    }
    revision::update_as(
        &tx,
        "assessment_sheets",
        ("assessment_sheet", &format!("{round}/{code}")),
        sheet.id,
        input.revision,
        "self_note = ?, self_by = CASE WHEN ? THEN ? ELSE self_by END, \
         self_at = CASE WHEN ? THEN ? ELSE self_at END",
        vals![note.trim(), submit, u.username.clone(), submit, now],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        if submit { "submit" } else { "update" },
        "assessment_sheet",
        &format!("{round}/{code}"),
        Some(&serde_json::json!({"note": sheet.self_note})),
        Some(&serde_json::json!({
            "self": entries.iter().map(|e| serde_json::json!({"indicator": e.indicator_id, "points_x10": e.points_x10, "evidence": e.note.trim()})).collect::<Vec<_>>(),
            "note": note.trim(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Add an evidence file to the community's own sheet while the self-assessment is open.
pub async fn add_attachment(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round: i64,
    code: &str,
    filename: &str,
    data: &[u8],
) -> Result<i64> {
    let (_, sheet, _) = sheet_for_change(db, district, u, round, code).await?;
    if !matches!(&u.scope, Scope::Community(c) if c.as_str() == sheet.community_code) {
        return Err(AppError::Forbidden);
    }
    if sheet.town_at.is_some() {
        return Err(AppError::invalid("file", "assessment.already_reviewed"));
    }
    // Keep the last part of whatever path a browser sends, without control characters.
    let name: String = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    let Some(content_type) = attachment_type(&name) else {
        return Err(AppError::invalid(
            "file",
            if name.is_empty() {
                "assessment.no_file"
            } else {
                "assessment.file_type"
            },
        ));
    };
    if data.is_empty() {
        return Err(AppError::invalid("file", "assessment.no_file"));
    }
    if data.len() > MAX_ATTACHMENT {
        return Err(AppError::invalid("file", "assessment.file_too_large"));
    }
    let tx = db.write_tx().await?;
    let n = db::scalar(
        &tx,
        "SELECT COUNT(*) FROM sheet_attachments WHERE sheet_id = ?",
        vals![sheet.id],
    )
    .await?
    .unwrap_or(0);
    if n >= MAX_ATTACHMENTS {
        return Err(AppError::Invalid(vec![
            FieldError::new("file", "assessment.too_many_files").with(MAX_ATTACHMENTS),
        ]));
    }
    let id = db::scalar(
        &tx,
        "INSERT INTO sheet_attachments (sheet_id, filename, content_type, size, data, uploaded_by, uploaded_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![sheet.id, name.clone(), content_type, data.len() as i64, data.to_vec(), u.username.clone(), db.clock().now()],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "sheet_attachment",
        &format!("{round}/{code}/{id}"),
        None::<&()>,
        Some(&serde_json::json!({"filename": name, "size": data.len(), "content_type": content_type})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An evidence file of a sheet in scope: its description and bytes.
pub async fn load_attachment(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    round: i64,
    code: &str,
    id: i64,
) -> Result<(Attachment, Vec<u8>)> {
    let community = geo::load_community(db, district, scope, code).await?.row;
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        filename: String,
        content_type: String,
        size: i64,
        uploaded_by: String,
        uploaded_at: DateTime<Utc>,
        data: Vec<u8>,
    }
    let r: Row = db::one(
        &db.conn,
        "SELECT a.id, a.filename, a.content_type, a.size, a.uploaded_by, a.uploaded_at, a.data \
         FROM sheet_attachments a JOIN assessment_sheets s ON s.id = a.sheet_id \
         WHERE a.id = ? AND s.round_id = ? AND s.community_code = ?",
        vals![id, round, community.code],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((
        Attachment {
            id: r.id,
            filename: r.filename,
            content_type: r.content_type,
            size: r.size,
            uploaded_by: r.uploaded_by,
            uploaded_at: r.uploaded_at,
        },
        r.data,
    ))
}

/// Remove an evidence file while the self-assessment is open (staff of the community).
pub async fn delete_attachment(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round: i64,
    code: &str,
    id: i64,
) -> Result<()> {
    let (_, sheet, _) = sheet_for_change(db, district, u, round, code).await?;
    if !matches!(&u.scope, Scope::Community(c) if c.as_str() == sheet.community_code) {
        return Err(AppError::Forbidden);
    }
    if sheet.town_at.is_some() {
        return Err(AppError::invalid("file", "assessment.already_reviewed"));
    }
    let tx = db.write_tx().await?;
    #[derive(FromQueryResult)]
    struct Name {
        filename: String,
    }
    let before: Name = db::one(
        &tx,
        "SELECT filename FROM sheet_attachments WHERE id = ? AND sheet_id = ?",
        vals![id, sheet.id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    db::exec(&tx, "DELETE FROM sheet_attachments WHERE id = ?", vals![id]).await?;
    audit::record(
        &tx,
        &u.actor(),
        "delete",
        "sheet_attachment",
        &format!("{round}/{code}/{id}"),
        Some(&serde_json::json!({"filename": before.filename})),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The town's review of a submitted self-assessment.
pub async fn town_review(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round: i64,
    code: &str,
    note: &str,
) -> Result<()> {
    if !matches!(u.role, Role::TownOfficer | Role::DistrictAdmin) {
        return Err(AppError::Forbidden);
    }
    let (_, sheet, _) = sheet_for_change(db, district, u, round, code).await?;
    if sheet.self_at.is_none() {
        return Err(AppError::invalid("town_note", "assessment.not_submitted"));
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::invalid("town_note", "common.required"));
    }
    if note.chars().count() > 2000 {
        return Err(AppError::Invalid(vec![
            FieldError::new("town_note", "common.too_long").with(2000),
        ]));
    }
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE assessment_sheets SET town_note = ?, town_by = ?, town_at = ?, \
         revision = revision + 1 WHERE id = ?",
        vals![note, u.username.clone(), db.clock().now(), sheet.id],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "review",
        "assessment_sheet",
        &format!("{round}/{code}"),
        Some(&serde_json::json!({"town_note": sheet.town_note})),
        Some(&serde_json::json!({"town_note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Official points for the indicators this user may score, after the town's review. Every
/// score keeps who gave it and when.
pub async fn score(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round: i64,
    code: &str,
    entries: &[ScoreInput],
) -> Result<()> {
    if !matches!(
        u.role,
        Role::DistrictAdmin | Role::DepartmentOfficer | Role::Assessor
    ) {
        return Err(AppError::Forbidden);
    }
    let (_, sheet, gs) = sheet_for_change(db, district, u, round, code).await?;
    if sheet.town_at.is_none() {
        return Err(AppError::invalid("scores", "assessment.not_reviewed"));
    }
    let indicators: HashMap<i64, (&Indicator, Option<i64>)> = gs
        .iter()
        .flat_map(|g| {
            g.indicators
                .iter()
                .map(move |i| (i.id, (i, g.row.department_id)))
        })
        .collect();
    let mut errs = vec![];
    for e in entries {
        match indicators.get(&e.indicator_id) {
            None => errs.push(FieldError::new(
                &format!("p{}", e.indicator_id),
                "assessment.unknown_indicator",
            )),
            Some((_, dept)) if !can_score(u, *dept) => errs.push(FieldError::new(
                &format!("p{}", e.indicator_id),
                "assessment.not_your_indicator",
            )),
            Some((i, _)) => match e.points_x10 {
                None => errs.push(FieldError::new(
                    &format!("p{}", e.indicator_id),
                    "common.required",
                )),
                Some(p) => {
                    if let Some(k) = rules::check_points(i.max_x10, p, i.deduction) {
                        errs.push(
                            FieldError::new(&format!("p{}", e.indicator_id), k)
                                .with(rules::points_text(i.max_x10)),
                        );
                    }
                }
            },
        }
        if e.note.chars().count() > 1000 {
            errs.push(
                FieldError::new(&format!("n{}", e.indicator_id), "common.too_long").with(1000),
            );
        }
    }
    if entries.is_empty() {
        errs.push(FieldError::new("scores", "assessment.nothing_to_score"));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    // The round may have been signed off meanwhile: check again under the write lock.
    if load_round(&tx, round).await?.status != "open" {
        return Err(AppError::invalid("round", "assessment.signed_off"));
    }
    let now = db.clock().now();
    for e in entries {
        db::exec(
            &tx,
            "INSERT INTO assessment_scores (sheet_id, indicator_id, points_x10, note, scored_by, scored_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sheet_id, indicator_id) DO UPDATE SET \
             points_x10 = excluded.points_x10, note = excluded.note, scored_by = excluded.scored_by, scored_at = excluded.scored_at",
            vals![sheet.id, e.indicator_id, e.points_x10, e.note.trim(), u.username.clone(), now],
        )
        .await?;
    }
    audit::record(
        &tx,
        &u.actor(),
        "score",
        "assessment_sheet",
        &format!("{round}/{code}"),
        None::<&()>,
        Some(&serde_json::json!(entries.iter().map(|e| serde_json::json!({"indicator": e.indicator_id, "points_x10": e.points_x10, "note": e.note.trim()})).collect::<Vec<_>>())),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sign a round off: every indicator of every sheet scored; from then on it is locked.
pub async fn sign_off(db: &Db, u: &CurrentUser, round: i64) -> Result<()> {
    u.require(&[Role::DistrictAdmin])?;
    let tx = db.write_tx().await?;
    let r = load_round(&tx, round).await?;
    if r.status != "open" {
        return Err(AppError::invalid("round", "assessment.signed_off"));
    }
    let missing = db::scalar(
        &tx,
        "SELECT COUNT(*) FROM assessment_sheets s JOIN round_guidelines rg ON rg.round_id = s.round_id \
         JOIN guideline_indicators i ON i.guideline_id = rg.guideline_id \
         LEFT JOIN assessment_scores sc ON sc.sheet_id = s.id AND sc.indicator_id = i.id \
         WHERE s.round_id = ? AND sc.points_x10 IS NULL",
        vals![round],
    )
    .await?
    .unwrap_or(0);
    if missing > 0 {
        return Err(AppError::Invalid(vec![
            FieldError::new("round", "assessment.unscored").with(missing),
        ]));
    }
    let n = db::exec(
        &tx,
        "UPDATE assessment_rounds SET status = 'signed_off', signed_off_by = ?, signed_off_at = ? WHERE id = ? AND status = 'open'",
        vals![u.username.clone(), db.clock().now(), round],
    )
    .await?;
    if n != 1 {
        return Err(AppError::invalid("round", "assessment.signed_off"));
    }
    audit::record(
        &tx,
        &u.actor(),
        "sign_off",
        "assessment_round",
        &round.to_string(),
        Some(&serde_json::json!({"status": "open"})),
        Some(&serde_json::json!({"status": "signed_off"})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ results

/// The points a scored indicator counts for, in SQL over `i` (the indicator) and `x` (its
/// score): `rules::effective`, deductions floored at zero.
const EFFECTIVE: &str = "CASE WHEN i.deduction THEN (CASE WHEN i.max_x10 > x.points_x10 \
    THEN i.max_x10 - x.points_x10 ELSE 0 END) ELSE x.points_x10 END";

/// One community's results in a round.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub town_name: String,
    pub submitted: bool,
    pub reviewed: bool,
    pub scored: i64,
    pub indicators: i64,
    pub effective_x10: i64,
    pub max_x10: i64,
    pub rank_district: usize,
    pub rank_town: usize,
    pub titles: Vec<String>,
}

#[derive(Deserialize)]
struct ResultJson {
    code: String,
    name: String,
    town_code: String,
    town_name: String,
    submitted: i64,
    reviewed: i64,
    scored: i64,
    eff: i64,
}

/// Every sheet of a round in scope with progress, score, ranks (district and town, over the
/// whole district's sheets) and titles earned.
pub async fn results(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    round: i64,
) -> Result<(Round, Vec<Guideline>, Vec<ResultRow>)> {
    let r = load_round(&db.conn, round).await?;
    let gs = round_guidelines(&db.conn, round).await?;
    let indicators: Vec<&Indicator> = gs.iter().flat_map(|g| g.indicators.iter()).collect();
    let max: i64 = indicators.iter().map(|i| i.max_x10).sum();
    // effective points summed in SQL (deductions floored at zero)
    let rows: Vec<ResultJson> = db::all_json(
        &db.conn,
        &["code", "name", "town_code", "town_name", "submitted", "reviewed", "scored", "eff"],
        &format!("SELECT c.code, c.name, t.code AS town_code, t.name AS town_name, \
           CASE WHEN s.self_at IS NULL THEN 0 ELSE 1 END AS submitted, \
           CASE WHEN s.town_at IS NULL THEN 0 ELSE 1 END AS reviewed, \
           (SELECT COUNT(*) FROM assessment_scores x WHERE x.sheet_id = s.id AND x.points_x10 IS NOT NULL) AS scored, \
           CAST(COALESCE((SELECT SUM({EFFECTIVE}) FROM assessment_scores x JOIN guideline_indicators i ON i.id = x.indicator_id \
             WHERE x.sheet_id = s.id AND x.points_x10 IS NOT NULL), 0) AS BIGINT) AS eff \
         FROM assessment_sheets s JOIN divisions c ON c.code = s.community_code \
         JOIN divisions t ON t.code = substr(c.code, 1, 9) || '000' WHERE s.round_id = ?"),
        vals![round],
    )
    .await?;
    let scores: Vec<(i64, i64)> = rows.iter().map(|r| (r.eff, max)).collect();
    let district_ranks = rules::ranks(&scores);
    let mut town_ranks = vec![0; rows.len()];
    let mut by_town: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_town.entry(&r.town_code).or_default().push(i);
    }
    for idx in by_town.values() {
        let s: Vec<(i64, i64)> = idx.iter().map(|i| scores[*i]).collect();
        for (k, rank) in rules::ranks(&s).into_iter().enumerate() {
            town_ranks[idx[k]] = rank;
        }
    }
    // titles need per-template category sums: only for complete sheets
    let in_scope = |code: &str| match scope {
        Scope::District | Scope::Department(_) => true,
        Scope::Town(t) => code.starts_with(&t.as_str()[..9]),
        Scope::Community(c) => c.as_str() == code,
        Scope::Provider(_) => false,
    };
    let titled: Vec<&Guideline> = gs.iter().filter(|g| !g.titles.is_empty()).collect();
    // Category sums of the titled templates, for every sheet, in one statement.
    #[derive(Deserialize)]
    struct Cat {
        code: String,
        guideline: i64,
        category: String,
        eff: i64,
    }
    let cats: Vec<Cat> = if titled.is_empty() {
        vec![]
    } else {
        let ids: Vec<Value> = titled.iter().map(|g| Value::from(g.row.id)).collect();
        let ph = vec!["?"; ids.len()].join(",");
        let mut v = vals![round];
        v.extend(ids);
        db::all_json(
            &db.conn,
            &["code", "guideline", "category", "eff"],
            &format!(
                "SELECT s.community_code AS code, i.guideline_id AS guideline, i.category, \
                   CAST(SUM({EFFECTIVE}) AS BIGINT) AS eff \
                 FROM assessment_sheets s JOIN assessment_scores x ON x.sheet_id = s.id \
                 JOIN guideline_indicators i ON i.id = x.indicator_id \
                 WHERE s.round_id = ? AND x.points_x10 IS NOT NULL AND i.guideline_id IN ({ph}) \
                 GROUP BY s.community_code, i.guideline_id, i.category"
            ),
            v,
        )
        .await?
    };
    let mut cat_sums: HashMap<&str, Vec<&Cat>> = HashMap::new();
    for c in &cats {
        cat_sums.entry(c.code.as_str()).or_default().push(c);
    }
    let mut out = vec![];
    for (i, row) in rows.into_iter().enumerate() {
        if !in_scope(&row.code) || !district.contains_str(&row.code) {
            continue;
        }
        let complete = row.scored == indicators.len() as i64;
        let mut titles = vec![];
        if complete {
            let mine = cat_sums.get(row.code.as_str());
            for g in &titled {
                let mut by_cat: BTreeMap<String, (i64, i64)> = BTreeMap::new();
                for ind in &g.indicators {
                    by_cat.entry(ind.category.clone()).or_default().1 += ind.max_x10;
                }
                for c in mine
                    .into_iter()
                    .flatten()
                    .filter(|c| c.guideline == g.row.id)
                {
                    by_cat.entry(c.category.clone()).or_default().0 += c.eff;
                }
                let whole = by_cat.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
                let list: Vec<(String, i64, i64)> =
                    by_cat.into_iter().map(|(k, (e, m))| (k, e, m)).collect();
                titles.extend(rules::titles_earned(&g.titles, whole, &list));
            }
        }
        out.push(ResultRow {
            submitted: row.submitted == 1,
            reviewed: row.reviewed == 1,
            scored: row.scored,
            indicators: indicators.len() as i64,
            effective_x10: row.eff,
            max_x10: max,
            rank_district: district_ranks[i],
            rank_town: town_ranks[i],
            titles,
            code: row.code,
            name: row.name,
            town_code: row.town_code,
            town_name: row.town_name,
        });
    }
    out.sort_by(|a, b| {
        a.rank_district
            .cmp(&b.rank_district)
            .then(a.code.cmp(&b.code))
    });
    Ok((r, gs, out))
}

/// The guideline subsidies of a signed-off round as a draft payment batch: every sheet's
/// score on the guideline through its rule. Each (round, guideline, community) is paid once.
pub async fn create_guideline_batch(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    round: i64,
    guideline: i64,
) -> Result<i64> {
    let r = load_round(&db.conn, round).await?;
    if r.status != "signed_off" {
        return Err(AppError::invalid("guideline", "assessment.not_signed_off"));
    }
    let gs = round_guidelines(&db.conn, round).await?;
    let g = gs
        .iter()
        .find(|g| g.row.id == guideline)
        .ok_or_else(|| AppError::invalid("guideline", "assessment.not_in_round"))?;
    if g.row.subsidy_basis == "none" {
        return Err(AppError::invalid("guideline", "assessment.no_subsidy"));
    }
    let max = g.max_x10();
    let (lo, hi) = district.descendant_range();
    #[derive(Deserialize)]
    struct Eff {
        code: String,
        name: String,
        eff: i64,
        population: Option<i64>,
    }
    let mut v: Vec<Value> = g.indicators.iter().map(|i| Value::from(i.id)).collect();
    let ph = vec!["?"; v.len()].join(",");
    // in the order of the placeholders: the indicator list, the year, the round, the range
    v.extend(vals![r.year, round, lo, hi]);
    let rows: Vec<Eff> = db::all_json(
        &db.conn,
        &["code", "name", "eff", "population"],
        &format!(
            "SELECT c.code, c.name, \
               CAST(COALESCE((SELECT SUM({EFFECTIVE}) FROM assessment_scores x JOIN guideline_indicators i ON i.id = x.indicator_id \
                 WHERE x.sheet_id = s.id AND x.indicator_id IN ({ph})), 0) AS BIGINT) AS eff, \
               (SELECT p.permanent_population FROM population_snapshots p WHERE p.community_code = c.code AND p.year <= ? \
                 ORDER BY p.year DESC LIMIT 1) AS population \
             FROM assessment_sheets s JOIN divisions c ON c.code = s.community_code \
             WHERE s.round_id = ? AND c.code BETWEEN ? AND ?"
        ),
        v,
    )
    .await?;
    let missing: Vec<&str> = rows
        .iter()
        .filter(|r| g.row.subsidy_basis == "per_capita" && r.population.is_none())
        .map(|r| r.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(AppError::Invalid(vec![
            FieldError::new("guideline", "funding.missing_population")
                .with(missing.len())
                .with(
                    missing
                        .iter()
                        .take(10)
                        .copied()
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
        ]));
    }
    let mut rows = rows;
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    let lines: Vec<funding::NewLine> = rows
        .iter()
        .filter_map(|row| {
            let (amount, words) = subsidy_of(&g.row, row.eff, max, row.population)?;
            Some(funding::NewLine {
                code: row.code.clone(),
                category: "guideline",
                amount_fen: amount,
                quantity: row.population,
                explanation: words,
                reward_id: None,
                reverses_id: None,
                pays: Some(format!("guideline:{round}:{guideline}:{}", row.code)),
            })
        })
        .collect();
    let params = serde_json::json!({"round": round, "guideline": guideline, "full_at": g.row.full_at,
        "zero_below": g.row.zero_below, "basis": g.row.subsidy_basis, "subsidy_fen": g.row.subsidy_fen});
    let title = format!("{}：{}", r.name, g.row.title);
    funding::create_batch(
        db,
        actor,
        r.year,
        "guideline",
        &title,
        &params,
        Some((round, guideline)),
        lines,
    )
    .await
}
