//! District departments (区级部门): seeded with the 14 of the 2008 plan, edited by the district.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::auth::guard::{Admin, Officials, Require};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{redirect_or_show, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::revision;
use crate::vals;

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub sort_order: i32,
    pub active: bool,
    /// Raised by each save (platform::revision).
    pub revision: i64,
}

const COLS: &str = "id, code, name, name_en, sort_order, active, revision";

pub async fn list(db: &Db) -> Result<Vec<Department>> {
    db::all(
        &db.conn,
        &format!("SELECT {COLS} FROM departments ORDER BY sort_order, id"),
        vals![],
    )
    .await
}

pub async fn load(db: &Db, id: i64) -> Result<Department> {
    db::one(
        &db.conn,
        &format!("SELECT {COLS} FROM departments WHERE id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// What a department form may set.
#[derive(Clone, Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct DepartmentInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub sort_order: String,
    /// Checkbox: present when ticked.
    #[serde(default)]
    pub active: Option<String>,
    /// The revision the form was opened at (platform::revision).
    #[serde(default)]
    pub revision: String,
}

fn validate(
    i: &DepartmentInput,
) -> std::result::Result<(String, String, String, i32, bool), Vec<FieldError>> {
    let mut errs = vec![];
    let code = i.code.trim().to_lowercase();
    if code.is_empty() {
        errs.push(FieldError::new("code", "common.required"));
    } else if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        || code.len() > 32
    {
        errs.push(FieldError::new("code", "departments.bad_code"));
    }
    let name = i.name.trim().to_string();
    if name.is_empty() {
        errs.push(FieldError::new("name", "common.required"));
    } else if name.chars().count() > 60 {
        errs.push(FieldError::new("name", "common.too_long").with(60));
    }
    let name_en = i.name_en.trim().to_string();
    if name_en.chars().count() > 120 {
        errs.push(FieldError::new("name_en", "common.too_long").with(120));
    }
    let sort = if i.sort_order.trim().is_empty() {
        0
    } else {
        match i.sort_order.trim().parse::<i32>() {
            Ok(n) if (0..=9999).contains(&n) => n,
            _ => {
                errs.push(FieldError::new("sort_order", "common.whole_number"));
                0
            }
        }
    };
    if errs.is_empty() {
        Ok((code, name, name_en, sort, i.active.is_some()))
    } else {
        Err(errs)
    }
}

const UNIQUE: &[crate::platform::error::Constraint] = &[
    crate::platform::error::Constraint::unique(
        "departments",
        &["code"],
        "code",
        "departments.code_taken",
    ),
    crate::platform::error::Constraint::unique(
        "departments",
        &["name"],
        "name",
        "departments.name_taken",
    ),
];

/// Create (id None) or update a department; audited.
pub async fn save(db: &Db, actor: &Actor, id: Option<i64>, input: &DepartmentInput) -> Result<i64> {
    let (code, name, name_en, sort, active) = validate(input).map_err(AppError::Invalid)?;
    let tx = db.write_tx().await?;
    let result: Result<i64> = async {
        match id {
            Some(id) => {
                let before: Department = db::one(&tx, &format!("SELECT {COLS} FROM departments WHERE id = ?"), vals![id])
                    .await?
                    .ok_or(AppError::NotFound)?;
                revision::update(
                    &tx,
                    "departments",
                    "department",
                    id,
                    revision::base(&input.revision)?,
                    "code = ?, name = ?, name_en = ?, sort_order = ?, active = ?",
                    vals![code.clone(), name.clone(), name_en.clone(), sort, active],
                )
                .await?;
                let after = Department { id, code, name, name_en, sort_order: sort, active, revision: before.revision + 1 };
                audit::record(&tx, actor, "update", "department", &id.to_string(), Some(&before), Some(&after)).await?;
                Ok(id)
            }
            None => {
                let id = db::scalar(
                    &tx,
                    "INSERT INTO departments (code, name, name_en, sort_order, active) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    vals![code.clone(), name.clone(), name_en.clone(), sort, active],
                )
                .await?
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("insert returned no id")))?;
                let after = Department { id, code, name, name_en, sort_order: sort, active, revision: 1 };
                audit::record(&tx, actor, "create", "department", &id.to_string(), None::<&()>, Some(&after)).await?;
                Ok(id)
            }
        }
    }
    .await;
    match result {
        Ok(id) => {
            tx.commit().await?;
            Ok(id)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e.on_constraint(UNIQUE))
        }
    }
}

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list,))]
pub struct Api;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/departments", list_page)
        .post("/departments", create)
        .get("/departments/new", new_page)
        .get("/departments/{id}", edit_page)
        .post("/departments/{id}", update)
        .get("/api/v1/departments", api_list)
}

#[derive(Template)]
#[template(path = "departments/list.html")]
struct ListPage {
    chrome: Chrome,
    departments: Vec<Department>,
    can_edit: bool,
    saved: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn list_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    render(&ListPage {
        chrome: Chrome::build(&ctx, "/departments"),
        departments: list(&s.db).await?,
        can_edit: u.is_admin(),
        saved: q.saved.is_some(),
    })
}

#[derive(Template)]
#[template(path = "departments/form.html")]
struct FormPage {
    chrome: Chrome,
    id: Option<i64>,
    input: DepartmentInput,
    errors: Vec<(String, String)>,
}

impl FormPage {
    fn fields(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("name", "departments.name", self.input.name.clone()),
            ("name_en", "departments.name_en", self.input.name_en.clone()),
            ("code", "departments.code", self.input.code.clone()),
            (
                "sort_order",
                "departments.sort_order",
                self.input.sort_order.clone(),
            ),
        ]
    }
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

async fn new_page(_: Require<Admin>, ctx: Ctx) -> Result<Response> {
    let input = DepartmentInput {
        active: Some("on".into()),
        ..Default::default()
    };
    render(&FormPage {
        chrome: Chrome::build(&ctx, "/departments"),
        id: None,
        input,
        errors: vec![],
    })
}

async fn edit_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let d = load(&s.db, id).await?;
    let input = DepartmentInput {
        code: d.code,
        name: d.name,
        name_en: d.name_en,
        sort_order: d.sort_order.to_string(),
        active: d.active.then(|| "on".into()),
        revision: d.revision.to_string(),
    };
    render(&FormPage {
        chrome: Chrome::build(&ctx, "/departments"),
        id: Some(id),
        input,
        errors: vec![],
    })
}

async fn submit(
    s: AppState,
    ctx: Ctx,
    u: Require<Admin>,
    id: Option<i64>,
    input: DepartmentInput,
) -> Result<Response> {
    let result = save(&s.db, &u.actor(), id, &input)
        .await
        .map(|_| "/departments?saved=1".to_string());
    let ctx = &ctx;
    redirect_or_show(result, "department", &ctx.tr, vec![], |form| async move {
        let mut input = input;
        // after a stale save the form carries the revision saved since
        if let Some(current) = form.values.get(revision::FIELD) {
            input.revision = current.clone();
        }
        let page = FormPage {
            chrome: Chrome::build(ctx, "/departments"),
            id,
            input,
            errors: form.errors.clone(),
        };
        render_form(&page, &form)
    })
    .await
}

async fn create(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(input): CsrfForm<DepartmentInput>,
) -> Result<Response> {
    submit(s, ctx, u, None, input).await
}

async fn update(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(input): CsrfForm<DepartmentInput>,
) -> Result<Response> {
    load(&s.db, id).await?;
    submit(s, ctx, u, Some(id), input).await
}

/// All district departments.
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments", security(("bearer" = [])),
    responses((status = 200, body = Vec<Department>), (status = 401)))]
pub async fn api_list(
    _: Require<Officials>,
    State(s): State<AppState>,
) -> Result<Json<Vec<Department>>> {
    Ok(Json(list(&s.db).await?))
}
