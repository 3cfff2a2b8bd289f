//! The registry's pages and API: households with their members and history, the import of a
//! village's file with its preview, and the registry's export.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::platform::auth::guard::{AdminAndStaff, Require, Territorial};
use crate::platform::auth::{CurrentUser, Scope};
use crate::platform::error::Result;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, redirect_or_show, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, redirect, render};
use crate::registry::codes::{HouseholdKind, MoveKind};
use crate::registry::households::{
    self, Household, HouseholdInput, HouseholdQuery, HouseholdRecord, MoveInput,
};
use crate::registry::residents::sees_personal;

mod duplicate_pages;
mod export_pages;
mod import_pages;
pub(crate) mod population_pages;
pub(crate) mod rights_pages;

/// Who reads the registry: the district, towns (masked) and the community's staff.
pub type Readers = Territorial;
/// Who keeps it: the district and the community's staff.
pub type Keepers = AdminAndStaff;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/registry/households", households_page)
        .post("/registry/households", post_new_household)
        .get("/registry/households/new", new_household_page)
        .get("/registry/households/{id}", household_page)
        .post("/registry/households/{id}", post_household)
        .post("/registry/households/{id}/moves", post_move)
        .get("/api/v1/households", api_households)
        .get("/api/v1/households/{id}", api_household)
        .merge(import_pages::routes())
        .merge(export_pages::routes())
        .merge(duplicate_pages::routes())
        .merge(population_pages::routes())
        .merge(rights_pages::routes())
}

#[derive(Template)]
#[template(path = "registry/households.html")]
struct HouseholdsPage {
    chrome: Chrome,
    rows: Vec<Household>,
    pager: Pager,
    q: HouseholdQuery,
    can_edit: bool,
    /// new.changed.unchanged of an import just done
    imported: Option<(usize, usize, usize)>,
}

impl HouseholdsPage {
    fn q_text(&self) -> &str {
        self.q.q.as_deref().unwrap_or("")
    }
    fn community_text(&self) -> &str {
        self.q.community.as_deref().unwrap_or("")
    }
    fn imported_text(&self) -> String {
        match self.imported {
            Some((n, c, u)) => self.chrome.tr.f("registry.import.done", &[&n, &c, &u]),
            None => String::new(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Done {
    imported: Option<String>,
    saved: Option<String>,
}

impl Done {
    fn imported(&self) -> Option<(usize, usize, usize)> {
        let mut n = self.imported.as_deref()?.split('.').map(|x| x.parse().ok());
        Some((n.next()??, n.next()??, n.next()??))
    }
}

async fn households_page(
    u: Require<Readers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HouseholdQuery>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let (rows, total, page) = households::list(&s.db, &s.district, &u, &q).await?;
    let base = query_without_page(&[
        ("q", q.q.as_deref().unwrap_or("")),
        ("community", q.community.as_deref().unwrap_or("")),
    ]);
    render(&HouseholdsPage {
        chrome: Chrome::build(&ctx, "/registry/households"),
        rows,
        pager: Pager::new(page, total, households::PAGE_SIZE, base),
        can_edit: sees_personal(&u),
        imported: done.imported(),
        q,
    })
}

#[derive(Template)]
#[template(path = "registry/household.html")]
struct HouseholdPage {
    chrome: Chrome,
    /// None: a new household
    rec: Option<HouseholdRecord>,
    form: FormState,
    can_edit: bool,
    fixed_community: Option<(String, String)>,
    saved: Option<String>,
}

impl HouseholdPage {
    fn v(&self, form: &str, f: &str) -> String {
        self.form.value(form, f)
    }
    fn e(&self, form: &str, f: &str) -> String {
        self.form.error(form, f)
    }
    fn kinds(&self) -> Vec<(String, String)> {
        HouseholdKind::ALL
            .iter()
            .map(|k| {
                (
                    k.key().to_string(),
                    self.chrome.tk("registry.household_kind", k.key()),
                )
            })
            .collect()
    }
    fn move_kinds(&self) -> Vec<(String, String)> {
        [
            MoveKind::MoveOut,
            MoveKind::Death,
            MoveKind::Split,
            MoveKind::Merge,
        ]
        .iter()
        .map(|k| {
            (
                k.key().to_string(),
                self.chrome.tk("registry.move", k.key()),
            )
        })
        .collect()
    }
    fn saved_text(&self) -> String {
        match self.saved.as_deref() {
            Some("household") => self.chrome.t("registry.households.saved").to_string(),
            Some("revealed") => self.chrome.t("registry.access.revealed").to_string(),
            Some(k) => self.chrome.tr.f1(
                "registry.households.moved",
                self.chrome.tk("registry.move", k),
            ),
            None => String::new(),
        }
    }
    /// A household field: as sent after a mistake, else the stored value.
    fn household_value(&self, f: &str) -> String {
        if self.form.form == "household" {
            return self.form.value("household", f);
        }
        let Some(r) = &self.rec else {
            return String::new();
        };
        let h = &r.household;
        match f {
            "number" => h.number.clone(),
            "point" => h.point.clone(),
            "house_number" => h.house_number.clone(),
            "kind" => h.kind.clone(),
            _ => String::new(),
        }
    }
    fn relation(&self, code: &str) -> String {
        if code.is_empty() {
            String::new()
        } else {
            self.chrome.tk("registry.relation", code)
        }
    }
    fn gender(&self, code: &str) -> String {
        if code.is_empty() {
            String::new()
        } else {
            self.chrome.tk("registry.gender", code)
        }
    }
}

fn fixed_community(u: &CurrentUser) -> Option<(String, String)> {
    match &u.scope {
        Scope::Community(c) => Some((c.as_str().to_string(), u.scope_label.clone())),
        _ => None,
    }
}

async fn new_household_page(u: Require<Keepers>, ctx: Ctx) -> Result<Response> {
    render(&HouseholdPage {
        chrome: Chrome::build(&ctx, "/registry/households"),
        rec: None,
        form: FormState::default(),
        can_edit: true,
        fixed_community: fixed_community(&u),
        saved: None,
    })
}

async fn household_page(
    u: Require<Readers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let rec = households::load(&s.db, &s.district, &u, id).await?;
    show_household(&ctx, &u, rec, FormState::default(), done.saved)
}

fn show_household(
    ctx: &Ctx,
    u: &CurrentUser,
    rec: HouseholdRecord,
    form: FormState,
    saved: Option<String>,
) -> Result<Response> {
    let page = HouseholdPage {
        chrome: Chrome::build(ctx, "/registry/households"),
        can_edit: sees_personal(u) && rec.household.dissolved_on.is_none(),
        rec: Some(rec),
        form,
        fixed_community: fixed_community(u),
        saved,
    };
    render_form(&page, &page.form)
}

fn household_input(u: &CurrentUser, mut f: HouseholdInput) -> HouseholdInput {
    if let Scope::Community(c) = &u.scope {
        f.community = c.as_str().to_string();
    }
    f
}

fn household_values(f: &HouseholdInput) -> Vec<(&'static str, String)> {
    vec![
        ("community", f.community.clone()),
        ("number", f.number.clone()),
        ("point", f.point.clone()),
        ("house_number", f.house_number.clone()),
        ("kind", f.kind.clone()),
        ("revision", f.revision.clone()),
    ]
}

async fn post_new_household(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<HouseholdInput>,
) -> Result<Response> {
    let f = household_input(&u, f);
    let result = match f.check() {
        Ok(save) => households::save(&s.db, &s.district, &u, None, &save).await,
        Err(e) => Err(e),
    };
    let result = result.map(|id| format!("/registry/households/{id}?saved=household"));
    redirect_or_show(
        result,
        "household",
        &ctx.tr,
        household_values(&f),
        |form| async {
            let page = HouseholdPage {
                chrome: Chrome::build(&ctx, "/registry/households"),
                rec: None,
                form,
                can_edit: true,
                fixed_community: fixed_community(&u),
                saved: None,
            };
            render_form(&page, &page.form)
        },
    )
    .await
}

async fn post_household(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HouseholdInput>,
) -> Result<Response> {
    let rec = households::load(&s.db, &s.district, &u, id).await?;
    let f = household_input(&u, f);
    let result = match f.check() {
        Ok(save) => households::save(&s.db, &s.district, &u, Some(id), &save).await,
        Err(e) => Err(e),
    };
    let result = result.map(|id| format!("/registry/households/{id}?saved=household"));
    redirect_or_show(
        result,
        "household",
        &ctx.tr,
        household_values(&f),
        |form| async { show_household(&ctx, &u, rec, form, None) },
    )
    .await
}

async fn post_move(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(m): CsrfForm<MoveInput>,
) -> Result<Response> {
    let result = households::record_move(&s.db, &s.district, &u, id, &m).await;
    let values = vec![
        ("resident", m.resident.clone()),
        ("kind", m.kind.clone()),
        ("on_date", m.on_date.clone()),
        ("reason", m.reason.clone()),
        ("to", m.to.clone()),
    ];
    let result = result.map(|moved| match moved.to {
        // a split or merge ends at the household joined
        Some(to) => format!("/registry/households/{to}?saved={}", moved.kind.key()),
        None => format!("/registry/households/{id}?saved={}", moved.kind.key()),
    });
    redirect_or_show(result, "move", &ctx.tr, values, |form| async {
        let rec = households::load(&s.db, &s.district, &u, id).await?;
        show_household(&ctx, &u, rec, form, None)
    })
    .await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HouseholdList {
    pub total: u64,
    pub page: u64,
    pub households: Vec<Household>,
}

/// Households in the caller's territory.
#[utoipa::path(get, path = "/api/v1/households", tag = "registry", params(HouseholdQuery),
    responses((status = 200, body = HouseholdList)))]
pub async fn api_households(
    u: Require<Readers>,
    State(s): State<AppState>,
    Query(q): Query<HouseholdQuery>,
) -> Result<Json<HouseholdList>> {
    let (households, total, page) = households::list(&s.db, &s.district, &u, &q).await?;
    Ok(Json(HouseholdList {
        total,
        page,
        households,
    }))
}

/// One household with its members and history.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry",
    params(("id" = i64, Path)), responses((status = 200, body = HouseholdRecord)))]
pub async fn api_household(
    u: Require<Readers>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<HouseholdRecord>> {
    Ok(Json(households::load(&s.db, &s.district, &u, id).await?))
}
