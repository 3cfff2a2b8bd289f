//! Pages and API of the hall's cases: the worklist, registering at the window, a case with
//! its timeline and steps, the case list and ledgers, the measures.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::hall::cases::{
    self, CaseFull, CaseInput, CaseQuery, CaseRow, Event, ReferTo, StepRequest, Who,
};
use crate::hall::catalogue::Item;
use crate::hall::measures::{self, Counters, Line, Measures};
use crate::hall::providers::{self, Provider};
use crate::hall::residents;
use crate::platform::auth::guard::{AdminAndStaff, Require, RoleSet};
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::charts::{Bar, ShareBar, bar_chart, share_chart};
use crate::platform::db;
use crate::platform::error::{AppError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, render_form};
use crate::platform::http::json::ApiJson;
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::sheet::{self, Cell};
use crate::platform::time::{parse_date, show};
use crate::platform::types::{DivisionCode, Level};
use crate::role_set;
use crate::vals;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/hall", worklist_page)
        .get("/hall/cases", cases_page)
        .post("/hall/cases", post_register)
        .get("/hall/cases.xlsx", ledger_xlsx)
        .get("/hall/cases/new", register_page)
        .get("/hall/cases/{id}", case_page)
        .post("/hall/cases/{id}/step", post_step)
        .post("/hall/cases/{id}/public", post_public)
        .get("/hall/measures", measures_page)
        .get("/api/v1/cases", api_cases)
        .post("/api/v1/cases", api_register)
        .get("/api/v1/cases/{id}", api_case)
        .get("/api/v1/hall/measures", api_measures)
}

/// "4.5" from tenths, "—" for none.
pub fn tenths(t: Option<i64>) -> String {
    t.map(|t| format!("{}.{}", t / 10, t % 10))
        .unwrap_or_else(|| "—".into())
}

pub fn pm(p: i64) -> String {
    format!("{}.{}%", p / 10, p % 10)
}

role_set!(
    /// Everyone working cases: all roles but assessors (each sees the cases of its scope).
    pub Hall = [DistrictAdmin, DepartmentOfficer, TownOfficer, CommunityStaff, Provider]
);
/// Community staff and the admin register and work cases at the window.
pub type Window = AdminAndStaff;
role_set!(
    /// Who reads the hall's measures.
    pub MeasureReaders = [DistrictAdmin, DepartmentOfficer, TownOfficer, CommunityStaff]
);

// ------------------------------------------------------------------ worklist

#[derive(Template)]
#[template(path = "hall/worklist.html")]
struct WorklistPage {
    chrome: Chrome,
    rows: Vec<CaseRow>,
    open: i64,
    overdue: i64,
    today: NaiveDate,
    can_register: bool,
    english: bool,
}

impl WorklistPage {
    fn counts(&self) -> String {
        self.chrome
            .tr
            .f("hall.worklist.counts", &[&self.open, &self.overdue])
    }
    fn item_label<'a>(&self, r: &'a CaseRow) -> &'a str {
        if self.english && !r.item_name_en.is_empty() {
            &r.item_name_en
        } else {
            &r.item_name
        }
    }
}

pub const WORKLIST_SIZE: u64 = 100;

async fn worklist_page(u: Require<Hall>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    let today = s.db.clock().today();
    let rows = cases::worklist(&s.db, &s.district, &u, WORKLIST_SIZE).await?;
    let (open, overdue) = cases::open_counts(&s.db, &s.district, &u.scope, today).await?;
    render(&WorklistPage {
        chrome: Chrome::build(&ctx, "/hall"),
        rows,
        open,
        overdue,
        today,
        can_register: Window::ROLES.contains(&u.role),
        english: ctx.tr.lang.code() == "en",
    })
}

// ------------------------------------------------------------------ case list, ledgers

#[derive(Template)]
#[template(path = "hall/cases.html")]
struct CasesPage {
    chrome: Chrome,
    rows: Vec<CaseRow>,
    pager: Pager,
    q: CaseQuery,
    items: Vec<Item>,
    departments: Vec<(i64, String)>,
    today: NaiveDate,
    export_href: String,
    is_admin: bool,
    english: bool,
}

impl CasesPage {
    fn item_label<'a>(&self, r: &'a CaseRow) -> &'a str {
        if self.english && !r.item_name_en.is_empty() {
            &r.item_name_en
        } else {
            &r.item_name
        }
    }
    fn q_text(&self) -> &str {
        self.q.q.as_deref().unwrap_or("")
    }
    fn status_is(&self, s: &str) -> bool {
        self.q.status.as_deref() == Some(s)
    }
    fn state_is(&self, s: &str) -> bool {
        self.q.state.as_deref() == Some(s)
    }
    fn item_is(&self, id: &i64) -> bool {
        self.q.item == Some(*id)
    }
    fn dept_is(&self, id: &i64) -> bool {
        self.q.department == Some(*id)
    }
    fn year_text(&self) -> String {
        self.q.year.map(|y| y.to_string()).unwrap_or_default()
    }
    fn area_text(&self) -> &str {
        self.q.area.as_deref().unwrap_or("")
    }
}

fn case_query_string(q: &CaseQuery) -> String {
    let item = q.item.map(|i| i.to_string()).unwrap_or_default();
    let year = q.year.map(|i| i.to_string()).unwrap_or_default();
    let dept = q.department.map(|i| i.to_string()).unwrap_or_default();
    query_without_page(&[
        ("q", q.q.as_deref().unwrap_or("")),
        ("status", q.status.as_deref().unwrap_or("")),
        ("state", q.state.as_deref().unwrap_or("")),
        ("item", &item),
        ("area", q.area.as_deref().unwrap_or("")),
        ("year", &year),
        ("department", &dept),
    ])
}

pub async fn department_options(s: &AppState) -> Result<Vec<(i64, String)>> {
    #[derive(sea_orm::FromQueryResult)]
    struct D {
        id: i64,
        name: String,
    }
    let rows: Vec<D> = db::all(
        &s.db.conn,
        "SELECT id, name FROM departments WHERE active = ? ORDER BY sort_order, id",
        vals![true],
    )
    .await?;
    Ok(rows.into_iter().map(|d| (d.id, d.name)).collect())
}

async fn cases_page(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseQuery>,
) -> Result<Response> {
    let today = s.db.clock().today();
    let (rows, total, page) = cases::list(&s.db, &s.district, &u, &q, today).await?;
    let base = case_query_string(&q);
    let export_href = if base.is_empty() {
        "/hall/cases.xlsx".to_string()
    } else {
        format!("/hall/cases.xlsx?{base}")
    };
    render(&CasesPage {
        chrome: Chrome::build(&ctx, "/hall"),
        rows,
        pager: Pager::new(page, total, cases::PAGE_SIZE, base),
        items: super::state(&s).items(&s.db).await?.to_vec(),
        departments: department_options(&s).await?,
        q,
        today,
        export_href,
        is_admin: u.is_admin(),
        english: ctx.tr.lang.code() == "en",
    })
}

/// The case ledger as XLSX: every case in the user's scope and filter. A department's
/// officer gets the department's own ledger (its items and what was referred to it); the
/// admin cuts any department's with `?department=`. One entry, many ledgers.
async fn ledger_xlsx(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(mut q): Query<CaseQuery>,
) -> Result<Response> {
    let tr = &ctx.tr;
    let today = s.db.clock().today();
    // a ledger is a year's (this year's unless another is asked for), and not without limit
    if q.year.is_none() && q.q.is_none() {
        q.year = Some(today.year());
    }
    let total = cases::count(&s.db, &s.district, &u, &q, today).await?;
    if total > LEDGER_MAX_ROWS {
        return Err(AppError::Invalid(vec![
            crate::platform::error::FieldError::new("year", "hall.ledger_too_big")
                .with(LEDGER_MAX_ROWS),
        ]));
    }
    let rows = cases::ledger_rows(&s.db, &s.district, &u, &q, today).await?;
    let header: Vec<String> = [
        "number",
        "community",
        "item",
        "channel",
        "applicant",
        "phone",
        "received_on",
        "due_on",
        "status",
        "referred_to",
        "completed_on",
        "handling_days",
        "overdue",
        "rating",
    ]
    .iter()
    .map(|k| tr.t(&format!("hall.col.{k}")).to_string())
    .collect();
    let english = tr.lang.code() == "en";
    let body: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.number.clone()),
                Cell::text(r.community_name.clone()),
                Cell::text(if english && !r.item_name_en.is_empty() {
                    r.item_name_en.clone()
                } else {
                    r.item_name.clone()
                }),
                Cell::text(tr.t(&format!("hall.channel.{}", r.channel)).to_string()),
                Cell::text(r.applicant_name.to_string()),
                Cell::text(r.applicant_phone.to_string()),
                Cell::Date(r.received_on),
                r.due_on.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::text(tr.t(&format!("hall.status.{}", r.status)).to_string()),
                Cell::text(r.referred_to.clone().unwrap_or_default()),
                r.completed_on.map(Cell::Date).unwrap_or(Cell::Empty),
                r.handling_days.map(Cell::Int).unwrap_or(Cell::Empty),
                Cell::text(if r.overdue(today) || late(r) {
                    tr.t("common.yes").to_string()
                } else {
                    String::new()
                }),
                r.rating.map(Cell::Int).unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    let bytes = sheet::xlsx(
        tr.t("hall.ledger.sheet"),
        &header,
        &body,
        &[
            24.0, 14.0, 20.0, 8.0, 10.0, 14.0, 12.0, 12.0, 8.0, 22.0, 12.0, 8.0, 6.0, 6.0,
        ],
        1,
    )?;
    let name = match q.department {
        Some(d) => format!("hall-ledger-department-{d}.xlsx"),
        None => match &u.scope {
            Scope::Department(d) => format!("hall-ledger-department-{d}.xlsx"),
            _ => "hall-ledger.xlsx".to_string(),
        },
    };
    Ok(sheet::xlsx_response(bytes, &name))
}

/// The most rows one ledger export holds (an XLSX sheet takes 1,048,576; a village PC opens
/// far fewer with comfort).
pub const LEDGER_MAX_ROWS: u64 = 200_000;

/// Completed after its deadline.
fn late(r: &CaseRow) -> bool {
    matches!((r.completed_on, r.due_on), (Some(c), Some(d)) if c > d)
}

// ------------------------------------------------------------------ registering

#[derive(Deserialize, Default)]
#[serde(default)]
struct RegisterQuery {
    resident: Option<i64>,
    q: Option<String>,
    item: Option<i64>,
}

#[derive(Template)]
#[template(path = "hall/register.html")]
struct RegisterPage {
    chrome: Chrome,
    form: FormState,
    items: Vec<Item>,
    /// Community staff register for their own community; the admin types the code.
    fixed_community: Option<(String, String)>,
    found: Vec<residents::Resident>,
    search: String,
    english: bool,
}

impl RegisterPage {
    fn v(&self, f: &str) -> String {
        self.form.value("case", f)
    }
    fn e(&self, f: &str) -> String {
        self.form.error("case", f)
    }
    fn item_selected(&self, id: &i64) -> bool {
        self.v("item") == id.to_string()
    }
    /// The catalogue by group (小事 / 小病 / 求职 / other), for the item list.
    fn grouped(&self) -> Vec<(&'static str, Vec<&Item>)> {
        crate::hall::catalogue::GROUPS
            .iter()
            .map(|g| {
                (
                    *g,
                    self.items
                        .iter()
                        .filter(|i| i.group_key == *g)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
}

async fn register_page(
    u: Require<Window>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RegisterQuery>,
) -> Result<Response> {
    let mut values = vec![];
    if let Some(rid) = q.resident {
        let r = residents::load(&s.db, &s.district, &u, rid).await?;
        values.push(("resident_id", rid.to_string()));
        values.push(("applicant_name", r.name.to_string()));
        values.push((
            "applicant_phone",
            r.phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        ));
        values.push(("community", r.community_code.clone()));
    }
    if let Some(i) = q.item {
        values.push(("item", i.to_string()));
    }
    let found = match q.q.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
        Some(text) => {
            let f = residents::ResidentQuery {
                q: Some(text.to_string()),
                ..Default::default()
            };
            residents::search(&s.db, &s.district, &u, &f).await?.0
        }
        None => vec![],
    };
    let form = FormState::from_error("case", &ctx.tr, &[], values);
    show_register(&s, &ctx, &u, form, found, q.q.unwrap_or_default()).await
}

async fn show_register(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    form: FormState,
    found: Vec<residents::Resident>,
    search: String,
) -> Result<Response> {
    let fixed_community = match &u.scope {
        Scope::Community(c) => Some((c.as_str().to_string(), u.scope_label.clone())),
        _ => None,
    };
    let items = super::state(s)
        .items(&s.db)
        .await?
        .iter()
        .filter(|i| i.active)
        .cloned()
        .collect();
    let page = RegisterPage {
        chrome: Chrome::build(ctx, "/hall"),
        form,
        items,
        fixed_community,
        found,
        search,
        english: ctx.tr.lang.code() == "en",
    };
    render_form(&page, &page.form)
}

/// Check a window registration: the community is the staff member's own.
async fn check_window_input(
    s: &AppState,
    u: &CurrentUser,
    mut f: CaseInput,
) -> Result<(cases::NewCase, CaseInput)> {
    if let Scope::Community(c) = &u.scope {
        f.community = c.as_str().to_string();
    }
    let items = super::state(s).items(&s.db).await?;
    let n = f.check(&items, "window", false)?;
    Ok((n, f))
}

async fn post_register(
    u: Require<Window>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<CaseInput>,
) -> Result<Response> {
    let result = match check_window_input(&s, &u, f.clone()).await {
        Ok((n, _)) => {
            let cal = super::state(&s).calendar(&s.db).await?;
            cases::register(&s.db, &s.district, &cal, &u.actor(), &n, s.db.clock().now()).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((reg, notice)) => {
            super::state(&s).notify(notice);
            Ok(crate::platform::http::redirect(&format!(
                "/hall/cases/{}?registered=1",
                reg.id
            )))
        }
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error(
                "case",
                &ctx.tr,
                &errs,
                vec![
                    ("community", f.community),
                    ("item", f.item),
                    ("resident_id", f.resident_id),
                    ("applicant_name", f.applicant_name),
                    ("applicant_phone", f.applicant_phone),
                    ("id_number", f.id_number),
                    ("description", f.description),
                    ("address", f.address),
                ],
            );
            show_register(&s, &ctx, &u, form, vec![], String::new()).await
        }
        Err(e) => Err(e),
    }
}

/// A case registered through the API (JSON), as at the window.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApiRegistration {
    /// The community (12 digits); community staff may leave it out.
    #[serde(default)]
    pub community: String,
    /// The item's id or code.
    pub item: String,
    #[serde(default)]
    pub resident_id: Option<i64>,
    pub applicant_name: String,
    #[serde(default)]
    pub applicant_phone: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub address: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiRegistered {
    pub id: i64,
    pub number: String,
    pub due_on: Option<NaiveDate>,
}

/// Register a case at the window (community staff, the admin).
#[utoipa::path(post, path = "/api/v1/cases", tag = "hall",
    request_body = ApiRegistration,
    responses((status = 201, body = ApiRegistered), (status = 422, description = "field errors")))]
pub async fn api_register(
    u: Require<Window>,
    State(s): State<AppState>,
    ApiJson(b): ApiJson<ApiRegistration>,
) -> Result<Response> {
    let f = CaseInput {
        community: b.community,
        item: b.item,
        resident_id: b.resident_id.map(|r| r.to_string()).unwrap_or_default(),
        applicant_name: b.applicant_name,
        applicant_phone: b.applicant_phone,
        id_number: b.id_number,
        description: b.description,
        address: b.address,
    };
    let (n, _) = check_window_input(&s, &u, f).await?;
    let cal = super::state(&s).calendar(&s.db).await?;
    let (reg, notice) =
        cases::register(&s.db, &s.district, &cal, &u.actor(), &n, s.db.clock().now()).await?;
    super::state(&s).notify(notice);
    Ok((
        StatusCode::CREATED,
        Json(ApiRegistered {
            id: reg.id,
            number: reg.number,
            due_on: reg.due_on,
        }),
    )
        .into_response())
}

// ------------------------------------------------------------------ one case

#[derive(Deserialize, Default)]
#[serde(default)]
struct CaseView {
    registered: Option<String>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "hall/case.html")]
struct CasePage {
    chrome: Chrome,
    c: CaseFull,
    item: Item,
    events: Vec<Event>,
    form: FormState,
    steps: Vec<&'static str>,
    departments: Vec<(i64, String)>,
    providers: Vec<Provider>,
    default_deadline: NaiveDate,
    today: NaiveDate,
    registered: bool,
    saved: bool,
    english: bool,
    /// Whether the caller may write what the public reads of this request.
    can_publish: bool,
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
fn could_act(u: &CurrentUser, c: &CaseFull) -> bool {
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
fn offered_steps(u: &CurrentUser, c: &CaseFull) -> Vec<&'static str> {
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

async fn show_case(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    form: FormState,
    view: CaseView,
) -> Result<Response> {
    let today = s.db.clock().today();
    let c = cases::load(&s.db, &s.district, u, id).await?;
    let items = super::state(s).items(&s.db).await?;
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
    let cal = super::state(s).calendar(&s.db).await?;
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

async fn case_page(
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

async fn post_step(
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
            let cal = super::state(&s).calendar(&s.db).await?;
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
    match result {
        Ok(notice) => {
            super::state(&s).notify(notice);
            Ok(crate::platform::http::redirect(&format!(
                "/hall/cases/{id}?saved=1"
            )))
        }
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error("step", &ctx.tr, &errs, f.values());
            show_case(&s, &ctx, &u, id, form, CaseView::default()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PublicForm {
    public_description: String,
}

/// What the public reads of a request (Open311's list): written by staff, never the
/// applicant's own words.
async fn post_public(
    u: Require<Window>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PublicForm>,
) -> Result<Response> {
    match cases::set_public_description(&s.db, &s.district, &u, id, &f.public_description).await {
        Ok(()) => Ok(crate::platform::http::redirect(&format!(
            "/hall/cases/{id}?saved=public"
        ))),
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error(
                "public",
                &ctx.tr,
                &errs,
                vec![("public_description", f.public_description)],
            );
            show_case(&s, &ctx, &u, id, form, CaseView::default()).await
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------ measures

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct MeasuresQuery {
    /// Year of receipt (default: this year).
    pub year: Option<i32>,
    /// One town (9 or 12 digits).
    pub town: Option<String>,
}

async fn build_measures(
    s: &AppState,
    u: &CurrentUser,
    q: &MeasuresQuery,
    english: bool,
) -> Result<Measures> {
    let today = s.db.clock().today();
    let year = q.year.unwrap_or(today.year());
    if !(2000..=2200).contains(&year) {
        return Err(AppError::invalid("year", "hall.bad_year"));
    }
    let town = match q.town.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(
            DivisionCode::parse_level(t, Level::Town)
                .map_err(|_| AppError::invalid("town", "geo.bad_town_code"))?,
        ),
        None => None,
    };
    let items = super::state(s).items(&s.db).await?;
    let names = area_names(s).await?;
    measures::measures(
        &s.db,
        &s.district,
        &u.scope,
        &measures::Ask {
            year,
            town: town.as_ref(),
            items: &items,
            names: &names,
            english,
            today,
        },
    )
    .await
}

/// Names of the district's towns and communities by code.
async fn area_names(s: &AppState) -> Result<BTreeMap<String, String>> {
    let (lo, hi) = s.district.descendant_range();
    let rows: Vec<Vec<String>> = db::all_json(
        &s.db.conn,
        &["code", "name"],
        "SELECT code, name FROM divisions WHERE code BETWEEN ? AND ? AND level >= 4",
        vals![lo, hi],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|mut r| {
            let name = r.pop()?;
            let code = r.pop()?;
            Some((code, name))
        })
        .collect())
}

#[derive(Template)]
#[template(path = "hall/measures.html")]
struct MeasuresPage {
    chrome: Chrome,
    m: Measures,
    years: Vec<i32>,
    towns: Vec<crate::geo::store::TownOption>,
    town: String,
    /// The tables, each after its chart (if any): by group, town, department, item, and the
    /// communities with the highest overdue share.
    tables: Vec<MeasureTable>,
}

/// One table of the measures page: a heading, a column name, and labelled lines.
struct MeasureTable {
    heading: String,
    hint: String,
    first_column: String,
    chart: String,
    rows: Vec<(String, Option<String>, Counters)>,
}

impl MeasuresPage {
    fn median(&self, c: &Counters) -> String {
        match c.median_days() {
            None => "—".into(),
            Some(d) if d >= crate::hall::rules::HIST_BUCKETS - 1 => "> 20".into(),
            Some(d) => d.to_string(),
        }
    }
    fn sat(&self, c: &Counters) -> String {
        tenths(c.satisfaction_tenths())
    }
    fn pm(&self, p: i64) -> String {
        pm(p)
    }
    fn town_selected(&self, code: &str) -> bool {
        self.town == code
    }
}

async fn measures_page(
    u: Require<MeasureReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeasuresQuery>,
) -> Result<Response> {
    let tr = &ctx.tr;
    let m = build_measures(&s, &u, &q, tr.lang.code() == "en").await?;
    let town_chart = if m.by_town.len() > 1 {
        share_chart(
            tr.t("hall.measures.chart_in_community"),
            &m.by_town
                .iter()
                .map(|l| ShareBar {
                    label: l.label.clone(),
                    permille: l.c.in_community_pm(),
                    target_pct: None,
                    href: Some(format!("/hall/measures?year={}&town={}", m.year, l.key)),
                })
                .collect::<Vec<_>>(),
        )
    } else {
        String::new()
    };
    let group_chart = bar_chart(
        tr.t("hall.measures.chart_groups"),
        &m.by_group
            .iter()
            .map(|l| Bar {
                label: tr.t(&format!("hall.group.{}", l.key)).to_string(),
                value: l.c.received,
                href: None,
            })
            .collect::<Vec<_>>(),
    );
    let mut worst = m.by_community.clone();
    worst.sort_by(|a, b| {
        b.c.overdue_pm()
            .cmp(&a.c.overdue_pm())
            .then(a.key.cmp(&b.key))
    });
    worst.truncate(30);
    let plain = |lines: &[Line]| -> Vec<(String, Option<String>, Counters)> {
        lines
            .iter()
            .map(|l| (l.label.clone(), None, l.c.clone()))
            .collect()
    };
    let mut tables = vec![MeasureTable {
        heading: tr.t("hall.measures.by_group").into(),
        hint: String::new(),
        first_column: tr.t("hall.measures.group").into(),
        chart: group_chart,
        rows: m
            .by_group
            .iter()
            .map(|l| {
                (
                    tr.t(&format!("hall.group.{}", l.key)).to_string(),
                    None,
                    l.c.clone(),
                )
            })
            .collect(),
    }];
    if !town_chart.is_empty() {
        tables.push(MeasureTable {
            heading: tr.t("hall.measures.by_town").into(),
            hint: String::new(),
            first_column: tr.t("geo.col.town").into(),
            chart: town_chart,
            rows: m
                .by_town
                .iter()
                .map(|l| {
                    let href = format!("/hall/measures?year={}&town={}", m.year, l.key);
                    (l.label.clone(), Some(href), l.c.clone())
                })
                .collect(),
        });
    }
    tables.push(MeasureTable {
        heading: tr.t("hall.measures.by_department").into(),
        hint: String::new(),
        first_column: tr.t("hall.measures.department").into(),
        chart: String::new(),
        rows: m
            .by_department
            .iter()
            .map(|l| {
                // lines not owned by a department are named by their owner's kind
                let label = if l.label.is_empty() {
                    tr.t(&format!("hall.owner.{}", l.key.trim_start_matches("o-")))
                        .to_string()
                } else {
                    l.label.clone()
                };
                (label, None, l.c.clone())
            })
            .collect(),
    });
    tables.push(MeasureTable {
        heading: tr.t("hall.measures.by_item").into(),
        hint: String::new(),
        first_column: tr.t("hall.col.item").into(),
        chart: String::new(),
        rows: plain(&m.by_item),
    });
    if !worst.is_empty() {
        tables.push(MeasureTable {
            heading: tr.t("hall.measures.by_community").into(),
            hint: tr.t("hall.measures.community_hint").into(),
            first_column: tr.t("hall.col.community").into(),
            chart: String::new(),
            rows: plain(&worst),
        });
    }
    let this = s.db.clock().today().year();
    render(&MeasuresPage {
        chrome: Chrome::build(&ctx, "/hall"),
        years: (this - 4..=this).rev().collect(),
        towns: crate::geo::web::town_options(&s, &u.scope).await?,
        town: q.town.clone().unwrap_or_default(),
        tables,
        m,
    })
}

// ------------------------------------------------------------------ API

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseList {
    pub total: u64,
    pub page: u64,
    pub cases: Vec<CaseRow>,
}

/// Cases in the caller's scope (personal data masked for roles that need none).
#[utoipa::path(get, path = "/api/v1/cases", tag = "hall", params(CaseQuery),
    responses((status = 200, body = CaseList)))]
pub async fn api_cases(
    u: Require<Hall>,
    State(s): State<AppState>,
    Query(q): Query<CaseQuery>,
) -> Result<Json<CaseList>> {
    let (cases, total, page) =
        cases::list(&s.db, &s.district, &u, &q, s.db.clock().today()).await?;
    Ok(Json(CaseList { total, page, cases }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseWithTimeline {
    #[serde(flatten)]
    pub case: CaseFull,
    pub events: Vec<Event>,
}

/// One case with its timeline.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "hall",
    responses((status = 200, body = CaseWithTimeline), (status = 404)))]
pub async fn api_case(
    u: Require<Hall>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CaseWithTimeline>> {
    let case = cases::load(&s.db, &s.district, &u, id).await?;
    let events = cases::events(&s.db, &case).await?;
    Ok(Json(CaseWithTimeline { case, events }))
}

/// The hall's measures for the caller's scope.
#[utoipa::path(get, path = "/api/v1/hall/measures", tag = "hall", params(MeasuresQuery),
    responses((status = 200, body = Measures)))]
pub async fn api_measures(
    u: Require<MeasureReaders>,
    State(s): State<AppState>,
    Query(q): Query<MeasuresQuery>,
) -> Result<Json<Measures>> {
    Ok(Json(build_measures(&s, &u, &q, false).await?))
}
