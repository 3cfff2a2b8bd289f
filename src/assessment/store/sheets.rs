//! A community's sheet: self-assessment, the town's review, scores and evidence.

use super::*;

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
    /// For an indicator bound to a workforce measure: the system's figure, which scores it.
    pub measured: Option<crate::workers::measures::Measured>,
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

pub(super) const SHEET_COLUMNS: &str = "id, round_id, community_code, self_note, self_by, self_at, town_note, town_by, town_at, \
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
    let measured = measures_of(db, &guidelines, &community.code, r.year).await?;
    let mut parts = vec![];
    for g in guidelines {
        let lines: Vec<SheetLine> = g
            .indicators
            .iter()
            .map(|i| {
                let score = by_indicator.get(&i.id).cloned();
                let m = measured.get(&i.id).cloned();
                // a measured indicator counts what the system finds, whatever is stored
                let points = match &m {
                    Some(m) => Some(crate::workers::measures::points_x10(
                        m.met,
                        i.max_x10,
                        i.deduction,
                    )),
                    None => score.as_ref().and_then(|s| s.points_x10),
                };
                let eff = points.map(|p| rules::effective(i.max_x10, p, i.deduction));
                SheetLine {
                    indicator: i.clone(),
                    effective_x10: eff,
                    lost_x10: eff.map(|e| i.max_x10 - e),
                    score,
                    measured: m,
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

/// The workforce measures of a community's indicators bound to one, by indicator.
async fn measures_of(
    db: &Db,
    guidelines: &[Guideline],
    code: &str,
    year: i32,
) -> Result<HashMap<i64, crate::workers::measures::Measured>> {
    let mut out = HashMap::new();
    for i in guidelines.iter().flat_map(|g| &g.indicators) {
        if let Some(m) = &i.measure
            && let Some(v) =
                crate::workers::measures::evaluate(db, code, year, db.clock().today(), m).await?
        {
            out.insert(i.id, v);
        }
    }
    Ok(out)
}

/// Write the system's points for every measured indicator of a round's sheets (or one
/// community's), so that results, rankings and payments read them like typed ones.
async fn fill_measured(
    db: &Db,
    tx: &crate::platform::db::WriteTx,
    round: &crate::assessment::store::Round,
    code: Option<&str>,
) -> Result<usize> {
    let guidelines = round_guidelines(tx, round.id).await?;
    if !guidelines
        .iter()
        .any(|g| g.indicators.iter().any(|i| i.measure.is_some()))
    {
        return Ok(0);
    }
    let sheets: Vec<(i64, String)> = db::all_json(
        tx,
        &["id", "community_code"],
        "SELECT id, community_code FROM assessment_sheets WHERE round_id = ? \
         AND (? = '' OR community_code = ?) ORDER BY id",
        vals![round.id, code.unwrap_or(""), code.unwrap_or("")],
    )
    .await?;
    let tr = crate::platform::i18n::Tr::new(crate::platform::i18n::Lang::Zh);
    let now = tx.clock().now();
    let mut n = 0;
    for (sheet, community) in sheets {
        for i in guidelines.iter().flat_map(|g| &g.indicators) {
            let Some(m) = &i.measure else { continue };
            let Some(v) = crate::workers::measures::evaluate(
                db,
                &community,
                round.year,
                db.clock().today(),
                m,
            )
            .await?
            else {
                continue;
            };
            let note = {
                let args: Vec<&dyn std::fmt::Display> =
                    v.args.iter().map(|a| a as &dyn std::fmt::Display).collect();
                tr.f(&v.key, &args)
            };
            db::exec(
                tx,
                "INSERT INTO assessment_scores (sheet_id, indicator_id, points_x10, note, scored_by, scored_at) \
                 VALUES (?, ?, ?, ?, 'system', ?) ON CONFLICT (sheet_id, indicator_id) DO UPDATE SET \
                 points_x10 = excluded.points_x10, note = excluded.note, scored_by = excluded.scored_by, \
                 scored_at = excluded.scored_at",
                vals![
                    sheet,
                    i.id,
                    crate::workers::measures::points_x10(v.met, i.max_x10, i.deduction),
                    note,
                    now
                ],
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// The latest permanent population recorded for a community up to a year.
pub(super) async fn population_at(db: &Db, code: &str, year: i32) -> Result<Option<i64>> {
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

pub(super) async fn sheet_for_change(
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
    audit::commit(
        tx,
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
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "sheet_attachment",
        &format!("{round}/{code}/{id}"),
        None::<&()>,
        Some(&serde_json::json!({"filename": name, "size": data.len(), "content_type": content_type})),
    )
    .await?;
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
    audit::commit(
        tx,
        &u.actor(),
        "delete",
        "sheet_attachment",
        &format!("{round}/{code}/{id}"),
        Some(&serde_json::json!({"filename": before.filename})),
        None::<&()>,
    )
    .await?;
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
    audit::commit(
        tx,
        &u.actor(),
        "review",
        "assessment_sheet",
        &format!("{round}/{code}"),
        Some(&serde_json::json!({"town_note": sheet.town_note})),
        Some(&serde_json::json!({"town_note": note})),
    )
    .await?;
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
            Some((i, _)) if i.measure.is_some() => errs.push(FieldError::new(
                &format!("p{}", e.indicator_id),
                "assessment.measured",
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
    let r = load_round(&tx, round).await?;
    fill_measured(db, &tx, &r, Some(&sheet.community_code)).await?;
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
    audit::commit(
        tx,
        &u.actor(),
        "score",
        "assessment_sheet",
        &format!("{round}/{code}"),
        None::<&()>,
        Some(&serde_json::json!(entries.iter().map(|e| serde_json::json!({"indicator": e.indicator_id, "points_x10": e.points_x10, "note": e.note.trim()})).collect::<Vec<_>>())),
    )
    .await?;
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
    // the measured indicators, as the register stands at sign-off
    fill_measured(db, &tx, &r, None).await?;
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
    audit::commit(
        tx,
        &u.actor(),
        "sign_off",
        "assessment_round",
        &round.to_string(),
        Some(&serde_json::json!({"status": "open"})),
        Some(&serde_json::json!({"status": "signed_off"})),
    )
    .await?;
    Ok(())
}
