//! A case's steps: accepting, referring to a department, completing, returning, rating.

use super::*;
use crate::platform::db::WriteTx;

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

/// Take one step on a case: who may (`may`), what a referral names, whether the rules allow it
/// (`rules::apply`), then the step written, its event and its audit entry in one transaction.
/// Nothing is written when the step is refused.
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
    let referred_to = match &req {
        StepRequest::Refer { to, .. } => referral_target(&tx, &case, to, today).await?,
        _ => String::new(),
    };
    let next = rules::apply(
        case.status(),
        &rule_step(&req, &referred_to),
        case.rating.is_some(),
        today,
    )
    .map_err(|key| AppError::invalid(rule_error_field(key), key))?;
    let a = Applied {
        tx: &tx,
        case: &case,
        next,
        today,
        now,
        year: case.received_on.year(),
    };
    let (note, notice) = match &req {
        StepRequest::Accept => accept(&a, cal).await?,
        StepRequest::Reject { reason } => reject(&a, reason).await?,
        StepRequest::Start => start(&a).await?,
        StepRequest::Refer { to, deadline } => refer(&a, to, *deadline, &referred_to).await?,
        StepRequest::Complete { result } => complete(&a, cal, result).await?,
        StepRequest::Rate { stars, comment } => rate(&a, *stars, comment).await?,
    };
    record_step(&a, &actor, &req, &note).await?;
    tx.commit().await?;
    let phone = case.applicant_phone.expose().to_string();
    Ok(notice
        .filter(|_| !phone.is_empty())
        .map(|text| Notice { phone, text }))
}

/// A step the rules allowed, being written: the case as it was and the status it moves to.
struct Applied<'a> {
    tx: &'a WriteTx,
    case: &'a CaseFull,
    next: CaseStatus,
    today: NaiveDate,
    now: DateTime<Utc>,
    year: i32,
}

/// What a step writes into the case's history: a note, and the text sent to the applicant.
type Written = (String, Option<String>);

/// The name of where a referral goes: the community's town centre, an active department, or
/// a provider serving the community (checked here, before the rules).
async fn referral_target(
    tx: &WriteTx,
    case: &CaseFull,
    to: &ReferTo,
    today: NaiveDate,
) -> Result<String> {
    Ok(match to {
        ReferTo::TownCentre => {
            let town = format!("{}000", &case.community_code[..9]);
            let t: Option<Target> =
                db::one(tx, "SELECT name FROM divisions WHERE code = ?", vals![town]).await?;
            format!("{}行政受理中心", t.map(|t| t.name).unwrap_or_default())
        }
        ReferTo::Department(d) => {
            let t: Option<Target> = db::one(
                tx,
                "SELECT name FROM departments WHERE id = ? AND active = ?",
                vals![*d, true],
            )
            .await?;
            t.ok_or_else(|| AppError::invalid("department_id", "hall.choose_one"))?
                .name
        }
        ReferTo::Provider(p) => provider_for(tx, *p, case, today).await?,
    })
}

/// The rules' step for a request (a referral named by [`referral_target`]).
fn rule_step(req: &StepRequest, referred_to: &str) -> Step {
    match req {
        StepRequest::Accept => Step::Accept,
        StepRequest::Reject { reason } => Step::Reject {
            reason: reason.clone(),
        },
        StepRequest::Start => Step::Start,
        StepRequest::Refer { deadline, .. } => Step::Refer {
            to: referred_to.to_string(),
            deadline: *deadline,
        },
        StepRequest::Complete { result } => Step::Complete {
            result: result.clone(),
        },
        StepRequest::Rate { stars, comment } => Step::Rate {
            stars: *stars,
            comment: comment.clone(),
        },
    }
}

/// The form field a rule's refusal belongs to.
fn rule_error_field(key: &str) -> &'static str {
    match key {
        "hall.reason_required" => "reason",
        "hall.refer_to_required" => "to",
        "hall.deadline_past" => "deadline",
        "hall.result_required" => "result",
        "hall.stars_range" => "stars",
        _ => "step",
    }
}

/// Accepted: the deadline counted in working days from today.
async fn accept(a: &Applied<'_>, cal: &Calendar) -> Result<Written> {
    let item_limit = db::scalar(
        a.tx,
        "SELECT time_limit_days FROM service_items WHERE id = ?",
        vals![a.case.item_id],
    )
    .await?
    .unwrap_or(0);
    let due = cal.add_working_days(a.today, item_limit as u32);
    db::exec(
        a.tx,
        "UPDATE cases SET status = ?, accepted_on = ?, due_on = ?, updated_at = ? WHERE id = ?",
        vals![a.next.key(), a.today, due, a.now, a.case.id],
    )
    .await?;
    let note = format!("due {due}");
    let notice = Some(format!(
        "您的申请（编号 {}）已受理，承诺 {due} 前办结。",
        a.case.number
    ));
    Ok((note, notice))
}

/// Not accepted, with the reason the applicant is told.
async fn reject(a: &Applied<'_>, reason: &str) -> Result<Written> {
    db::exec(
        a.tx,
        "UPDATE cases SET status = ?, reject_reason = ?, updated_at = ? WHERE id = ?",
        vals![a.next.key(), reason.trim(), a.now, a.case.id],
    )
    .await?;
    bump(
        a.tx,
        &a.case.community_code,
        a.case.item_id,
        a.year,
        &[("rejected", 1)],
    )
    .await?;
    let note = reason.trim().to_string();
    let notice = Some(format!(
        "您的申请（编号 {}）未予受理：{}",
        a.case.number,
        reason.trim()
    ));
    Ok((note, notice))
}

async fn start(a: &Applied<'_>) -> Result<Written> {
    db::exec(
        a.tx,
        "UPDATE cases SET status = ?, updated_at = ? WHERE id = ?",
        vals![a.next.key(), a.now, a.case.id],
    )
    .await?;
    Ok((String::new(), None))
}

/// Referred to the town centre, a department or a provider, with a deadline.
async fn refer(
    a: &Applied<'_>,
    to: &ReferTo,
    deadline: NaiveDate,
    referred_to: &str,
) -> Result<Written> {
    let (kind, dept, provider) = match to {
        ReferTo::TownCentre => ("town_centre", None, None),
        ReferTo::Department(d) => ("department", Some(*d), None),
        ReferTo::Provider(p) => ("provider", None, Some(*p)),
    };
    db::exec(
        a.tx,
        "UPDATE cases SET status = ?, referred_kind = ?, referred_department_id = ?, \
         provider_id = ?, referred_to = ?, referred_deadline = ?, updated_at = ? WHERE id = ?",
        vals![
            a.next.key(),
            kind,
            dept,
            provider,
            referred_to,
            deadline,
            a.now,
            a.case.id
        ],
    )
    .await?;
    let note = format!("{referred_to} · {deadline}");
    Ok((note, None))
}

/// Completed: the working days it took, whether it stayed in the community, whether late.
async fn complete(a: &Applied<'_>, cal: &Calendar, result: &str) -> Result<Written> {
    let in_community = !matches!(
        a.case.referred_kind.as_deref(),
        Some("town_centre" | "department")
    );
    let from = a.case.accepted_on.unwrap_or(a.case.received_on);
    let days = cal.working_days_between(from, a.today).max(0);
    let late = a.case.due_on.is_some_and(|d| a.today > d);
    db::exec(
        a.tx,
        "UPDATE cases SET status = ?, result = ?, completed_on = ?, \
         finished_in_community = ?, handling_days = ?, updated_at = ? WHERE id = ?",
        vals![
            a.next.key(),
            result.trim(),
            a.today,
            in_community,
            days,
            a.now,
            a.case.id
        ],
    )
    .await?;
    let bucket = format!("h{}", rules::hist_bucket(days));
    bump(
        a.tx,
        &a.case.community_code,
        a.case.item_id,
        a.year,
        &[
            ("completed", 1),
            ("in_community", i64::from(in_community)),
            ("late", i64::from(late)),
            ("days_sum", days),
            (bucket.as_str(), 1),
        ],
    )
    .await?;
    let note = result.trim().to_string();
    let notice = Some(format!(
        "您的申请（编号 {}）已办结：{}",
        a.case.number,
        result.trim()
    ));
    Ok((note, notice))
}

/// Rated by the applicant, once; a provider's rating and complaints follow.
async fn rate(a: &Applied<'_>, stars: u8, comment: &str) -> Result<Written> {
    // conditional: a second rating racing this one changes nothing
    let n = db::exec(
        a.tx,
        "UPDATE cases SET rating = ?, rating_comment = ?, rated_at = ?, updated_at = ? \
         WHERE id = ? AND rating IS NULL",
        vals![i64::from(stars), comment.trim(), a.now, a.now, a.case.id],
    )
    .await?;
    if n == 0 {
        return Err(AppError::invalid("stars", "hall.rated_already"));
    }
    bump(
        a.tx,
        &a.case.community_code,
        a.case.item_id,
        a.year,
        &[("rated", 1), ("stars", i64::from(stars))],
    )
    .await?;
    if let Some(p) = a.case.provider_id {
        db::exec(
            a.tx,
            "UPDATE providers SET rating_sum = rating_sum + ?, rating_count = rating_count + 1, \
             complaints = complaints + ? WHERE id = ?",
            vals![i64::from(stars), i64::from(rules::is_complaint(stars)), p],
        )
        .await?;
    }
    let note = format!("{stars}★ {}", comment.trim()).trim().to_string();
    Ok((note, None))
}

/// The step's event in the case's history and its audit entry.
async fn record_step(a: &Applied<'_>, actor: &Actor, req: &StepRequest, note: &str) -> Result<()> {
    add_event(a.tx, a.case.id, actor, req.key(), a.next.key(), note, a.now).await?;
    // a rating's comment is the applicant's own words: the log keeps the stars only
    let logged = match req {
        StepRequest::Rate { stars, comment } => serde_json::json!({
            "status": a.next.key(), "note": format!("{stars}★"), "comment": comment.trim(),
        }),
        _ => serde_json::json!({"status": a.next.key(), "note": note}),
    };
    audit::record(
        a.tx,
        actor,
        req.key(),
        "case",
        &a.case.number,
        Some(&serde_json::json!({"status": a.case.status})),
        Some(&logged),
    )
    .await?;
    Ok(())
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
