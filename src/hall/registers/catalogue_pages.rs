//! The service catalogue: items, their groups, deadlines and departments.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Template)]
#[template(path = "hall/items.html")]
pub(super) struct ItemsPage {
    pub(super) chrome: Chrome,
    pub(super) items: Vec<Item>,
    pub(super) is_admin: bool,
    pub(super) english: bool,
}

pub(super) async fn items_page(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    render(&ItemsPage {
        chrome: Chrome::build(&ctx, "/hall/items"),
        items: catalogue::items(&s.db).await?,
        is_admin: u.is_admin(),
        english: english(&ctx),
    })
}

#[derive(Template)]
#[template(path = "hall/item_form.html")]
pub(super) struct ItemFormPage {
    pub(super) chrome: Chrome,
    pub(super) id: Option<i64>,
    pub(super) form: FormState,
    pub(super) departments: Vec<(i64, String)>,
    pub(super) saved: bool,
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

pub(super) async fn show_item_form(
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

pub(super) fn item_values(i: &ItemInput) -> Vec<(&'static str, String)> {
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

pub(super) async fn new_item_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let form = FormState::from_error(
        "item",
        &ctx.tr,
        &[],
        vec![("active", "on".into()), ("time_limit_days", "5".into())],
    );
    show_item_form(&s, &ctx, None, form, false).await
}

pub(super) async fn item_page(
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

pub(super) async fn save_item(
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
    let result = result.map(|iid| {
        crate::hall::state(s).forget();
        format!("/hall/items/{iid}?saved=1")
    });
    redirect_or_show(result, "item", &ctx.tr, item_values(&f), |form| {
        show_item_form(s, ctx, id, form, false)
    })
    .await
}

pub(super) async fn post_new_item(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<ItemInput>,
) -> Result<Response> {
    save_item(&s, &ctx, &u, None, f).await
}

pub(super) async fn post_item(
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
