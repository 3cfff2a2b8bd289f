//! One case: its history, the next steps and their forms, the printable receipt.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CaseView {
    pub(super) registered: Option<String>,
    pub(super) saved: Option<String>,
}

#[derive(Template)]
#[template(path = "hall/case.html")]
pub(super) struct CasePage {
    pub(super) chrome: Chrome,
    pub(super) c: CaseFull,
    pub(super) item: Item,
    pub(super) events: Vec<Event>,
    pub(super) form: FormState,
    pub(super) steps: Vec<&'static str>,
    pub(super) departments: Vec<(i64, String)>,
    pub(super) providers: Vec<Provider>,
    pub(super) default_deadline: NaiveDate,
    pub(super) today: NaiveDate,
    pub(super) registered: bool,
    pub(super) saved: bool,
    pub(super) english: bool,
    /// Whether the caller may write what the public reads of this request.
    pub(super) can_publish: bool,
}

impl CasePage {
    fn can(&self, step: &str) -> bool {
        self.steps.contains(&step)
    }
    /// The public description as being edited, or as stored.
    fn public_value(&self) -> String {
        if self.form.form == "public" {
            self.form.value("public", "public_description")
        } else {
            self.c.public_description.clone()
        }
    }
    fn public_error(&self) -> String {
        self.form.error("public", "public_description")
    }
    fn when(&self, e: &Event) -> String {
        show(&e.at)
    }
    fn received(&self) -> String {
        show(&self.c.received_at)
    }
    fn v(&self, f: &str) -> String {
        self.form.value("step", f)
    }
    fn e(&self, f: &str) -> String {
        self.form.error("step", f)
    }
    fn materials(&self) -> Vec<&str> {
        self.item.materials_list()
    }
}

/// Whether a user may ever take a step on this case (the rules decide which, and when).
pub(super) fn could_act(u: &CurrentUser, c: &CaseFull) -> bool {
    match (&u.scope, u.role) {
        (_, Role::DistrictAdmin | Role::CommunityStaff) => true,
        (Scope::Department(d), _) => {
            c.referred_kind.as_deref() == Some("department") && c.referred_department_id == Some(*d)
        }
        (Scope::Town(_), _) => c.referred_kind.as_deref() == Some("town_centre"),
        (Scope::Provider(p), _) => c.provider_id == Some(*p),
        _ => false,
    }
}

/// The steps a user may offer on a case in its current state.
pub(super) fn offered_steps(u: &CurrentUser, c: &CaseFull) -> Vec<&'static str> {
    let window = matches!(u.role, Role::DistrictAdmin | Role::CommunityStaff);
    let mut v = vec![];
    match c.status.as_str() {
        "received" if window => v.extend(["accept", "reject"]),
        "accepted" if window => v.extend(["start", "refer", "complete", "reject"]),
        "in_progress" if window => v.extend(["refer", "complete"]),
        "referred" => {
            let mine = match (&u.scope, c.referred_kind.as_deref()) {
                (_, _) if window => true,
                (Scope::Department(d), Some("department")) => c.referred_department_id == Some(*d),
                (Scope::Town(_), Some("town_centre")) => true,
                (Scope::Provider(p), Some("provider")) => c.provider_id == Some(*p),
                _ => false,
            };
            if mine {
                v.push("complete");
            }
        }
        "completed" if window && c.rating.is_none() => v.push("rate"),
        _ => {}
    }
    v
}

pub(super) async fn show_case(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    form: FormState,
    view: CaseView,
) -> Result<Response> {
    let today = s.db.clock().today();
    let c = cases::load(&s.db, &s.district, u, id).await?;
    let items = crate::hall::state(s).items(&s.db).await?;
    let item = items
        .iter()
        .find(|i| i.id == c.item_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let steps = offered_steps(u, &c);
    let (departments, providers) = if steps.contains(&"refer") {
        // only convenience services go to providers, and to those offering the kind
        let mut ps = if item.kind == "convenience" || item.provider_category.is_some() {
            providers::serving(&s.db, &c.community_code, today).await?
        } else {
            vec![]
        };
        if let Some(cat) = &item.provider_category {
            ps.retain(|p| p.category_list().contains(&cat.as_str()));
        }
        (department_options(s).await?, ps)
    } else {
        (vec![], vec![])
    };
    let cal = crate::hall::state(s).calendar(&s.db).await?;
    let page = CasePage {
        chrome: Chrome::build(ctx, "/hall"),
        events: cases::events(&s.db, &c).await?,
        default_deadline: c
            .due_on
            .filter(|d| *d >= today)
            .unwrap_or_else(|| cal.add_working_days(today, item.time_limit_days as u32)),
        c,
        item,
        form,
        steps,
        departments,
        providers,
        today,
        registered: view.registered.is_some(),
        saved: view.saved.is_some(),
        english: ctx.tr.lang.code() == "en",
        can_publish: Window::ROLES.contains(&u.role),
    };
    render_form(&page, &page.form)
}

pub(super) async fn case_page(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(view): Query<CaseView>,
) -> Result<Response> {
    show_case(&s, &ctx, &u, id, FormState::default(), view).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StepForm {
    pub step: String,
    pub reason: String,
    pub refer_kind: String,
    pub department_id: String,
    pub provider_id: String,
    pub deadline: String,
    pub result: String,
    pub stars: String,
    pub comment: String,
}

impl StepForm {
    pub fn request(&self) -> Result<StepRequest> {
        let id = |field: &str, v: &str| -> Result<i64> {
            v.trim()
                .parse::<i64>()
                .map_err(|_| AppError::invalid(field, "hall.choose_one"))
        };
        Ok(match self.step.as_str() {
            "accept" => StepRequest::Accept,
            "reject" => StepRequest::Reject {
                reason: self.reason.clone(),
            },
            "start" => StepRequest::Start,
            "refer" => {
                let to = match self.refer_kind.as_str() {
                    "town_centre" => ReferTo::TownCentre,
                    "department" => ReferTo::Department(id("department_id", &self.department_id)?),
                    "provider" => ReferTo::Provider(id("provider_id", &self.provider_id)?),
                    _ => return Err(AppError::invalid("refer_kind", "hall.choose_one")),
                };
                let deadline = parse_date(&self.deadline)
                    .ok_or_else(|| AppError::invalid("deadline", "common.date"))?;
                StepRequest::Refer { to, deadline }
            }
            "complete" => StepRequest::Complete {
                result: self.result.clone(),
            },
            "rate" => {
                let stars = self
                    .stars
                    .trim()
                    .parse::<u8>()
                    .map_err(|_| AppError::invalid("stars", "hall.stars_range"))?;
                if self.comment.chars().count() > 500 {
                    return Err(AppError::invalid("comment", "hall.comment_too_long"));
                }
                StepRequest::Rate {
                    stars,
                    comment: self.comment.clone(),
                }
            }
            _ => return Err(AppError::invalid("step", "hall.out_of_order")),
        })
    }
    fn values(self) -> Vec<(&'static str, String)> {
        vec![
            ("step", self.step),
            ("reason", self.reason),
            ("refer_kind", self.refer_kind),
            ("department_id", self.department_id),
            ("provider_id", self.provider_id),
            ("deadline", self.deadline),
            ("result", self.result),
            ("stars", self.stars),
            ("comment", self.comment),
        ]
    }
}

pub(super) async fn post_step(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StepForm>,
) -> Result<Response> {
    // outside the scope: 404; in it but never acting on this case: 403; then the step
    let case = cases::load(&s.db, &s.district, &u, id).await?;
    if !could_act(&u, &case) {
        return Err(AppError::Forbidden);
    }
    let result = match f.request() {
        Ok(req) => {
            let cal = crate::hall::state(&s).calendar(&s.db).await?;
            cases::step(
                &s.db,
                &cal,
                &s.district,
                Who::User(&u),
                id,
                req,
                s.db.clock().now(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|notice| {
        crate::hall::state(&s).notify(notice);
        format!("/hall/cases/{id}?saved=1")
    });
    redirect_or_show(result, "step", &ctx.tr, f.values(), |form| {
        show_case(&s, &ctx, &u, id, form, CaseView::default())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PublicForm {
    pub(super) public_description: String,
}

/// What the public reads of a request (Open311's list): written by staff, never the
/// applicant's own words.
pub(super) async fn post_public(
    u: Require<Window>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PublicForm>,
) -> Result<Response> {
    let result = cases::set_public_description(&s.db, &s.district, &u, id, &f.public_description)
        .await
        .map(|()| format!("/hall/cases/{id}?saved=public"));
    redirect_or_show(
        result,
        "public",
        &ctx.tr,
        vec![("public_description", f.public_description)],
        |form| show_case(&s, &ctx, &u, id, form, CaseView::default()),
    )
    .await
}
