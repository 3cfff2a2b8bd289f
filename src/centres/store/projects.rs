//! Construction projects: planned, started, inspected, accepted, rewarded; the checklist.

use super::*;

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

pub(super) const PROJECT_COLUMNS: &str = "id, community_code, standard_id, mode, blocking_reason, pilot, \
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

pub(super) async fn project_of<C: ConnectionTrait>(c: &C, code: &str) -> Result<Option<Project>> {
    db::one(
        c,
        &format!("SELECT {PROJECT_COLUMNS} FROM centre_projects WHERE community_code = ?"),
        vals![code],
    )
    .await
}

#[derive(FromQueryResult)]
pub(super) struct EntryRow {
    pub(super) item_id: i64,
    pub(super) present: bool,
    pub(super) area_dm2: Option<i64>,
    pub(super) note: String,
}

pub(super) async fn entries_of<C: ConnectionTrait>(
    c: &C,
    project_id: i64,
) -> Result<Vec<EntryRow>> {
    db::all(
        c,
        "SELECT item_id, present, area_dm2, note FROM centre_checklist WHERE project_id = ?",
        vals![project_id],
    )
    .await
}

pub(super) fn checklist_lines(standard: &Standard, entries: &[EntryRow]) -> Vec<ChecklistLine> {
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

pub(super) fn compliance_of(p: &Project, standard: &Standard, entries: &[EntryRow]) -> Compliance {
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
pub(super) async fn community_for_change(
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
    let errs = project_errors(input, before.as_ref(), status, today);
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
    write_project(
        &tx,
        &c.code,
        before.as_ref(),
        input,
        ProjectRow {
            mode,
            reason: &reason,
            pilot_year,
            status,
            today,
        },
    )
    .await?;
    let after = project_of(&tx, &c.code).await?;
    audit::commit(
        tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "centre_project",
        &c.code,
        before.as_ref(),
        after.as_ref(),
    )
    .await?;
    Ok(())
}

/// The project form's errors: the rules' (dates in order, investment, area), and what an
/// accepted project no longer lets change.
fn project_errors(
    input: &ProjectInput,
    before: Option<&Project>,
    status: Status,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut errs = rules::validate_project(input, status, today);
    if let Some(p) = before
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
    if let Some(p) = before
        && let (Some(acc), Some(done)) = (p.accepted_on, input.actual_completion)
        && done > acc
    {
        errs.push(FieldError::new(
            "actual_completion",
            "centres.completion_after_acceptance",
        ));
    }
    errs
}

/// What a project's row is written with, beside the form.
struct ProjectRow<'a> {
    mode: Mode,
    reason: &'a str,
    pilot_year: Option<i32>,
    status: Status,
    today: NaiveDate,
}

/// The project's row: updated at the revision the form was opened at, or inserted under the
/// standard in force in its year.
async fn write_project(
    tx: &crate::platform::db::WriteTx,
    code: &str,
    before: Option<&Project>,
    input: &ProjectInput,
    r: ProjectRow<'_>,
) -> Result<()> {
    let ProjectRow {
        mode,
        reason,
        pilot_year,
        status,
        today,
    } = r;
    let now = tx.clock().now();
    let [d, t, v, g] = input.invest_fen;
    match before {
        Some(p) => {
            revision::update_as(
                tx,
                "centre_projects",
                ("centre_project", code),
                p.id,
                input.revision,
                "mode = ?, blocking_reason = ?, pilot = ?, pilot_year = ?, \
                 planned_start = ?, planned_completion = ?, actual_start = ?, actual_completion = ?, \
                 floor_area_dm2 = ?, invest_district_fen = ?, invest_town_fen = ?, invest_village_fen = ?, \
                 invest_donation_fen = ?, note = ?, updated_at = ?",
                vals![
                    mode.key(),
                    reason.to_string(),
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
            let all = standards(tx).await?;
            let standard = rules_standard(&all, year)
                .ok_or_else(|| AppError::invalid("mode", "centres.no_standard"))?;
            db::exec(
                tx,
                "INSERT INTO centre_projects (community_code, standard_id, mode, blocking_reason, pilot, \
                 pilot_year, planned_start, planned_completion, actual_start, actual_completion, \
                 floor_area_dm2, invest_district_fen, invest_town_fen, invest_village_fen, \
                 invest_donation_fen, status, note, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vals![
                    code.to_string(),
                    standard.id,
                    mode.key(),
                    reason.to_string(),
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
    Ok(())
}

/// The version in force for a year, or the earliest when the year precedes them all.
pub(super) fn rules_standard(all: &[Standard], year: i32) -> Option<&Standard> {
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
    audit::commit(
        tx,
        actor,
        "update",
        "centre_checklist",
        &c.code,
        Some(&before_json),
        Some(&after_json),
    )
    .await?;
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
    audit::commit(
        tx,
        actor,
        "status",
        "centre_project",
        &c.code,
        Some(&serde_json::json!({"status": p.status})),
        Some(&serde_json::json!({"status": to.key()})),
    )
    .await?;
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
    audit::commit(
        tx,
        actor,
        "review",
        "centre_project",
        &c.code,
        Some(&serde_json::json!({"review_note": p.review_note})),
        Some(&serde_json::json!({"review_note": note})),
    )
    .await?;
    Ok(())
}
