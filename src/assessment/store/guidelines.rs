//! Work guidelines: a department's indicators, their points and titles.

use super::*;

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
    /// The workforce measure that fills it (assessment::rules::MEASURES), if any.
    pub measure: Option<String>,
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

pub(super) const GUIDELINE_COLUMNS: &str = "g.id, g.family, g.version, g.department_id, d.name AS department_name, \
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
pub(super) async fn load_guideline<C: ConnectionTrait>(c: &C, id: i64) -> Result<Guideline> {
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

pub(super) async fn indicators_of<C: ConnectionTrait>(
    c: &C,
    ids: &[i64],
) -> Result<Vec<Indicator>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let ph = vec!["?"; ids.len()].join(",");
    db::all(
        c,
        &format!(
            "SELECT id, guideline_id, category, name, max_x10, method, deduction, measure FROM guideline_indicators \
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
    check_guideline(g)?;
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
    let gid = write_guideline(&tx, u, before.as_ref(), department, g).await?;
    write_parts(&tx, gid, g).await?;
    let after = load_guideline(&tx, gid).await?;
    audit::commit(
        tx,
        &u.actor(),
        if before.is_some() { "update" } else { "create" },
        "guideline",
        &gid.to_string(),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok(gid)
}

/// The guideline form's own checks: the rules' (title, year, subsidy rule, indicators), the
/// titles' thresholds, the summary's length.
fn check_guideline(g: &GuidelineInput) -> Result<()> {
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
    Ok(())
}

/// The guideline's own row: a draft updated at the revision the form was opened at (its
/// items, indicators and titles cleared, to be written again), or a new family's version 1.
async fn write_guideline(
    tx: &crate::platform::db::WriteTx,
    u: &CurrentUser,
    before: Option<&Guideline>,
    department: Option<i64>,
    g: &GuidelineInput,
) -> Result<i64> {
    let now = tx.clock().now();
    Ok(match before {
        Some(b) => {
            // (a draft: published ones were refused above, in this transaction)
            revision::update(
                tx,
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
                    tx,
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
                tx,
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
    })
}

/// A new random family key for version 1 of a guideline.
pub(super) fn new_family() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    format!("g{}", hex::encode(b))
}

pub(super) async fn write_parts<C: ConnectionTrait>(
    c: &C,
    gid: i64,
    g: &GuidelineInput,
) -> Result<()> {
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
            "INSERT INTO guideline_indicators (guideline_id, position, category, name, max_x10, method, deduction, measure) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vals![
                gid,
                pos as i32,
                i.category.trim(),
                i.name.trim(),
                i.max_x10.unwrap_or(10),
                i.method.clone(),
                i.deduction,
                Some(i.measure.clone()).filter(|m| !m.is_empty())
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
    audit::commit(
        tx,
        &u.actor(),
        "publish",
        "guideline",
        &id.to_string(),
        Some(&serde_json::json!({"status": "draft"})),
        Some(&serde_json::json!({"status": "published"})),
    )
    .await?;
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
                measure: i.measure.clone().unwrap_or_default(),
            })
            .collect(),
        titles: g.titles.clone(),
        revision: None,
    };
    write_parts(&tx, nid, &input).await?;
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "guideline",
        &nid.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"family": g.row.family, "version": version, "copied_from": id})),
    )
    .await?;
    Ok(nid)
}
