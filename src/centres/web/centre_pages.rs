//! One centre: its project, inspections, acceptance and reward, its checklist.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Template)]
#[template(path = "centres/centre.html")]
pub(super) struct CentrePage {
    pub(super) chrome: Chrome,
    pub(super) d: CentreDetail,
    pub(super) form: FormState,
    pub(super) saved: Option<String>,
    pub(super) can_edit: bool,
    pub(super) can_inspect: bool,
    pub(super) can_review: bool,
    pub(super) transitions: Vec<&'static str>,
    pub(super) today: String,
}

impl CentrePage {
    /// A project form value: what was sent when shown again with errors, else the record.
    fn pv(&self, field: &str) -> String {
        if self.form.form == "project" {
            return self.form.value("project", field);
        }
        let Some(p) = &self.d.project else {
            return String::new();
        };
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        match field {
            "mode" => p.mode.clone(),
            "blocking_reason" => p.blocking_reason.clone(),
            "pilot" => {
                if p.pilot {
                    "on".into()
                } else {
                    String::new()
                }
            }
            "pilot_year" => p.pilot_year.map(|y| y.to_string()).unwrap_or_default(),
            "planned_start" => date(p.planned_start),
            "planned_completion" => date(p.planned_completion),
            "actual_start" => date(p.actual_start),
            "actual_completion" => date(p.actual_completion),
            "floor_area" => p
                .floor_area_dm2
                .map(|a| Area(a).m2_string().replace(',', ""))
                .unwrap_or_default(),
            "invest_district" => money_value(p.invest_district_fen),
            "invest_town" => money_value(p.invest_town_fen),
            "invest_village" => money_value(p.invest_village_fen),
            "invest_donation" => money_value(p.invest_donation_fen),
            "note" => p.note.clone(),
            _ => String::new(),
        }
    }
    fn modes(&self) -> Vec<&'static str> {
        Mode::ALL.iter().map(|m| m.key()).collect()
    }
    fn status_key(&self) -> String {
        self.d
            .project
            .as_ref()
            .map(|p| format!("centres.status.{}", p.status))
            .unwrap_or_else(|| "centres.status.none".into())
    }
    fn mode_key(&self) -> String {
        self.d
            .project
            .as_ref()
            .map(|p| format!("centres.mode.{}", p.mode))
            .unwrap_or_default()
    }
    fn checklist_locked(&self) -> bool {
        self.d
            .project
            .as_ref()
            .is_none_or(|p| p.status() == Status::Accepted)
    }
    fn inspectable(&self) -> bool {
        self.d
            .project
            .as_ref()
            .is_some_and(|p| p.status().can_be_inspected())
    }
    /// Checklist values shown again after an error, else the record.
    fn present(&self, line: &store::ChecklistLine) -> bool {
        if self.form.form == "checklist" {
            !self
                .form
                .value("checklist", &format!("present_{}", line.item.id))
                .is_empty()
        } else {
            line.present
        }
    }
    fn area_value(&self, line: &store::ChecklistLine) -> String {
        if self.form.form == "checklist" {
            self.form
                .value("checklist", &format!("area_{}", line.item.id))
        } else {
            line.area_dm2
                .map(|a| Area(a).m2_string().replace(',', ""))
                .unwrap_or_default()
        }
    }
    fn note_value(&self, line: &store::ChecklistLine) -> String {
        if self.form.form == "checklist" {
            self.form
                .value("checklist", &format!("note_{}", line.item.id))
        } else {
            line.note.clone()
        }
    }
    fn category_key(&self, c: &Category) -> String {
        format!("centres.category.{}", c.key())
    }
    fn invest_total(&self) -> String {
        self.d
            .project
            .as_ref()
            .map(|p| yuan(p.invest_total_fen()))
            .unwrap_or_default()
    }
    fn present_counts<'a>(&self, c: &'a rules::Compliance) -> Vec<&'a dyn std::fmt::Display> {
        vec![&c.required_present, &c.required_items]
    }
    fn area_norm(&self) -> String {
        self.d
            .compliance
            .as_ref()
            .and_then(|c| c.area_norm_dm2)
            .map(|a| Area(a).m2_string())
            .unwrap_or_else(|| "—".into())
    }
}

pub(super) fn money_value(fen: i64) -> String {
    if fen == 0 {
        String::new()
    } else {
        Fen(fen).yuan_string().replace(',', "")
    }
}

#[derive(Deserialize, Default)]
pub(super) struct SavedQuery {
    pub(super) saved: Option<String>,
}

pub(super) async fn show_centre(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    form: FormState,
    saved: Option<String>,
) -> Result<Response> {
    let d = store::load_centre(&s.db, &s.district, &u.scope, code).await?;
    let own = match &u.scope {
        Scope::Community(c) => c.as_str() == d.community.code,
        _ => true,
    };
    let can_edit = own && store::can_edit(u.role, &d.community);
    let transitions = match (&d.project, can_edit) {
        (Some(p), true) => Status::ALL
            .iter()
            .copied()
            .filter(|to| {
                rules::manual_transition(
                    p.status(),
                    *to,
                    p.actual_start,
                    p.actual_completion,
                    !d.inspections.is_empty(),
                )
                .is_ok()
            })
            .map(Status::key)
            .collect(),
        _ => vec![],
    };
    let page = CentrePage {
        chrome: Chrome::build(ctx, "/centres"),
        can_inspect: store::can_inspect(u.role) && d.community.merged_into.is_none(),
        can_review: store::can_review(u.role),
        d,
        form,
        saved,
        can_edit,
        transitions,
        today: s.db.clock().today().to_string(),
    };
    render_form(&page, &page.form)
}

pub(super) async fn centre_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    show_centre(&s, &ctx, &u, &code, FormState::default(), q.saved).await
}

pub(super) async fn after_centre_post(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    form: &'static str,
    result: Result<()>,
    values: Vec<(&str, String)>,
) -> Result<Response> {
    let result = result.map(|()| format!("/centres/{code}?saved={form}"));
    redirect_or_show(result, form, &ctx.tr, values, |form| {
        show_centre(s, ctx, u, code, form, None)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ProjectForm {
    pub(super) mode: String,
    pub(super) blocking_reason: String,
    pub(super) pilot: String,
    pub(super) pilot_year: String,
    pub(super) planned_start: String,
    pub(super) planned_completion: String,
    pub(super) actual_start: String,
    pub(super) actual_completion: String,
    pub(super) floor_area: String,
    pub(super) invest_district: String,
    pub(super) invest_town: String,
    pub(super) invest_village: String,
    pub(super) invest_donation: String,
    pub(super) note: String,
    pub(super) revision: String,
}

pub(super) async fn post_project(
    u: Require<CentreKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<ProjectForm>,
) -> Result<Response> {
    let mut p = Parse::default();
    let input = ProjectInput {
        mode: Mode::parse(&f.mode),
        blocking_reason: f.blocking_reason.clone(),
        pilot: !f.pilot.is_empty(),
        pilot_year: p.int("pilot_year", &f.pilot_year),
        planned_start: p.date("planned_start", &f.planned_start),
        planned_completion: p.date("planned_completion", &f.planned_completion),
        actual_start: p.date("actual_start", &f.actual_start),
        actual_completion: p.date("actual_completion", &f.actual_completion),
        floor_area_dm2: p.area("floor_area", &f.floor_area),
        invest_fen: [
            p.money("invest_district", &f.invest_district),
            p.money("invest_town", &f.invest_town),
            p.money("invest_village", &f.invest_village),
            p.money("invest_donation", &f.invest_donation),
        ],
        note: f.note.clone(),
        revision: crate::platform::revision::base(&f.revision).unwrap_or_else(|_| {
            p.errs
                .push(FieldError::new("revision", "common.whole_number"));
            None
        }),
    };
    let result = if p.errs.is_empty() {
        store::save_project(&s.db, &s.district, &u, &code, &input, s.db.clock().today()).await
    } else {
        Err(AppError::Invalid(p.errs))
    };
    let values = vec![
        ("mode", f.mode),
        ("blocking_reason", f.blocking_reason),
        ("pilot", f.pilot),
        ("pilot_year", f.pilot_year),
        ("planned_start", f.planned_start),
        ("planned_completion", f.planned_completion),
        ("actual_start", f.actual_start),
        ("actual_completion", f.actual_completion),
        ("floor_area", f.floor_area),
        ("invest_district", f.invest_district),
        ("invest_town", f.invest_town),
        ("invest_village", f.invest_village),
        ("invest_donation", f.invest_donation),
        ("note", f.note),
        ("revision", f.revision),
    ];
    after_centre_post(&s, &ctx, &u, &code, "project", result, values).await
}

pub(super) async fn post_checklist(
    u: Require<CentreKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let get = |k: &str| field(&pairs, k);
    // Every item of the project's standard is on the form as `area_{id}`.
    let mut ids: Vec<i64> = pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("area_").and_then(|i| i.parse().ok()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut p = Parse::default();
    let lines: Vec<ChecklistInput> = ids
        .iter()
        .map(|id| ChecklistInput {
            item_id: *id,
            present: !get(&format!("present_{id}")).is_empty(),
            area_dm2: p.area(&format!("area_{id}"), &get(&format!("area_{id}"))),
            note: get(&format!("note_{id}")),
        })
        .collect();
    let result = if p.errs.is_empty() {
        store::save_checklist(&s.db, &s.district, &u, &code, &lines).await
    } else {
        Err(AppError::Invalid(p.errs))
    };
    let values: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    after_centre_post(&s, &ctx, &u, &code, "checklist", result, values).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StatusForm {
    pub(super) status: String,
}

pub(super) async fn post_status(
    u: Require<CentreKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Result<Response> {
    let result = store::change_status(&s.db, &s.district, &u, &code, &f.status).await;
    after_centre_post(&s, &ctx, &u, &code, "status", result, vec![]).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InspectionForm {
    pub(super) inspected_on: String,
    pub(super) inspectors: String,
    pub(super) passed: String,
    pub(super) reasons: String,
}

pub(super) async fn post_inspection(
    u: Require<Inspectors>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<InspectionForm>,
) -> Result<Response> {
    let input = InspectionInput {
        inspected_on: parse_date(&f.inspected_on),
        inspectors: f.inspectors.clone(),
        passed: match f.passed.as_str() {
            "pass" => Some(true),
            "fail" => Some(false),
            _ => None,
        },
        reasons: f.reasons.clone(),
    };
    let result =
        store::record_inspection(&s.db, &s.district, &u, &code, &input, s.db.clock().today())
            .await
            .map(|_| ());
    let values = vec![
        ("inspected_on", f.inspected_on),
        ("inspectors", f.inspectors),
        ("passed", f.passed),
        ("reasons", f.reasons),
    ];
    after_centre_post(&s, &ctx, &u, &code, "inspection", result, values).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReviewForm {
    pub(super) review_note: String,
}

pub(super) async fn post_review(
    u: Require<Reviewers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> Result<Response> {
    let result = store::review(&s.db, &s.district, &u, &code, &f.review_note).await;
    after_centre_post(
        &s,
        &ctx,
        &u,
        &code,
        "review",
        result,
        vec![("review_note", f.review_note)],
    )
    .await
}

/// A community's centre in scope: the project, checklist and compliance, inspections and
/// the reward.
#[utoipa::path(get, path = "/api/v1/centres/{code}", tag = "centres", security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit community code")),
    responses((status = 200, body = CentreDetail), (status = 403), (status = 404)))]
pub async fn api_centre(
    u: Require<Officials>,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<CentreDetail>> {
    Ok(Json(
        store::load_centre(&s.db, &s.district, &u.scope, &code).await?,
    ))
}
