//! The district admin's area: user accounts and the audit log.

pub mod users;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::admin::users::{UserInput, UserView};
use crate::departments::{self, Department};
use crate::geo::store::{self as geo_store, CommunityFilter, CommunityRow};
use crate::platform::audit::{self, AuditEntry, AuditFilter};
use crate::platform::auth::guard::{Admin, Require};
use crate::platform::auth::{Role, Scope};
use crate::platform::error::{AppError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, redirect_or_show};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_users, api_audit,))]
pub struct Api;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/admin/users", users_page)
        .post("/admin/users", create_user)
        .get("/admin/users/new", new_user_page)
        .get("/admin/users/{id}", edit_user_page)
        .post("/admin/users/{id}", update_user)
        .get("/admin/audit", audit_page)
        .get("/api/v1/users", api_users)
        .get("/api/v1/audit", api_audit)
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserView>,
    saved: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn users_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    render(&UsersPage {
        chrome: Chrome::build(&ctx, "/admin/users"),
        users: users::list(&s.db).await?,
        saved: q.saved.is_some(),
    })
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserForm {
    chrome: Chrome,
    id: Option<i64>,
    input: UserInput,
    errors: Vec<(String, String)>,
    roles: Vec<(&'static str, String)>,
    departments: Vec<Department>,
    towns: Vec<geo_store::TownOption>,
    communities: Vec<CommunityRow>,
}

impl UserForm {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

async fn user_form(
    s: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    mut input: UserInput,
    form: FormState,
) -> Result<Response> {
    let (communities, _) = geo_store::list_communities(
        &s.db,
        &s.district,
        &Scope::District,
        &CommunityFilter::default(),
        None,
    )
    .await?;
    // never sent back; after a stale save the form carries the revision saved since
    input.password.clear();
    if let Some(current) = form.values.get(crate::platform::revision::FIELD) {
        input.revision = current.clone();
    }
    let mut resp = render(&UserForm {
        chrome: Chrome::build(ctx, "/admin/users"),
        id,
        input,
        errors: form.errors.clone(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.key(), ctx.tr.t(&r.label_key()).to_string()))
            .collect(),
        departments: departments::list(&s.db).await?,
        towns: crate::geo::web::town_options(s, &Scope::District).await?,
        communities,
    })?;
    *resp.status_mut() = form.status();
    Ok(resp)
}

async fn new_user_page(_: Require<Admin>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    let input = UserInput {
        role: "community_staff".into(),
        active: Some("on".into()),
        ..Default::default()
    };
    user_form(&s, &ctx, None, input, FormState::default()).await
}

async fn edit_user_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let v = users::load(&s.db, id).await?;
    let input = UserInput {
        username: v.username,
        display_name: v.display_name,
        role: v.role,
        department_id: v.department_id.map(|d| d.to_string()).unwrap_or_default(),
        town_code: v.town_code.unwrap_or_default(),
        community_code: v.community_code.unwrap_or_default(),
        provider_id: v.provider_id.map(|d| d.to_string()).unwrap_or_default(),
        password: String::new(),
        active: v.active.then(|| "on".into()),
        revision: v.revision.to_string(),
    };
    user_form(&s, &ctx, Some(id), input, FormState::default()).await
}

async fn create_user(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(input): CsrfForm<UserInput>,
) -> Result<Response> {
    let result = users::create(&s.db, &s.district, &u.actor(), &input)
        .await
        .map(|_| "/admin/users?saved=1".to_string());
    redirect_or_show(result, "user", &ctx.tr, vec![], |form| {
        user_form(&s, &ctx, None, input, form)
    })
    .await
}

async fn update_user(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(input): CsrfForm<UserInput>,
) -> Result<Response> {
    let result =
        if id == u.id && (input.active.is_none() || input.role != Role::DistrictAdmin.key()) {
            // An admin cannot lock themself out of administration.
            Err(AppError::invalid("role", "users.not_yourself"))
        } else {
            users::update(&s.db, &s.district, &u.actor(), id, &input).await
        };
    let result = result.map(|()| {
        // Role, scope or password may have changed: requests must see it at once.
        s.principals.retain(|p| p.id != id);
        "/admin/users?saved=1".to_string()
    });
    redirect_or_show(result, "user", &ctx.tr, vec![], |form| {
        user_form(&s, &ctx, Some(id), input, form)
    })
    .await
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<AuditEntry>,
    filter: AuditFilter,
    pager: Pager,
}

impl AuditPage {
    fn fields(&self) -> Vec<(&'static str, &'static str, String)> {
        let f = &self.filter;
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            ("entity_id", "audit.entity_id", v(&f.entity_id)),
            ("actor", "audit.actor", v(&f.actor)),
        ]
    }

    /// The filters chosen from the recorded keys, shown in the reader's language.
    fn selects(&self) -> Vec<(&'static str, &'static str, &'static str, String)> {
        let f = &self.filter;
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            ("entity", "entities", "audit.entity", v(&f.entity)),
            ("action", "actions", "audit.action", v(&f.action)),
        ]
    }
    /// A recorded key in the reader's language (unknown keys, e.g. from a newer version, as is).
    fn label(&self, group: &str, key: &str) -> String {
        let k = format!("audit.{group}.{key}");
        if self.chrome.tr.has(&k) {
            self.chrome.tr.t(&k).to_string()
        } else {
            key.to_string()
        }
    }

    fn when(&self, e: &AuditEntry) -> String {
        crate::platform::time::show(&e.at)
    }
}

async fn audit_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<AuditFilter>,
) -> Result<Response> {
    let (entries, total) = audit::list(&s.db, &f).await?;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let base = query_without_page(&[
        ("entity", &opt(&f.entity)),
        ("entity_id", &opt(&f.entity_id)),
        ("actor", &opt(&f.actor)),
        ("action", &opt(&f.action)),
        ("from", &opt(&f.from)),
        ("to", &opt(&f.to)),
    ]);
    let pager = Pager::new(f.page.unwrap_or(1), total, audit::AUDIT_PAGE_SIZE, base);
    render(&AuditPage {
        chrome: Chrome::build(&ctx, "/admin/audit"),
        entries,
        filter: f,
        pager,
    })
}

/// All user accounts (district admin only).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<UserView>), (status = 403)))]
pub async fn api_users(
    _: Require<Admin>,
    State(s): State<AppState>,
) -> Result<Json<Vec<UserView>>> {
    Ok(Json(users::list(&s.db).await?))
}

/// The audit log, newest first, 50 a page (district admin only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditFilter), responses((status = 200, body = Vec<AuditEntry>), (status = 403)))]
pub async fn api_audit(
    _: Require<Admin>,
    State(s): State<AppState>,
    Query(f): Query<AuditFilter>,
) -> Result<Json<Vec<AuditEntry>>> {
    Ok(Json(audit::list(&s.db, &f).await?.0))
}
