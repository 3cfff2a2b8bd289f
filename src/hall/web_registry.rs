//! Pages of the hall's registers: residents, the service catalogue, the working calendar,
//! providers, and the printable contact cards.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::hall::catalogue::{self, CalendarDay, Item, ItemInput};
use crate::hall::providers::{self, Provider, ProviderInput, ProviderQuery, Served};
use crate::hall::residents::{self, Resident, ResidentInput, ResidentQuery, sees_personal};
use crate::hall::rules;
use crate::hall::web::Hall;
use crate::platform::auth::guard::{Admin, AdminAndStaff, Require, Territorial};
use crate::platform::auth::{CurrentUser, Scope};
use crate::platform::error::{AppError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, field, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::time::parse_date;
use crate::role_set;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/hall/residents", residents_page)
        .post("/hall/residents", post_new_resident)
        .get("/hall/residents/new", new_resident_page)
        .get("/hall/residents/{id}/erase", erase_page)
        .post("/hall/residents/{id}/erase", post_erase)
        .get("/hall/residents/{id}", resident_page)
        .post("/hall/residents/{id}", post_resident)
        .get("/hall/items", items_page)
        .post("/hall/items", post_new_item)
        .get("/hall/items/new", new_item_page)
        .get("/hall/items/{id}", item_page)
        .post("/hall/items/{id}", post_item)
        .get("/hall/calendar", calendar_page)
        .post("/hall/calendar", post_calendar)
        .post("/hall/calendar/delete", post_calendar_delete)
        .get("/hall/providers", providers_page)
        .post("/hall/providers", post_new_provider)
        .get("/hall/providers/new", new_provider_page)
        .get("/hall/providers/{id}", provider_page)
        .post("/hall/providers/{id}", post_provider)
        .get("/hall/cards/{code}", card_page)
        .get("/api/v1/residents", api_residents)
        .get("/api/v1/service-items", api_items)
        .get("/api/v1/providers", api_providers)
}

fn english(ctx: &Ctx) -> bool {
    ctx.tr.lang.code() == "en"
}

// ------------------------------------------------------------------ residents

/// Residents: the admin, towns (masked) and the community's staff.
pub type Registry = Territorial;
/// Who keeps the registry: the admin and the community's staff (towns read it masked).
pub type RegistryKeepers = AdminAndStaff;

#[derive(Template)]
#[template(path = "hall/residents.html")]
struct ResidentsPage {
    chrome: Chrome,
    rows: Vec<Resident>,
    pager: Pager,
    q: ResidentQuery,
    tags: Vec<&'static str>,
    can_edit: bool,
    /// What an erasure just removed, for the message.
    erased: Option<(i64, i64, i64)>,
}

impl ResidentsPage {
    /// What an erasure just did, in words.
    fn erased_text(&self) -> String {
        match self.erased {
            Some((c, v, p)) => self.chrome.tr.f("hall.erase.done", &[&c, &v, &p]),
            None => String::new(),
        }
    }
    fn q_text(&self) -> &str {
        self.q.q.as_deref().unwrap_or("")
    }
    fn tag_is(&self, t: &str) -> bool {
        self.q.tag.as_deref() == Some(t)
    }
}

/// Tags a user may see and filter by.
fn visible_tags(u: &CurrentUser) -> Vec<&'static str> {
    rules::TAGS
        .iter()
        .filter(|(_, sensitive)| !sensitive || sees_personal(u))
        .map(|(k, _)| *k)
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErasedFlag {
    /// `cases.volunteers.proposals` of an erasure just done
    erased: Option<String>,
}

impl ErasedFlag {
    fn counts(&self) -> Option<(i64, i64, i64)> {
        let mut n = self.erased.as_deref()?.split('.').map(|x| x.parse().ok());
        Some((n.next()??, n.next()??, n.next()??))
    }
}

async fn residents_page(
    u: Require<Registry>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ResidentQuery>,
    Query(done): Query<ErasedFlag>,
) -> Result<Response> {
    let (rows, total, page) = residents::search(&s.db, &s.district, &u, &q).await?;
    let base = query_without_page(&[
        ("q", q.q.as_deref().unwrap_or("")),
        ("community", q.community.as_deref().unwrap_or("")),
        ("tag", q.tag.as_deref().unwrap_or("")),
    ]);
    render(&ResidentsPage {
        chrome: Chrome::build(&ctx, "/hall/residents"),
        rows,
        pager: Pager::new(page, total, residents::PAGE_SIZE, base),
        tags: visible_tags(&u),
        can_edit: sees_personal(&u),
        erased: done.counts(),
        q,
    })
}

// ------------------------------------------------------------------ erasure

#[derive(Template)]
#[template(path = "hall/erase.html")]
struct ErasePage {
    chrome: Chrome,
    id: i64,
    e: residents::Erasure,
    error: String,
}

impl ErasePage {
    fn heading(&self) -> String {
        self.chrome.tr.f(
            "hall.erase.heading",
            &[&self.e.name, &self.e.community_name],
        )
    }
}

/// The confirmation, with what would go.
async fn erase_page(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let e = residents::erasure_preview(&s.db, &s.district, &u, id).await?;
    render(&ErasePage {
        chrome: Chrome::build(&ctx, "/hall/residents"),
        id,
        e,
        error: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EraseForm {
    confirm: String,
}

/// Erase a person's data at their request; the district admin, after the confirmation.
async fn post_erase(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EraseForm>,
) -> Result<Response> {
    if f.confirm != "1" {
        let e = residents::erasure_preview(&s.db, &s.district, &u, id).await?;
        let mut r = render(&ErasePage {
            chrome: Chrome::build(&ctx, "/hall/residents"),
            id,
            e,
            error: ctx.tr.t("hall.erase.must_confirm").to_string(),
        })?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let e = residents::erase(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/hall/residents?erased={}.{}.{}",
        e.cases, e.volunteers, e.proposals
    )))
}

#[derive(Template)]
#[template(path = "hall/resident_form.html")]
struct ResidentFormPage {
    chrome: Chrome,
    id: Option<i64>,
    form: FormState,
    tags: Vec<&'static str>,
    fixed_community: Option<(String, String)>,
    saved: bool,
    /// The district admin may erase the person's data (a link to the confirmation).
    can_erase: bool,
}

impl ResidentFormPage {
    fn v(&self, f: &str) -> String {
        self.form.value("resident", f)
    }
    fn e(&self, f: &str) -> String {
        self.form.error("resident", f)
    }
    fn has_tag(&self, t: &str) -> bool {
        self.v("tags").split(',').any(|x| x == t)
    }
}

fn show_resident_form(
    ctx: &Ctx,
    u: &CurrentUser,
    id: Option<i64>,
    form: FormState,
    saved: bool,
) -> Result<Response> {
    let page = ResidentFormPage {
        chrome: Chrome::build(ctx, "/hall/residents"),
        id,
        form,
        tags: visible_tags(u),
        fixed_community: match &u.scope {
            Scope::Community(c) => Some((c.as_str().to_string(), u.scope_label.clone())),
            _ => None,
        },
        saved,
        can_erase: u.is_admin() && id.is_some(),
    };
    render_form(&page, &page.form)
}

async fn new_resident_page(u: Require<RegistryKeepers>, ctx: Ctx) -> Result<Response> {
    show_resident_form(&ctx, &u, None, FormState::default(), false)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedFlag {
    saved: Option<String>,
}

/// A resident's form: for those who keep the registry (a town reads the list, masked).
async fn resident_page(
    u: Require<RegistryKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(f): Query<SavedFlag>,
) -> Result<Response> {
    let r = residents::load(&s.db, &s.district, &u, id).await?;
    let form = FormState::from_error(
        "resident",
        &ctx.tr,
        &[],
        vec![
            ("community", r.community_code.clone()),
            ("name", r.name.to_string()),
            (
                "id_number",
                r.id_number
                    .as_ref()
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
            ),
            (
                "phone",
                r.phone.as_ref().map(|x| x.to_string()).unwrap_or_default(),
            ),
            ("address", r.address.to_string()),
            ("household", r.household.clone()),
            ("tags", r.tag_list().join(",")),
            ("revision", r.revision.to_string()),
        ],
    );
    show_resident_form(&ctx, &u, Some(id), form, f.saved.is_some())
}

fn resident_input(u: &CurrentUser, pairs: &[(String, String)]) -> ResidentInput {
    let mut community = field(pairs, "community");
    if let Scope::Community(c) = &u.scope {
        community = c.as_str().to_string();
    }
    ResidentInput {
        community,
        name: field(pairs, "name"),
        id_number: field(pairs, "id_number"),
        phone: field(pairs, "phone"),
        address: field(pairs, "address"),
        household: field(pairs, "household"),
        tags: pairs
            .iter()
            .filter(|(k, _)| k == "tags")
            .map(|(_, v)| v.clone())
            .collect(),
        revision: field(pairs, "revision"),
    }
}

async fn save_resident(
    s: &AppState,
    ctx: &Ctx,
    u: &Require<RegistryKeepers>,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let input = resident_input(u, &pairs);
    let result = match input.check() {
        Ok(save) => residents::save(&s.db, &s.district, u, id, &save).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(rid) => Ok(crate::platform::http::redirect(&format!(
            "/hall/residents/{rid}?saved=1"
        ))),
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error(
                "resident",
                &ctx.tr,
                &errs,
                vec![
                    ("community", input.community),
                    ("name", input.name),
                    ("id_number", input.id_number),
                    ("phone", input.phone),
                    ("address", input.address),
                    ("household", input.household),
                    ("tags", input.tags.join(",")),
                    ("revision", input.revision),
                ],
            );
            show_resident_form(ctx, u, id, form, false)
        }
        Err(e) => Err(e),
    }
}

async fn post_new_resident(
    u: Require<RegistryKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_resident(&s, &ctx, &u, None, pairs).await
}

async fn post_resident(
    u: Require<RegistryKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    // the record must be in scope before it is changed
    residents::load(&s.db, &s.district, &u, id).await?;
    save_resident(&s, &ctx, &u, Some(id), pairs).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResidentList {
    pub total: u64,
    pub page: u64,
    pub residents: Vec<Resident>,
}

/// Residents in the caller's territory, masked for roles that need no full values.
#[utoipa::path(get, path = "/api/v1/residents", tag = "hall", params(ResidentQuery),
    responses((status = 200, body = ResidentList)))]
pub async fn api_residents(
    u: Require<Registry>,
    State(s): State<AppState>,
    Query(q): Query<ResidentQuery>,
) -> Result<Json<ResidentList>> {
    let (residents, total, page) = residents::search(&s.db, &s.district, &u, &q).await?;
    Ok(Json(ResidentList {
        total,
        page,
        residents,
    }))
}

// ------------------------------------------------------------------ catalogue

#[derive(Template)]
#[template(path = "hall/items.html")]
struct ItemsPage {
    chrome: Chrome,
    items: Vec<Item>,
    is_admin: bool,
    english: bool,
}

async fn items_page(u: Require<Hall>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    render(&ItemsPage {
        chrome: Chrome::build(&ctx, "/hall/items"),
        items: catalogue::items(&s.db).await?,
        is_admin: u.is_admin(),
        english: english(&ctx),
    })
}

#[derive(Template)]
#[template(path = "hall/item_form.html")]
struct ItemFormPage {
    chrome: Chrome,
    id: Option<i64>,
    form: FormState,
    departments: Vec<(i64, String)>,
    saved: bool,
}

impl ItemFormPage {
    fn v(&self, f: &str) -> String {
        self.form.value("item", f)
    }
    fn e(&self, f: &str) -> String {
        self.form.error("item", f)
    }
    fn groups(&self) -> &'static [&'static str] {
        catalogue::GROUPS
    }
    fn kinds(&self) -> &'static [&'static str] {
        catalogue::KINDS
    }
    fn owners(&self) -> &'static [&'static str] {
        catalogue::OWNER_KINDS
    }
    fn finish(&self) -> &'static [&'static str] {
        catalogue::FINISH_AT
    }
    fn categories(&self) -> &'static [&'static str] {
        rules::PROVIDER_CATEGORIES
    }
    fn dept_selected(&self, id: &i64) -> bool {
        self.v("department_id") == id.to_string()
    }
}

async fn show_item_form(
    s: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    form: FormState,
    saved: bool,
) -> Result<Response> {
    let page = ItemFormPage {
        chrome: Chrome::build(ctx, "/hall/items"),
        id,
        form,
        departments: crate::hall::web::department_options(s).await?,
        saved,
    };
    render_form(&page, &page.form)
}

fn item_values(i: &ItemInput) -> Vec<(&'static str, String)> {
    vec![
        ("revision", i.revision.clone()),
        ("code", i.code.clone()),
        ("name", i.name.clone()),
        ("name_en", i.name_en.clone()),
        ("group_key", i.group_key.clone()),
        ("kind", i.kind.clone()),
        ("owner_kind", i.owner_kind.clone()),
        ("department_id", i.department_id.clone()),
        ("provider_category", i.provider_category.clone()),
        ("finish_at", i.finish_at.clone()),
        ("time_limit_days", i.time_limit_days.clone()),
        ("materials", i.materials.clone()),
        ("description", i.description.clone()),
        ("online", i.online.clone().unwrap_or_default()),
        ("active", i.active.clone().unwrap_or_default()),
        ("sort_order", i.sort_order.clone()),
    ]
}

async fn new_item_page(_: Require<Admin>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    let form = FormState::from_error(
        "item",
        &ctx.tr,
        &[],
        vec![("active", "on".into()), ("time_limit_days", "5".into())],
    );
    show_item_form(&s, &ctx, None, form, false).await
}

async fn item_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(f): Query<SavedFlag>,
) -> Result<Response> {
    let i = catalogue::item(&s.db, id).await?;
    let input = ItemInput {
        code: i.code,
        name: i.name,
        name_en: i.name_en,
        group_key: i.group_key,
        kind: i.kind,
        owner_kind: i.owner_kind,
        department_id: i.department_id.map(|d| d.to_string()).unwrap_or_default(),
        provider_category: i.provider_category.unwrap_or_default(),
        finish_at: i.finish_at,
        time_limit_days: i.time_limit_days.to_string(),
        materials: i.materials,
        description: i.description,
        online: i.online.then(|| "on".to_string()),
        active: i.active.then(|| "on".to_string()),
        sort_order: i.sort_order.to_string(),
        revision: i.revision.to_string(),
    };
    let form = FormState::from_error("item", &ctx.tr, &[], item_values(&input));
    show_item_form(&s, &ctx, Some(id), form, f.saved.is_some()).await
}

async fn save_item(
    s: &AppState,
    ctx: &Ctx,
    u: &Require<Admin>,
    id: Option<i64>,
    f: ItemInput,
) -> Result<Response> {
    let result = match f.check() {
        Ok(save) => catalogue::save_item(&s.db, &u.actor(), id, &save).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(iid) => {
            super::state(s).forget();
            Ok(crate::platform::http::redirect(&format!(
                "/hall/items/{iid}?saved=1"
            )))
        }
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error("item", &ctx.tr, &errs, item_values(&f));
            show_item_form(s, ctx, id, form, false).await
        }
        Err(e) => Err(e),
    }
}

async fn post_new_item(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<ItemInput>,
) -> Result<Response> {
    save_item(&s, &ctx, &u, None, f).await
}

async fn post_item(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ItemInput>,
) -> Result<Response> {
    save_item(&s, &ctx, &u, Some(id), f).await
}

/// The service catalogue.
#[utoipa::path(get, path = "/api/v1/service-items", tag = "hall",
    responses((status = 200, body = [Item])))]
pub async fn api_items(_: Require<Hall>, State(s): State<AppState>) -> Result<Json<Vec<Item>>> {
    Ok(Json(catalogue::items(&s.db).await?))
}

// ------------------------------------------------------------------ calendar

#[derive(Deserialize, Default)]
#[serde(default)]
struct CalendarQuery {
    year: Option<i32>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "hall/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    year: i32,
    years: Vec<i32>,
    days: Vec<CalendarDay>,
    form: FormState,
    saved: bool,
}

impl CalendarPage {
    fn weekday(&self, d: &NaiveDate) -> String {
        self.chrome
            .tr
            .t(&format!(
                "hall.weekday.{}",
                d.weekday().num_days_from_monday()
            ))
            .to_string()
    }
}

async fn show_calendar(
    s: &AppState,
    ctx: &Ctx,
    year: i32,
    form: FormState,
    saved: bool,
) -> Result<Response> {
    let this = s.db.clock().today().year();
    let page = CalendarPage {
        chrome: Chrome::build(ctx, "/hall/items"),
        year,
        years: (this - 2..=this + 1).collect(),
        days: catalogue::calendar_days(&s.db, Some(year)).await?,
        form,
        saved,
    };
    render_form(&page, &page.form)
}

async fn calendar_page(
    _: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CalendarQuery>,
) -> Result<Response> {
    let year = q.year.unwrap_or(s.db.clock().today().year());
    if !(2000..=2200).contains(&year) {
        return Err(AppError::invalid("year", "hall.bad_year"));
    }
    show_calendar(&s, &ctx, year, FormState::default(), q.saved.is_some()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DayForm {
    day: String,
    kind: String,
    name: String,
}

async fn post_calendar(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<DayForm>,
) -> Result<Response> {
    let result = match parse_date(&f.day) {
        Some(d) if f.name.chars().count() <= 30 => {
            catalogue::set_day(&s.db, &u.actor(), d, &f.kind, &f.name)
                .await
                .map(|_| d)
        }
        Some(_) => Err(AppError::invalid("name", "hall.comment_too_long")),
        None => Err(AppError::invalid("day", "common.date")),
    };
    match result {
        Ok(d) => {
            super::state(&s).forget();
            Ok(crate::platform::http::redirect(&format!(
                "/hall/calendar?year={}&saved=1",
                d.year()
            )))
        }
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error(
                "day",
                &ctx.tr,
                &errs,
                vec![("day", f.day), ("kind", f.kind), ("name", f.name)],
            );
            show_calendar(&s, &ctx, s.db.clock().today().year(), form, false).await
        }
        Err(e) => Err(e),
    }
}

async fn post_calendar_delete(
    u: Require<Admin>,
    State(s): State<AppState>,
    CsrfForm(f): CsrfForm<DayForm>,
) -> Result<Response> {
    let d = parse_date(&f.day).ok_or_else(|| AppError::invalid("day", "common.date"))?;
    catalogue::delete_day(&s.db, &u.actor(), d).await?;
    super::state(&s).forget();
    Ok(crate::platform::http::redirect(&format!(
        "/hall/calendar?year={}&saved=1",
        d.year()
    )))
}

// ------------------------------------------------------------------ providers

role_set!(
    /// Providers: everyone in the hall but departments (who contract none).
    pub ProviderReaders = [DistrictAdmin, TownOfficer, CommunityStaff, Provider]
);

#[derive(Template)]
#[template(path = "hall/providers.html")]
struct ProvidersPage {
    chrome: Chrome,
    rows: Vec<Provider>,
    q: ProviderQuery,
    categories: &'static [&'static str],
    as_of: NaiveDate,
    expiring: usize,
    is_admin: bool,
}

impl ProvidersPage {
    fn q_text(&self) -> &str {
        self.q.q.as_deref().unwrap_or("")
    }
    fn cat_is(&self, c: &str) -> bool {
        self.q.category.as_deref() == Some(c)
    }
    fn status_is(&self, c: &str) -> bool {
        self.q.status.as_deref() == Some(c)
    }
}

async fn providers_page(
    u: Require<ProviderReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ProviderQuery>,
) -> Result<Response> {
    let today = s.db.clock().today();
    let rows = providers::list(&s.db, &u.scope, &q, today).await?;
    let expiring = rows.iter().filter(|p| p.expires_soon(today)).count();
    render(&ProvidersPage {
        chrome: Chrome::build(&ctx, "/hall/providers"),
        rows,
        q,
        categories: rules::PROVIDER_CATEGORIES,
        as_of: today,
        expiring,
        is_admin: u.is_admin(),
    })
}

#[derive(Template)]
#[template(path = "hall/provider.html")]
struct ProviderPage {
    chrome: Chrome,
    id: Option<i64>,
    p: Option<Provider>,
    served: Vec<Served>,
    form: FormState,
    categories: &'static [&'static str],
    as_of: NaiveDate,
    is_admin: bool,
    saved: bool,
}

impl ProviderPage {
    fn v(&self, f: &str) -> String {
        self.form.value("provider", f)
    }
    fn e(&self, f: &str) -> String {
        self.form.error("provider", f)
    }
    fn has_cat(&self, c: &str) -> bool {
        self.v("categories").split(',').any(|x| x == c)
    }
}

fn provider_values(i: &ProviderInput) -> Vec<(&'static str, String)> {
    vec![
        ("revision", i.revision.clone()),
        ("name", i.name.clone()),
        ("credit_code", i.credit_code.clone()),
        ("contact_name", i.contact_name.clone()),
        ("phone", i.phone.clone()),
        ("address", i.address.clone()),
        ("categories", i.categories.join(",")),
        ("contract_start", i.contract_start.clone()),
        ("contract_end", i.contract_end.clone()),
        ("terms", i.terms.clone()),
        ("price_notes", i.price_notes.clone()),
        ("status", i.status.clone()),
        ("communities", i.communities.clone()),
    ]
}

async fn show_provider(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: Option<i64>,
    form: Option<FormState>,
    saved: bool,
) -> Result<Response> {
    let (p, served) = match id {
        Some(id) => {
            let p = providers::load(&s.db, &u.scope, id).await?;
            let served = providers::communities_of(&s.db, &p).await?;
            (Some(p), served)
        }
        None => (None, vec![]),
    };
    let form = match (form, &p) {
        (Some(f), _) => f,
        (None, Some(p)) => FormState::from_error(
            "provider",
            &ctx.tr,
            &[],
            provider_values(&ProviderInput {
                name: p.name.clone(),
                credit_code: p.credit_code.clone().unwrap_or_default(),
                contact_name: p.contact_name.clone(),
                phone: p.phone.clone(),
                address: p.address.clone(),
                categories: p.category_list().iter().map(|c| c.to_string()).collect(),
                contract_start: p.contract_start.map(|d| d.to_string()).unwrap_or_default(),
                contract_end: p.contract_end.map(|d| d.to_string()).unwrap_or_default(),
                terms: p.terms.clone(),
                price_notes: p.price_notes.clone(),
                status: p.status.clone(),
                communities: served
                    .iter()
                    .map(|c| c.code.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
                revision: p.revision.to_string(),
            }),
        ),
        (None, None) => FormState::default(),
    };
    let page = ProviderPage {
        chrome: Chrome::build(ctx, "/hall/providers"),
        id,
        p,
        served,
        form,
        categories: rules::PROVIDER_CATEGORIES,
        as_of: s.db.clock().today(),
        is_admin: u.is_admin(),
        saved,
    };
    render_form(&page, &page.form)
}

async fn new_provider_page(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    show_provider(&s, &ctx, &u, None, None, false).await
}

async fn provider_page(
    u: Require<ProviderReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(f): Query<SavedFlag>,
) -> Result<Response> {
    show_provider(&s, &ctx, &u, Some(id), None, f.saved.is_some()).await
}

fn provider_input(pairs: &[(String, String)]) -> ProviderInput {
    ProviderInput {
        name: field(pairs, "name"),
        credit_code: field(pairs, "credit_code"),
        contact_name: field(pairs, "contact_name"),
        phone: field(pairs, "phone"),
        address: field(pairs, "address"),
        categories: pairs
            .iter()
            .filter(|(k, _)| k == "categories")
            .map(|(_, v)| v.clone())
            .collect(),
        contract_start: field(pairs, "contract_start"),
        contract_end: field(pairs, "contract_end"),
        terms: field(pairs, "terms"),
        price_notes: field(pairs, "price_notes"),
        status: field(pairs, "status"),
        communities: field(pairs, "communities"),
        revision: field(pairs, "revision"),
    }
}

async fn save_provider(
    s: &AppState,
    ctx: &Ctx,
    u: &Require<Admin>,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let input = provider_input(&pairs);
    let result = match input.check() {
        Ok(save) => providers::save(&s.db, &s.district, u, id, &save).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(pid) => Ok(crate::platform::http::redirect(&format!(
            "/hall/providers/{pid}?saved=1"
        ))),
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error("provider", &ctx.tr, &errs, provider_values(&input));
            show_provider(s, ctx, u, id, Some(form), false).await
        }
        Err(e) => Err(e),
    }
}

async fn post_new_provider(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_provider(&s, &ctx, &u, None, pairs).await
}

async fn post_provider(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_provider(&s, &ctx, &u, Some(id), pairs).await
}

/// Providers the caller sees.
#[utoipa::path(get, path = "/api/v1/providers", tag = "hall", params(ProviderQuery),
    responses((status = 200, body = [Provider])))]
pub async fn api_providers(
    u: Require<ProviderReaders>,
    State(s): State<AppState>,
    Query(q): Query<ProviderQuery>,
) -> Result<Json<Vec<Provider>>> {
    Ok(Json(
        providers::list(&s.db, &u.scope, &q, s.db.clock().today()).await?,
    ))
}

// ------------------------------------------------------------------ contact cards

/// Providers of a community grouped by category, for the card and the public directory.
pub fn by_category(ps: &[Provider]) -> Vec<(&'static str, Vec<Provider>)> {
    rules::PROVIDER_CATEGORIES
        .iter()
        .map(|c| {
            (
                *c,
                ps.iter()
                    .filter(|p| p.category_list().contains(c))
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// A QR code as inline SVG.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(120, 120)
            .quiet_zone(true)
            .build()
            .replacen("<?xml version=\"1.0\" standalone=\"yes\"?>", "", 1),
        Err(_) => String::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CardQuery {
    /// a6 (default) or a4
    size: Option<String>,
}

#[derive(Template)]
#[template(path = "hall/card.html")]
struct CardPage {
    chrome: Chrome,
    community: String,
    town: String,
    groups: Vec<(&'static str, Vec<Provider>)>,
    qr: String,
    url: String,
    a4: bool,
    printed_on: NaiveDate,
}

async fn card_page(
    u: Require<Registry>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<CardQuery>,
) -> Result<Response> {
    let c = crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let today = s.db.clock().today();
    let ps = providers::serving(&s.db, &c.row.code, today).await?;
    let url = crate::platform::http::public_url(&s, &format!("/p/{}", c.row.code));
    // a QR code to an address residents cannot reach (the listen address) is worse than none
    let configured = s.config.public_base().1;
    render(&CardPage {
        chrome: Chrome::build(&ctx, "/hall/providers"),
        community: c.row.name.clone(),
        town: c.row.town_name.clone(),
        groups: by_category(&ps),
        qr: if configured {
            qr_svg(&url)
        } else {
            String::new()
        },
        url,
        a4: q.size.as_deref() == Some("a4"),
        printed_on: today,
    })
}
