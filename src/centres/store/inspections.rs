//! Acceptance inspections: a pass makes the project accepted and creates its one reward, a
//! fail needs its reasons.

use super::*;

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
    check_inspection(input, today)?;
    let reasons = input.reasons.trim();
    let inspectors = input.inspectors.trim();
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
    check_result(passed, &result, reasons)?;
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
    let inspection_id = insert_inspection(
        &tx,
        actor,
        (&c.code, p.id),
        Recorded {
            on,
            inspectors,
            passed,
            reasons,
        },
        &result,
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

/// The inspection form's own checks: a date not in the future, who inspected, a result, and
/// reasons for a fail.
fn check_inspection(input: &InspectionInput, today: NaiveDate) -> Result<()> {
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
    if errs.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errs))
    }
}

/// A pass needs every required item present, and an area below the norm only with written
/// reasons.
fn check_result(passed: bool, result: &Compliance, reasons: &str) -> Result<()> {
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
    Ok(())
}

/// What an inspection records, beside its compliance.
struct Recorded<'a> {
    on: NaiveDate,
    inspectors: &'a str,
    passed: bool,
    reasons: &'a str,
}

/// Insert the inspection with its compliance and its audit entry; its id.
async fn insert_inspection(
    tx: &crate::platform::db::WriteTx,
    actor: &Actor,
    (code, project_id): (&str, i64),
    i: Recorded<'_>,
    result: &Compliance,
) -> Result<i64> {
    let Recorded {
        on,
        inspectors,
        passed,
        reasons,
    } = i;
    let result_json = serde_json::to_string(&result)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("compliance json: {e}")))?;
    let inspection_id = db::scalar(
        tx,
        "INSERT INTO centre_inspections (project_id, inspected_on, inspectors, passed, reasons, \
         result_json, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            project_id,
            on,
            inspectors,
            passed,
            reasons,
            result_json,
            actor.name.clone(),
            tx.clock().now()
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    audit::record(
        tx,
        actor,
        "create",
        "centre_inspection",
        &format!("{code}/{inspection_id}"),
        None::<&()>,
        Some(&serde_json::json!({
            "inspected_on": on, "inspectors": inspectors, "passed": passed,
            "reasons": reasons, "result": result,
        })),
    )
    .await?;
    Ok(inspection_id)
}

/// Insert the reward of a project unless it has one: the id when created.
pub(super) async fn create_reward(
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
