//! A case's steps: accepting, referring to a department, completing, returning, rating.

use super::*;

/// Where a referral goes.
#[derive(Clone, Debug)]
pub enum ReferTo {
    TownCentre,
    Department(i64),
    Provider(i64),
}

/// A step as asked for, before the rules.
#[derive(Clone, Debug)]
pub enum StepRequest {
    Accept,
    Reject { reason: String },
    Start,
    Refer { to: ReferTo, deadline: NaiveDate },
    Complete { result: String },
    Rate { stars: u8, comment: String },
}

impl StepRequest {
    pub fn key(&self) -> &'static str {
        match self {
            StepRequest::Accept => "accept",
            StepRequest::Reject { .. } => "reject",
            StepRequest::Start => "start",
            StepRequest::Refer { .. } => "refer",
            StepRequest::Complete { .. } => "complete",
            StepRequest::Rate { .. } => "rate",
        }
    }
}

/// Who takes a step: a signed-in user, or the applicant on the public status page (who may
/// only rate).
#[derive(Clone, Copy)]
pub enum Who<'a> {
    User(&'a CurrentUser),
    Applicant,
}

/// Whether `who` may take `step` on `case`; the case is already in the user's scope.
pub(super) fn may(who: Who<'_>, step: &StepRequest, case: &CaseFull) -> bool {
    let u = match who {
        Who::Applicant => return matches!(step, StepRequest::Rate { .. }),
        Who::User(u) => u,
    };
    match u.role {
        Role::DistrictAdmin | Role::CommunityStaff => true,
        Role::DepartmentOfficer => {
            matches!(step, StepRequest::Complete { .. })
                && case.referred_kind.as_deref() == Some("department")
                && matches!(u.scope, Scope::Department(d) if case.referred_department_id == Some(d))
        }
        Role::TownOfficer => {
            matches!(step, StepRequest::Complete { .. })
                && case.referred_kind.as_deref() == Some("town_centre")
        }
        Role::Provider => {
            matches!(step, StepRequest::Complete { .. })
                && matches!(u.scope, Scope::Provider(p) if case.provider_id == Some(p))
        }
        Role::Assessor => false,
    }
}

#[derive(FromQueryResult)]
pub(super) struct Target {
    pub(super) name: String,
}

/// Take one step on a case. Nothing is written when the step is refused.
pub async fn step(
    db: &Db,
    cal: &Calendar,
    district: &DivisionCode,
    who: Who<'_>,
    case_id: i64,
    req: StepRequest,
    now: DateTime<Utc>,
) -> Result<Option<Notice>> {
    let today = now
        .with_timezone(&crate::platform::time::district_tz())
        .date_naive();
    let (scope, actor) = match who {
        Who::User(u) => (u.scope.clone(), u.actor()),
        Who::Applicant => (Scope::District, Actor::system("applicant")),
    };
    let tx = db.write_tx().await?;
    let case = load_full(&tx, district, &scope, case_id).await?;
    if !may(who, &req, &case) {
        return Err(AppError::Forbidden);
    }
    // what the referral names, checked before the rules
    let mut referred_to = String::new();
    if let StepRequest::Refer { to, .. } = &req {
        referred_to = match to {
            ReferTo::TownCentre => {
                let town = format!("{}000", &case.community_code[..9]);
                let t: Option<Target> = db::one(
                    &tx,
                    "SELECT name FROM divisions WHERE code = ?",
                    vals![town],
                )
                .await?;
                format!("{}行政受理中心", t.map(|t| t.name).unwrap_or_default())
            }
            ReferTo::Department(d) => {
                let t: Option<Target> = db::one(
                    &tx,
                    "SELECT name FROM departments WHERE id = ? AND active = ?",
                    vals![*d, true],
                )
                .await?;
                t.ok_or_else(|| AppError::invalid("department_id", "hall.choose_one"))?
                    .name
            }
            ReferTo::Provider(p) => provider_for(&tx, *p, &case, today).await?,
        };
    }
    let rule_step = match &req {
        StepRequest::Accept => Step::Accept,
        StepRequest::Reject { reason } => Step::Reject {
            reason: reason.clone(),
        },
        StepRequest::Start => Step::Start,
        StepRequest::Refer { deadline, .. } => Step::Refer {
            to: referred_to.clone(),
            deadline: *deadline,
        },
        StepRequest::Complete { result } => Step::Complete {
            result: result.clone(),
        },
        StepRequest::Rate { stars, comment } => Step::Rate {
            stars: *stars,
            comment: comment.clone(),
        },
    };
    let next =
        rules::apply(case.status(), &rule_step, case.rating.is_some(), today).map_err(|key| {
            let field = match key {
                "hall.reason_required" => "reason",
                "hall.refer_to_required" => "to",
                "hall.deadline_past" => "deadline",
                "hall.result_required" => "result",
                "hall.stars_range" => "stars",
                _ => "step",
            };
            AppError::invalid(field, key)
        })?;
    let year = case.received_on.year();
    let mut note = String::new();
    let mut notice = None;
    let phone = case.applicant_phone.expose().to_string();
    match &req {
        StepRequest::Accept => {
            let item_limit = db::scalar(
                &tx,
                "SELECT time_limit_days FROM service_items WHERE id = ?",
                vals![case.item_id],
            )
            .await?
            .unwrap_or(0);
            let due = cal.add_working_days(today, item_limit as u32);
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, accepted_on = ?, due_on = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), today, due, now, case.id],
            )
            .await?;
            note = format!("due {due}");
            notice = Some(format!(
                "您的申请（编号 {}）已受理，承诺 {due} 前办结。",
                case.number
            ));
        }
        StepRequest::Reject { reason } => {
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, reject_reason = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), reason.trim(), now, case.id],
            )
            .await?;
            bump(
                &tx,
                &case.community_code,
                case.item_id,
                year,
                &[("rejected", 1)],
            )
            .await?;
            note = reason.trim().to_string();
            notice = Some(format!(
                "您的申请（编号 {}）未予受理：{}",
                case.number,
                reason.trim()
            ));
        }
        StepRequest::Start => {
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), now, case.id],
            )
            .await?;
        }
        StepRequest::Refer { to, deadline } => {
            let (kind, dept, provider) = match to {
                ReferTo::TownCentre => ("town_centre", None, None),
                ReferTo::Department(d) => ("department", Some(*d), None),
                ReferTo::Provider(p) => ("provider", None, Some(*p)),
            };
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, referred_kind = ?, referred_department_id = ?, \
                 provider_id = ?, referred_to = ?, referred_deadline = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), kind, dept, provider, referred_to.clone(), *deadline, now, case.id],
            )
            .await?;
            note = format!("{referred_to} · {deadline}");
        }
        StepRequest::Complete { result } => {
            let in_community = !matches!(
                case.referred_kind.as_deref(),
                Some("town_centre" | "department")
            );
            let from = case.accepted_on.unwrap_or(case.received_on);
            let days = cal.working_days_between(from, today).max(0);
            let late = case.due_on.is_some_and(|d| today > d);
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, result = ?, completed_on = ?, \
                 finished_in_community = ?, handling_days = ?, updated_at = ? WHERE id = ?",
                vals![
                    next.key(),
                    result.trim(),
                    today,
                    in_community,
                    days,
                    now,
                    case.id
                ],
            )
            .await?;
            let bucket = format!("h{}", rules::hist_bucket(days));
            bump(
                &tx,
                &case.community_code,
                case.item_id,
                year,
                &[
                    ("completed", 1),
                    ("in_community", i64::from(in_community)),
                    ("late", i64::from(late)),
                    ("days_sum", days),
                    (bucket.as_str(), 1),
                ],
            )
            .await?;
            note = result.trim().to_string();
            notice = Some(format!(
                "您的申请（编号 {}）已办结：{}",
                case.number,
                result.trim()
            ));
        }
        StepRequest::Rate { stars, comment } => {
            // conditional: a second rating racing this one changes nothing
            let n = db::exec(
                &tx,
                "UPDATE cases SET rating = ?, rating_comment = ?, rated_at = ?, updated_at = ? \
                 WHERE id = ? AND rating IS NULL",
                vals![i64::from(*stars), comment.trim(), now, now, case.id],
            )
            .await?;
            if n == 0 {
                return Err(AppError::invalid("stars", "hall.rated_already"));
            }
            bump(
                &tx,
                &case.community_code,
                case.item_id,
                year,
                &[("rated", 1), ("stars", i64::from(*stars))],
            )
            .await?;
            if let Some(p) = case.provider_id {
                db::exec(
                    &tx,
                    "UPDATE providers SET rating_sum = rating_sum + ?, rating_count = rating_count + 1, \
                     complaints = complaints + ? WHERE id = ?",
                    vals![i64::from(*stars), i64::from(rules::is_complaint(*stars)), p],
                )
                .await?;
            }
            note = format!("{stars}★ {}", comment.trim()).trim().to_string();
        }
    }
    add_event(&tx, case.id, &actor, req.key(), next.key(), &note, now).await?;
    // a rating's comment is the applicant's own words: the log keeps the stars only
    let logged = match &req {
        StepRequest::Rate { stars, comment } => serde_json::json!({
            "status": next.key(), "note": format!("{stars}★"), "comment": comment.trim(),
        }),
        _ => serde_json::json!({"status": next.key(), "note": note}),
    };
    audit::record(
        &tx,
        &actor,
        req.key(),
        "case",
        &case.number,
        Some(&serde_json::json!({"status": case.status})),
        Some(&logged),
    )
    .await?;
    tx.commit().await?;
    Ok(notice
        .filter(|_| !phone.is_empty())
        .map(|text| Notice { phone, text }))
}

/// The provider a convenience request may go to: active, serving the case's community and,
/// when the item names a category, offering it. Returns its name.
pub(super) async fn provider_for(
    tx: &DatabaseTransaction,
    provider: i64,
    case: &CaseFull,
    today: NaiveDate,
) -> Result<String> {
    #[derive(FromQueryResult)]
    struct P {
        name: String,
        status: String,
        contract_end: Option<NaiveDate>,
        categories: String,
        serves: i64,
        category: Option<String>,
        kind: String,
    }
    let p: P = db::one(
        tx,
        "SELECT p.name, p.status, p.contract_end, p.categories, \
         (SELECT COUNT(*) FROM provider_communities pc WHERE pc.provider_id = p.id \
          AND pc.community_code = ?) AS serves, \
         (SELECT provider_category FROM service_items WHERE id = ?) AS category, \
         (SELECT kind FROM service_items WHERE id = ?) AS kind \
         FROM providers p WHERE p.id = ?",
        vals![
            case.community_code.clone(),
            case.item_id,
            case.item_id,
            provider
        ],
    )
    .await?
    .ok_or_else(|| AppError::invalid("provider_id", "hall.choose_one"))?;
    if rules::ProviderStatus::effective(&p.status, p.contract_end, today)
        != rules::ProviderStatus::Active
    {
        return Err(AppError::invalid("provider_id", "hall.provider_not_active"));
    }
    if p.serves == 0 {
        return Err(AppError::invalid("provider_id", "hall.provider_not_here"));
    }
    let offers = match &p.category {
        Some(c) => rules::tags_of(&p.categories).contains(&c.as_str()),
        None => p.kind == "convenience",
    };
    if !offers {
        return Err(AppError::invalid(
            "provider_id",
            "hall.provider_wrong_category",
        ));
    }
    Ok(p.name)
}
