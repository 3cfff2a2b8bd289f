//! The register's pages and API: the list with the certified-social-worker coverage of the
//! territory, a worker's record (periods, certificates) and its forms.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};

use crate::platform::auth::CurrentUser;
use crate::platform::auth::guard::{Require, Territorial};

use crate::platform::error::Result;
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, redirect_or_show, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, page_number, query_without_page};
use crate::platform::i18n::Tr;
use crate::workers::accounts::{self, Account};
use crate::workers::certificates::{self as certs, CertificateInput, CertificateRow};
use crate::workers::rules::{CertificateLevel, Coverage, Education, Employment, Political, Post};
use crate::workers::secondments::{self, Secondment};
use crate::workers::store::{self, PeriodRow, Worker, WorkerInput, WorkerQuery};
use crate::workers::training::{self, Attended, Continuing};

/// Who keeps and reads the register: the district, towns and communities' staff.
pub type Keepers = Territorial;

/// One field of a form, drawn by the templates' one loop.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    /// text, date, select
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub error: String,
    pub hint: String,
}

impl Field {
    pub fn selected(&self, v: &str) -> bool {
        self.value == v
    }
}

/// The labels of a keyed enum's values for a select: (key, label in `group`).
pub fn label_options<T: Copy>(
    tr: &Tr,
    group: &str,
    all: &[T],
    key: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|x| {
            let k = key(*x);
            (k.to_string(), tr.t(&format!("{group}.{k}")).to_string())
        })
        .collect()
}

fn worker_fields(
    tr: &Tr,
    form: &FormState,
    w: Option<&Worker>,
    units: Vec<(String, String)>,
    today: NaiveDate,
    show_pay: bool,
) -> Vec<Field> {
    let sent = form.form == "worker";
    let value = |name: &str, current: String| {
        if sent {
            form.value("worker", name)
        } else {
            current
        }
    };
    let cur = |f: fn(&Worker) -> String| w.map(f).unwrap_or_default();
    let field = |name: &'static str,
                 kind: &'static str,
                 current: String,
                 options: Vec<(String, String)>| Field {
        name,
        label: tr.t(&format!("workers.field.{name}")).to_string(),
        kind,
        value: value(name, current),
        options,
        error: form.error("worker", name),
        hint: String::new(),
    };
    let mut id = field(
        "id_number",
        "text",
        cur(|w| w.id_number.as_ref().map(|i| i.shown()).unwrap_or_default()),
        vec![],
    );
    id.hint = tr.t("workers.id_number_hint").to_string();
    let mut fields = vec![
        field("unit", "select", cur(|w| w.unit_code.clone()), units),
        field("name", "text", cur(|w| w.name.shown()), vec![]),
        id,
        field(
            "gender",
            "select",
            cur(|w| if w.male { "male" } else { "female" }.to_string()),
            vec![
                ("male".into(), tr.t("workers.gender.male").to_string()),
                ("female".into(), tr.t("workers.gender.female").to_string()),
            ],
        ),
        field(
            "birth_date",
            "date",
            cur(|w| w.birth_date.to_string()),
            vec![],
        ),
        field(
            "education",
            "select",
            cur(|w| w.education.clone()),
            label_options(tr, "workers.education", Education::ALL, Education::key),
        ),
        field(
            "political",
            "select",
            cur(|w| w.political.clone()),
            label_options(tr, "workers.political", Political::ALL, Political::key),
        ),
        field(
            "post",
            "select",
            cur(|w| w.post.clone()),
            label_options(tr, "workers.post", Post::ALL, Post::key),
        ),
        field(
            "employment",
            "select",
            cur(|w| w.employment.clone()),
            label_options(tr, "workers.employment", Employment::ALL, Employment::key),
        ),
        field(
            "start_on",
            "date",
            w.map(|w| w.start_on.to_string())
                .unwrap_or_else(|| today.to_string()),
            vec![],
        ),
        field(
            "contract_end",
            "date",
            cur(|w| w.contract_end.map(|d| d.to_string()).unwrap_or_default()),
            vec![],
        ),
        field("phone", "text", cur(|w| w.phone.shown()), vec![]),
        field(
            "pay",
            "text",
            cur(|w| {
                w.pay_fen
                    .map(|f| crate::platform::types::Fen(f).yuan_string())
                    .unwrap_or_default()
            }),
            vec![],
        ),
    ];
    // pay on a registered worker only for those who see it (the store keeps it for the others)
    fields.retain(|f| show_pay || f.name != "pay");
    fields
}

#[derive(Template)]
#[template(path = "workers/list.html")]
struct ListPage {
    chrome: Chrome,
    workers: Vec<Worker>,
    pager: Pager,
    q: WorkerQuery,
    posts: Vec<(String, String)>,
    coverage: Coverage,
    without: Vec<(String, String)>,
    can_register: bool,
    is_admin: bool,
    today: NaiveDate,
    xlsx_href: String,
}

impl ListPage {
    fn label(&self, group: &str, key: &str) -> String {
        self.chrome.t(&format!("workers.{group}.{key}")).to_string()
    }
    fn coverage_of(&self) -> String {
        self.chrome.tr.f(
            "workers.coverage_of",
            &[&self.coverage.covered, &self.coverage.communities],
        )
    }
    fn coverage_pct(&self) -> String {
        let p = self.coverage.permille();
        format!("{}.{}%", p / 10, p % 10)
    }
    fn is_district(&self) -> bool {
        self.is_admin
    }
    fn csv_href(&self) -> String {
        self.xlsx_href.replacen("/workers.xlsx", "/workers.csv", 1)
    }
    fn certified_is(&self, v: &str) -> bool {
        self.q.certified.as_deref() == Some(v)
    }
    fn post_is(&self, v: &str) -> bool {
        self.q.post.as_deref() == Some(v)
    }
}

async fn list_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(mut q): Query<WorkerQuery>,
) -> Result<Response> {
    let today = ctx.clock.today();
    q.page = Some(page_number(q.page));
    let (workers, total) = store::list(&s.db, &s.district, &u, &q, today).await?;
    let (coverage, without) = certs::coverage(&s.db, &s.district, &u, today).await?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let (unit, post, certified, due) = (opt(&q.unit), opt(&q.post), opt(&q.certified), opt(&q.due));
    let base = query_without_page(&[
        ("unit", &unit),
        ("post", &post),
        ("certified", &certified),
        ("due", &due),
    ]);
    let xlsx_href = match base.as_str() {
        "" => "/workers.xlsx".to_string(),
        b => format!("/workers.xlsx?{b}"),
    };
    let page = ListPage {
        chrome: Chrome::build(&ctx, "/workers"),
        xlsx_href,
        pager: Pager::new(q.page.unwrap_or(1), total, store::PER_PAGE, base),
        posts: label_options(&ctx.tr, "workers.post", Post::ALL, Post::key),
        workers,
        q,
        coverage,
        without,
        is_admin: matches!(u.role, crate::platform::auth::Role::DistrictAdmin),
        can_register: !store::writable_units(&s.db, &s.district, &u)
            .await?
            .is_empty(),
        today,
    };
    crate::platform::http::render(&page)
}

type Table = (Vec<String>, Vec<Vec<crate::platform::sheet::Cell>>);

/// The register as a table for the downloads, as filtered, with Chinese headers (or the
/// page's language), personal fields as the caller may see them.
async fn register_table(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    q: &WorkerQuery,
) -> Result<Table> {
    use crate::platform::sheet::Cell;
    let today = ctx.clock.today();
    let workers = store::all(&s.db, &s.district, u, q, today).await?;
    let tr = &ctx.tr;
    let f = |k: &str| tr.t(&format!("workers.field.{k}")).to_string();
    let headers = vec![
        f("unit"),
        f("name"),
        f("gender"),
        tr.t("workers.age").to_string(),
        f("education"),
        f("political"),
        f("post"),
        f("employment"),
        f("start_on"),
        f("contract_end"),
        f("id_number"),
        f("phone"),
        f("pay"),
        tr.t("workers.certified").to_string(),
    ];
    let label =
        |group: &str, k: &str| Cell::text(tr.t(&format!("workers.{group}.{k}")).to_string());
    let rows: Vec<Vec<Cell>> = workers
        .iter()
        .map(|w| {
            vec![
                Cell::text(w.unit_name.clone()),
                Cell::text(w.name.shown()),
                label("gender", if w.male { "male" } else { "female" }),
                Cell::Int(i64::from(w.age_on(today))),
                label("education", &w.education),
                label("political", &w.political),
                label("post", &w.post),
                label("employment", &w.employment),
                Cell::Date(w.start_on),
                w.contract_end.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::text(w.id_number.as_ref().map(|i| i.shown()).unwrap_or_default()),
                Cell::text(w.phone.shown()),
                w.pay_fen.map(Cell::Money).unwrap_or(Cell::Empty),
                Cell::text(if w.certified > 0 {
                    tr.t("workers.certified_yes").to_string()
                } else {
                    String::new()
                }),
            ]
        })
        .collect();
    Ok((headers, rows))
}

/// The register as an Excel file.
async fn list_xlsx(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WorkerQuery>,
) -> Result<Response> {
    use crate::platform::sheet;
    let (headers, rows) = register_table(&s, &ctx, &u, &q).await?;
    let bytes = sheet::xlsx(
        ctx.tr.t("workers.title"),
        &headers,
        &rows,
        &[
            16.0, 10.0, 6.0, 6.0, 12.0, 12.0, 14.0, 14.0, 12.0, 12.0, 20.0, 14.0, 12.0, 8.0,
        ],
        2,
    )?;
    Ok(sheet::xlsx_response(bytes, "workers.xlsx"))
}

/// The register as CSV (UTF-8 with a BOM, for Excel and WPS).
async fn list_csv(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WorkerQuery>,
) -> Result<Response> {
    use crate::platform::sheet;
    let (headers, rows) = register_table(&s, &ctx, &u, &q).await?;
    Ok(sheet::csv_response(
        sheet::csv(&headers, &rows)?,
        "workers.csv",
    ))
}

/// A page of the register.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WorkerList {
    /// Workers matching the filters, in all.
    pub total: u64,
    pub workers: Vec<Worker>,
}

/// A worker's record: the worker today, their periods and certificates.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WorkerRecord {
    pub worker: Worker,
    pub periods: Vec<PeriodRow>,
    pub certificates: Vec<CertificateRow>,
    pub training: Vec<Attended>,
    pub secondments: Vec<Secondment>,
}

/// The register in the caller's territory, 100 a page (`page`), personal fields as the caller
/// may see them.
#[utoipa::path(get, path = "/api/v1/workers", tag = "workers", security(("bearer" = [])),
    params(WorkerQuery),
    responses((status = 200, body = WorkerList), (status = 401), (status = 403)))]
pub async fn api_list(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WorkerQuery>,
) -> Result<Json<WorkerList>> {
    let (workers, total) = store::list(&s.db, &s.district, &u, &q, ctx.clock.today()).await?;
    Ok(Json(WorkerList { total, workers }))
}

/// What a write through the API made.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Made {
    pub id: i64,
}

/// Register a worker (the same checks, scope and audit as the form; every field a string as
/// the form sends it).
#[utoipa::path(post, path = "/api/v1/workers", tag = "workers", security(("bearer" = [])),
    request_body = WorkerInput,
    responses((status = 201, body = Made), (status = 401), (status = 403),
        (status = 422, description = "field errors")))]
pub async fn api_create(
    u: Require<Keepers>,
    State(s): State<AppState>,
    crate::platform::http::json::ApiJson(i): crate::platform::http::json::ApiJson<WorkerInput>,
) -> Result<Response> {
    let id = store::save(&s.db, &s.district, &u, None, &i).await?;
    Ok(created(id))
}

fn created(id: i64) -> Response {
    use axum::response::IntoResponse;
    (axum::http::StatusCode::CREATED, Json(Made { id })).into_response()
}

/// Record a certificate on a worker's record.
#[utoipa::path(post, path = "/api/v1/workers/{id}/certificates", tag = "workers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The worker's id")),
    request_body = CertificateInput,
    responses((status = 201, body = Made), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "field errors")))]
pub async fn api_add_certificate(
    u: Require<Keepers>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    crate::platform::http::json::ApiJson(i): crate::platform::http::json::ApiJson<CertificateInput>,
) -> Result<Response> {
    let cid = certs::add_certificate(&s.db, &s.district, &u, id, &i).await?;
    Ok(created(cid))
}

/// A worker's record.
#[utoipa::path(get, path = "/api/v1/workers/{id}", tag = "workers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The worker's id")),
    responses((status = 200, body = WorkerRecord), (status = 401), (status = 403), (status = 404)))]
pub async fn api_worker(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<WorkerRecord>> {
    let worker = store::load(&s.db, &s.district, &u, id, ctx.clock.today()).await?;
    let periods = store::periods(&s.db, &worker).await?;
    let certificates = certs::certificates(&s.db, &worker).await?;
    let training = training::of_worker(&s.db, &worker).await?;
    let secondments = secondments::of_worker(&s.db, &worker).await?;
    Ok(Json(WorkerRecord {
        worker,
        periods,
        certificates,
        training,
        secondments,
    }))
}

#[derive(Template)]
#[template(path = "workers/worker.html")]
pub(crate) struct WorkerPage {
    chrome: Chrome,
    w: Option<Worker>,
    periods: Vec<PeriodRow>,
    certificates: Vec<CertificateRow>,
    fields: Vec<Field>,
    cert_fields: Vec<Field>,
    form: FormState,
    can_edit: bool,
    /// What was just saved: `certificate`, `training`, or the record.
    saved: Option<String>,
    today: NaiveDate,
    training: Vec<Attended>,
    hours_this_year: u32,
    hours_target: Option<i32>,
    continuing: Vec<Continuing>,
    ce_required: u32,
    /// Courses the worker may be enrolled in (for those who keep their record).
    open_courses: Vec<(String, String)>,
    account: Option<Account>,
    secondments: Vec<Secondment>,
    secondment_fields: Vec<Field>,
    /// The district's: accounts of the unit that may be linked, the username offered for a
    /// new one, and the one just made with its first password (shown this once).
    is_admin: bool,
    account_candidates: Vec<Account>,
    suggested_username: String,
    pub(crate) new_account: Option<(String, String)>,
}

impl WorkerPage {
    fn saved_message(&self) -> String {
        match self.saved.as_deref() {
            Some("certificate") => self.chrome.t("workers.saved_certificate").to_string(),
            Some("training") => self
                .chrome
                .t("workers.training.saved_enrolled_one")
                .to_string(),
            Some("account") => self.chrome.t("workers.account.saved_link").to_string(),
            Some("secondment") => self.chrome.t("workers.secondment.saved").to_string(),
            Some("report") => self.chrome.t("workers.secondment.saved_report").to_string(),
            Some("hired") => self.chrome.t("workers.recruitment.saved_hired").to_string(),
            _ => self.chrome.t("workers.saved").to_string(),
        }
    }
    fn label(&self, group: &str, key: &str) -> String {
        self.chrome.t(&format!("workers.{group}.{key}")).to_string()
    }
    fn age(&self) -> u32 {
        self.w.as_ref().map(|w| w.age_on(self.today)).unwrap_or(0)
    }
    fn role(&self, k: &str) -> String {
        self.chrome.tk("roles", k).to_string()
    }
    fn account_value(&self) -> String {
        if self.form.form == "account" {
            self.form.value("account", "username")
        } else {
            self.suggested_username.clone()
        }
    }
    fn cert_valid(&self, c: &CertificateRow) -> bool {
        c.rule().valid_on(self.today)
    }
    fn kind(&self, k: &str) -> String {
        self.chrome
            .t(&format!("workers.course_kind.{k}"))
            .to_string()
    }
    fn this_year_text(&self) -> String {
        self.chrome.tr.f(
            "workers.training.this_year",
            &[&self.today.year(), &self.hours_this_year],
        )
    }
    fn continuing_text(&self, c: &Continuing) -> String {
        self.chrome.tr.f(
            "workers.training.continuing",
            &[&c.from, &c.until, &c.done, &self.ce_required],
        )
    }
    fn pay(&self) -> String {
        self.w
            .as_ref()
            .and_then(|w| w.pay_fen)
            .map(|f| crate::platform::types::Fen(f).yuan_string())
            .unwrap_or_default()
    }
}

fn cert_fields(tr: &Tr, form: &FormState) -> Vec<Field> {
    let field = |name: &'static str, kind: &'static str, options: Vec<(String, String)>| Field {
        name,
        label: tr.t(&format!("workers.field.{name}")).to_string(),
        kind,
        value: form.value("certificate", name),
        options,
        error: form.error("certificate", name),
        hint: String::new(),
    };
    vec![
        field(
            "level",
            "select",
            label_options(
                tr,
                "workers.level",
                CertificateLevel::ALL,
                CertificateLevel::key,
            ),
        ),
        field("number", "text", vec![]),
        field("obtained_on", "date", vec![]),
        field("registered_until", "date", vec![]),
    ]
}

pub async fn show_worker(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: Option<i64>,
    form: FormState,
    saved: Option<String>,
) -> Result<Response> {
    let page = worker_page_of(s, ctx, u, id, form, saved).await?;
    render_form(&page, &page.form)
}

pub(crate) async fn worker_page_of(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: Option<i64>,
    form: FormState,
    saved: Option<String>,
) -> Result<WorkerPage> {
    let today = ctx.clock.today();
    let w = match id {
        Some(id) => Some(store::load(&s.db, &s.district, u, id, today).await?),
        None => None,
    };
    let (periods, certificates) = match &w {
        Some(w) => (
            store::periods(&s.db, w).await?,
            certs::certificates(&s.db, w).await?,
        ),
        None => (vec![], vec![]),
    };
    let can_edit = match &w {
        Some(w) => store::may_write(u, &w.unit_code),
        None => true,
    };
    let units = store::writable_units(&s.db, &s.district, u).await?;
    if w.is_none() && units.is_empty() {
        return Err(crate::platform::error::AppError::Forbidden);
    }
    let training = match &w {
        Some(w) => training::of_worker(&s.db, w).await?,
        None => vec![],
    };
    let norms = crate::workers::norms::norms(&s.db).await?;
    let targets = crate::workers::norms::targets(&s.db).await?;
    let open_courses = if can_edit && w.is_some() {
        training::open_courses(&s.db, &s.district, u, today)
            .await?
            .into_iter()
            .filter(|c| !training.iter().any(|a| a.course_id == c.id))
            .map(|c| {
                (
                    c.id.to_string(),
                    ctx.tr.f(
                        "workers.training.option",
                        &[&c.title, &c.starts_on, &c.ends_on, &c.hours],
                    ),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let is_admin = matches!(u.role, crate::platform::auth::Role::DistrictAdmin);
    let (account, account_candidates) = match &w {
        Some(w) => (
            accounts::linked(&s.db, w).await?,
            if is_admin {
                accounts::candidates(&s.db, w).await?
            } else {
                vec![]
            },
        ),
        None => (None, vec![]),
    };
    let secondments = match &w {
        Some(w) => secondments::of_worker(&s.db, w).await?,
        None => vec![],
    };
    Ok(WorkerPage {
        chrome: Chrome::build(ctx, "/workers"),
        secondment_fields: crate::workers::record_pages::secondment_fields(&ctx.tr, &form),
        secondments,
        suggested_username: w
            .as_ref()
            .map(accounts::suggested_username)
            .unwrap_or_default(),
        account,
        account_candidates,
        is_admin,
        new_account: None,
        hours_this_year: training::hours_in(&training, today.year()),
        hours_target: crate::workers::norms::target_for(&targets, today.year())
            .map(|t| t.training_hours),
        continuing: training::continuing(&certificates, &training, norms.ce_hours, today),
        ce_required: norms.ce_hours,
        training,
        open_courses,
        fields: worker_fields(
            &ctx.tr,
            &form,
            w.as_ref(),
            units,
            today,
            w.is_none() || store::sees_pay(u),
        ),
        cert_fields: cert_fields(&ctx.tr, &form),
        w,
        periods,
        certificates,
        form,
        can_edit,
        saved,
        today,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn new_page(u: Require<Keepers>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    show_worker(&s, &ctx, &u, None, FormState::default(), None).await
}

async fn worker_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    show_worker(&s, &ctx, &u, Some(id), FormState::default(), q.saved).await
}

fn input_values(i: &WorkerInput) -> Vec<(&'static str, String)> {
    vec![
        ("unit", i.unit.clone()),
        ("name", i.name.clone()),
        ("id_number", i.id_number.clone()),
        ("gender", i.gender.clone()),
        ("birth_date", i.birth_date.clone()),
        ("education", i.education.clone()),
        ("political", i.political.clone()),
        ("post", i.post.clone()),
        ("employment", i.employment.clone()),
        ("start_on", i.start_on.clone()),
        ("contract_end", i.contract_end.clone()),
        ("phone", i.phone.clone()),
        ("pay", i.pay.clone()),
        ("revision", i.revision.clone()),
    ]
}

async fn create(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(input): CsrfForm<WorkerInput>,
) -> Result<Response> {
    let result = store::save(&s.db, &s.district, &u, None, &input)
        .await
        .map(|id| format!("/workers/{id}?saved=1"));
    redirect_or_show(result, "worker", &ctx.tr, input_values(&input), |form| {
        show_worker(&s, &ctx, &u, None, form, None)
    })
    .await
}

async fn update(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(input): CsrfForm<WorkerInput>,
) -> Result<Response> {
    let result = store::save(&s.db, &s.district, &u, Some(id), &input)
        .await
        .map(|id| format!("/workers/{id}?saved=1"));
    redirect_or_show(result, "worker", &ctx.tr, input_values(&input), |form| {
        show_worker(&s, &ctx, &u, Some(id), form, None)
    })
    .await
}

async fn add_certificate(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(input): CsrfForm<CertificateInput>,
) -> Result<Response> {
    let result = certs::add_certificate(&s.db, &s.district, &u, id, &input)
        .await
        .map(|_| format!("/workers/{id}?saved=certificate#certificates"));
    let values = vec![
        ("level", input.level.clone()),
        ("number", input.number.clone()),
        ("obtained_on", input.obtained_on.clone()),
        ("registered_until", input.registered_until.clone()),
    ];
    redirect_or_show(result, "certificate", &ctx.tr, values, |form| {
        show_worker(&s, &ctx, &u, Some(id), form, None)
    })
    .await
}

pub fn router() -> crate::platform::http::routes::Routes<AppState> {
    crate::platform::http::routes::Routes::new()
        .get("/workers", list_page)
        .post("/workers", create)
        .get("/workers/new", new_page)
        .get("/workers.xlsx", list_xlsx)
        .get("/workers.csv", list_csv)
        .get("/workers/{id}", worker_page)
        .post("/workers/{id}", update)
        .post("/workers/{id}/certificates", add_certificate)
        .merge(crate::workers::record_pages::routes())
        .get("/api/v1/workers", api_list)
        .post("/api/v1/workers", api_create)
        .post("/api/v1/workers/{id}/certificates", api_add_certificate)
        .get("/api/v1/workers/{id}", api_worker)
        .merge(crate::workers::dashboard_pages::routes())
        .merge(crate::workers::training_pages::routes())
        .merge(crate::workers::recruitment_pages::routes())
        .merge(crate::workers::import_pages::routes())
        .merge(crate::workers::roster::routes())
}
