//! Training's pages and API: the courses of a year, a course with its enrolments and
//! attendance, enrolling workers (from the course by unit, or from a worker's record).

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::platform::auth::CurrentUser;
use crate::platform::auth::guard::Require;
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{
    FormState, from_pairs, ids_of, redirect_or_show, render_form, sent_values,
};
use crate::platform::http::layout::Chrome;
use crate::platform::i18n::Tr;
use crate::workers::rules::CourseKind;
use crate::workers::store::{self, Worker, WorkerQuery, may_write};
use crate::workers::training::{self, Course, CourseInput, Enrolled};
use crate::workers::web::{Field, Keepers, label_options};

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CoursesQuery {
    /// Courses starting in this year (default: this year).
    pub year: Option<i32>,
}

#[derive(Template)]
#[template(path = "workers/courses.html")]
struct CoursesPage {
    chrome: Chrome,
    year: i32,
    years: Vec<i32>,
    courses: Vec<Course>,
    can_create: bool,
}

impl CoursesPage {
    fn kind(&self, k: &str) -> String {
        self.chrome
            .t(&format!("workers.course_kind.{k}"))
            .to_string()
    }
    fn is_year(&self, y: &i32) -> bool {
        *y == self.year
    }
}

fn year_of(q: &CoursesQuery, today: NaiveDate) -> Result<i32> {
    let y = q.year.unwrap_or(today.year());
    if !(1949..=2200).contains(&y) {
        return Err(AppError::invalid("year", "centres.year_range"));
    }
    Ok(y)
}

async fn courses_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CoursesQuery>,
) -> Result<Response> {
    let today = ctx.clock.today();
    let year = year_of(&q, today)?;
    let page = CoursesPage {
        chrome: Chrome::build(&ctx, "/workers"),
        year,
        years: (crate::workers::dashboard::FIRST_YEAR..=today.year() + 1)
            .rev()
            .collect(),
        courses: training::courses(&s.db, &s.district, &u, year).await?,
        can_create: !store::writable_units(&s.db, &s.district, &u)
            .await?
            .is_empty(),
    };
    crate::platform::http::render(&page)
}

/// The courses the caller sees that start in a year.
#[utoipa::path(get, path = "/api/v1/workers/courses", tag = "workers", security(("bearer" = [])),
    params(CoursesQuery),
    responses((status = 200, body = Vec<Course>), (status = 401), (status = 403)))]
pub async fn api_courses(
    u: Require<Keepers>,
    State(s): State<AppState>,
    Query(q): Query<CoursesQuery>,
) -> Result<Json<Vec<Course>>> {
    let year = year_of(&q, s.db.clock().today())?;
    Ok(Json(training::courses(&s.db, &s.district, &u, year).await?))
}

/// A course and the enrolments the caller sees.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CourseRecord {
    pub course: Course,
    pub enrolled: Vec<Enrolled>,
}

/// A course with its enrolments of workers in the caller's territory.
#[utoipa::path(get, path = "/api/v1/workers/courses/{id}", tag = "workers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The course's id")),
    responses((status = 200, body = CourseRecord), (status = 401), (status = 403), (status = 404)))]
pub async fn api_course(
    u: Require<Keepers>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CourseRecord>> {
    let course = training::course(&s.db, &s.district, &u, id).await?;
    let enrolled = training::enrolled(&s.db, &s.district, &u, id).await?;
    Ok(Json(CourseRecord { course, enrolled }))
}

#[derive(Template)]
#[template(path = "workers/course.html")]
struct CoursePage {
    chrome: Chrome,
    course: Option<Course>,
    fields: Vec<Field>,
    enrolled: Vec<Enrolled>,
    /// Enrolled from units the reader does not see.
    others: i64,
    form: FormState,
    can_edit: bool,
    /// Units the reader may enrol workers from, the one chosen, and its workers not enrolled.
    units: Vec<(String, String)>,
    unit: String,
    candidates: Vec<Worker>,
    saved: Option<String>,
}

impl CoursePage {
    fn kind(&self, k: &str) -> String {
        self.chrome
            .t(&format!("workers.course_kind.{k}"))
            .to_string()
    }
    fn keeps(&self, e: &Enrolled) -> bool {
        may_write_unit(&self.units, &e.unit_code)
    }
    fn any_kept(&self) -> bool {
        self.enrolled.iter().any(|e| self.keeps(e))
    }
    fn hours_value(&self, e: &Enrolled) -> String {
        let name = format!("hours_{}", e.worker_id);
        if self.form.form == "attendance" {
            return self.form.value("attendance", &name);
        }
        match (e.hours, &self.course) {
            (Some(h), _) => h.to_string(),
            (None, Some(c)) => c.hours.to_string(),
            _ => String::new(),
        }
    }
    fn hours_error(&self, e: &Enrolled) -> String {
        self.form
            .error("attendance", &format!("hours_{}", e.worker_id))
    }
    fn is_unit(&self, c: &str) -> bool {
        self.unit == c
    }
    fn saved_message(&self) -> String {
        let s = self.saved.as_deref().unwrap_or("");
        match s.split_once(':') {
            Some((k, n)) => self.chrome.tr.f1(&format!("workers.training.saved_{k}"), n),
            None => self.chrome.t("workers.training.saved").to_string(),
        }
    }
}

fn may_write_unit(units: &[(String, String)], code: &str) -> bool {
    units.iter().any(|(c, _)| c == code)
}

fn course_fields(
    tr: &Tr,
    form: &FormState,
    c: Option<&Course>,
    units: &[(String, String)],
) -> Vec<Field> {
    let sent = form.form == "course";
    let field = |name: &'static str, kind: &'static str, current: String, options| Field {
        name,
        label: tr.t(&format!("workers.training.field.{name}")).to_string(),
        kind,
        value: if sent {
            form.value("course", name)
        } else {
            current
        },
        options,
        error: form.error("course", name),
        hint: String::new(),
    };
    let cur = |f: fn(&Course) -> String| c.map(f).unwrap_or_default();
    vec![
        field("title", "text", cur(|c| c.title.clone()), vec![]),
        field(
            "organiser",
            "select",
            cur(|c| c.organiser_code.clone()),
            units.to_vec(),
        ),
        field(
            "kind",
            "select",
            cur(|c| c.kind.clone()),
            label_options(tr, "workers.course_kind", CourseKind::ALL, CourseKind::key),
        ),
        field(
            "starts_on",
            "date",
            cur(|c| c.starts_on.to_string()),
            vec![],
        ),
        field("ends_on", "date", cur(|c| c.ends_on.to_string()), vec![]),
        field("hours", "text", cur(|c| c.hours.to_string()), vec![]),
        field("place", "text", cur(|c| c.place.clone()), vec![]),
    ]
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CourseQuery {
    unit: Option<String>,
    saved: Option<String>,
}

async fn show_course(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: Option<i64>,
    form: FormState,
    q: CourseQuery,
) -> Result<Response> {
    let units = store::writable_units(&s.db, &s.district, u).await?;
    let course = match id {
        Some(id) => Some(training::course(&s.db, &s.district, u, id).await?),
        None if units.is_empty() => return Err(AppError::Forbidden),
        None => None,
    };
    let enrolled = match &course {
        Some(c) => training::enrolled(&s.db, &s.district, u, c.id).await?,
        None => vec![],
    };
    let unit = q
        .unit
        .filter(|c| may_write_unit(&units, c))
        .or_else(|| (units.len() == 1).then(|| units[0].0.clone()))
        .unwrap_or_default();
    let candidates = match (&course, unit.as_str()) {
        (Some(_), "") | (None, _) => vec![],
        (Some(_), unit) => {
            let wq = WorkerQuery {
                unit: Some(unit.to_string()),
                ..Default::default()
            };
            let mut all = store::all(&s.db, &s.district, u, &wq, ctx.clock.today()).await?;
            all.retain(|w| !enrolled.iter().any(|e| e.worker_id == w.id));
            all
        }
    };
    let page = CoursePage {
        chrome: Chrome::build(ctx, "/workers"),
        fields: course_fields(&ctx.tr, &form, course.as_ref(), &units),
        others: course
            .as_ref()
            .map_or(0, |c| c.enrolled - enrolled.len() as i64),
        can_edit: course
            .as_ref()
            .is_none_or(|c| may_write(u, &c.organiser_code)),
        course,
        enrolled,
        form,
        units,
        unit,
        candidates,
        saved: q.saved.filter(|x| x.len() < 40),
    };
    render_form(&page, &page.form)
}

async fn new_course_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    show_course(
        &s,
        &ctx,
        &u,
        None,
        FormState::default(),
        CourseQuery::default(),
    )
    .await
}

async fn course_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CourseQuery>,
) -> Result<Response> {
    show_course(&s, &ctx, &u, Some(id), FormState::default(), q).await
}

fn course_values(i: &CourseInput) -> Vec<(&'static str, String)> {
    vec![
        ("title", i.title.clone()),
        ("organiser", i.organiser.clone()),
        ("kind", i.kind.clone()),
        ("starts_on", i.starts_on.clone()),
        ("ends_on", i.ends_on.clone()),
        ("hours", i.hours.clone()),
        ("place", i.place.clone()),
    ]
}

async fn create_course(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(i): CsrfForm<CourseInput>,
) -> Result<Response> {
    let result = training::save_course(&s.db, &s.district, &u, None, &i)
        .await
        .map(|id| format!("/workers/courses/{id}?saved=course"));
    redirect_or_show(result, "course", &ctx.tr, course_values(&i), |form| {
        show_course(&s, &ctx, &u, None, form, CourseQuery::default())
    })
    .await
}

async fn update_course(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(i): CsrfForm<CourseInput>,
) -> Result<Response> {
    let result = training::save_course(&s.db, &s.district, &u, Some(id), &i)
        .await
        .map(|id| format!("/workers/courses/{id}?saved=course"));
    redirect_or_show(result, "course", &ctx.tr, course_values(&i), |form| {
        show_course(&s, &ctx, &u, Some(id), form, CourseQuery::default())
    })
    .await
}

async fn enrol(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let workers = ids_of(&pairs, "workers");
    let unit: String = crate::platform::http::form::field(&pairs, "unit");
    let result = training::enrol(&s.db, &s.district, &u, id, &workers)
        .await
        .map(|n| format!("/workers/courses/{id}?saved=enrolled:{n}#enrolled"));
    redirect_or_show(result, "enrol", &ctx.tr, sent_values(&pairs), |form| {
        show_course(
            &s,
            &ctx,
            &u,
            Some(id),
            form,
            CourseQuery {
                unit: Some(unit.clone()),
                saved: None,
            },
        )
    })
    .await
}

async fn attendance(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let hours: Vec<(i64, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("hours_")
                .and_then(|w| w.parse().ok())
                .map(|w| (w, v.clone()))
        })
        .collect();
    let result = training::record_attendance(&s.db, &s.district, &u, id, &hours)
        .await
        .map(|n| format!("/workers/courses/{id}?saved=attendance:{n}#enrolled"));
    redirect_or_show(result, "attendance", &ctx.tr, sent_values(&pairs), |form| {
        show_course(&s, &ctx, &u, Some(id), form, CourseQuery::default())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EnrolOne {
    course: String,
}

/// Enrol one worker from their record: back to the record.
async fn enrol_worker(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(worker): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let i: EnrolOne = from_pairs(&pairs);
    let result = match i.course.trim().parse::<i64>() {
        Ok(course) => training::enrol(&s.db, &s.district, &u, course, &[worker])
            .await
            .map_err(|e| match e {
                AppError::NotFound => AppError::invalid("course", "common.bad_choice"),
                e => e,
            }),
        Err(_) => Err(AppError::invalid("course", "common.bad_choice")),
    }
    .map(|_| format!("/workers/{worker}?saved=training#training"));
    redirect_or_show(result, "training", &ctx.tr, sent_values(&pairs), |form| {
        crate::workers::web::show_worker(&s, &ctx, &u, Some(worker), form, None)
    })
    .await
}

/// Workers to enrol in a course.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct Enrolment {
    pub workers: Vec<i64>,
}

/// How many an enrolment or attendance wrote.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Written {
    pub written: usize,
}

/// Enrol workers in a course (each one the caller keeps; those enrolled already are left).
#[utoipa::path(post, path = "/api/v1/workers/courses/{id}/enrolments", tag = "workers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The course's id")),
    request_body = Enrolment,
    responses((status = 200, body = Written), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "field errors")))]
pub async fn api_enrol(
    u: Require<Keepers>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    crate::platform::http::json::ApiJson(e): crate::platform::http::json::ApiJson<Enrolment>,
) -> Result<Json<Written>> {
    let written = training::enrol(&s.db, &s.district, &u, id, &e.workers).await?;
    Ok(Json(Written { written }))
}

/// Hours attended, by worker.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct Attendance {
    /// Worker id → hours credited (0 for someone who did not come).
    pub hours: std::collections::BTreeMap<i64, u32>,
}

/// Record the hours attended by the enrolled workers the caller keeps.
#[utoipa::path(post, path = "/api/v1/workers/courses/{id}/attendance", tag = "workers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The course's id")),
    request_body = Attendance,
    responses((status = 200, body = Written), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "field errors")))]
pub async fn api_attendance(
    u: Require<Keepers>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    crate::platform::http::json::ApiJson(a): crate::platform::http::json::ApiJson<Attendance>,
) -> Result<Json<Written>> {
    let hours: Vec<(i64, String)> = a
        .hours
        .into_iter()
        .map(|(w, h)| (w, h.to_string()))
        .collect();
    let written = training::record_attendance(&s.db, &s.district, &u, id, &hours).await?;
    Ok(Json(Written { written }))
}

pub fn routes() -> crate::platform::http::routes::Routes<AppState> {
    crate::platform::http::routes::Routes::new()
        .get("/workers/courses", courses_page)
        .post("/workers/courses", create_course)
        .get("/workers/courses/new", new_course_page)
        .get("/workers/courses/{id}", course_page)
        .post("/workers/courses/{id}", update_course)
        .post("/workers/courses/{id}/enrol", enrol)
        .post("/workers/courses/{id}/attendance", attendance)
        .post("/workers/{id}/training", enrol_worker)
        .get("/api/v1/workers/courses", api_courses)
        .get("/api/v1/workers/courses/{id}", api_course)
        .post("/api/v1/workers/courses/{id}/enrolments", api_enrol)
        .post("/api/v1/workers/courses/{id}/attendance", api_attendance)
}
