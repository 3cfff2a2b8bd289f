//! Erasing a resident (the data subject's right): a confirmation with the numbers, then the erasure.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Template)]
#[template(path = "hall/erase.html")]
pub(super) struct ErasePage {
    pub(super) chrome: Chrome,
    pub(super) id: i64,
    pub(super) e: residents::Erasure,
    pub(super) error: String,
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
pub(super) async fn erase_page(
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
pub(super) struct EraseForm {
    pub(super) confirm: String,
}

/// Erase a person's data at their request; the district admin, after the confirmation.
pub(super) async fn post_erase(
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
pub(super) struct ResidentFormPage {
    pub(super) chrome: Chrome,
    pub(super) id: Option<i64>,
    pub(super) form: FormState,
    pub(super) tags: Vec<&'static str>,
    pub(super) fixed_community: Option<(String, String)>,
    pub(super) saved: bool,
    /// The district admin may erase the person's data (a link to the confirmation).
    pub(super) can_erase: bool,
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

pub(super) fn show_resident_form(
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

pub(super) async fn new_resident_page(u: Require<RegistryKeepers>, ctx: Ctx) -> Result<Response> {
    show_resident_form(&ctx, &u, None, FormState::default(), false)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SavedFlag {
    pub(super) saved: Option<String>,
}

/// A resident's form: for those who keep the registry (a town reads the list, masked).
pub(super) async fn resident_page(
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

pub(super) fn resident_input(u: &CurrentUser, pairs: &[(String, String)]) -> ResidentInput {
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

pub(super) async fn save_resident(
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
    let values = vec![
        ("community", input.community),
        ("name", input.name),
        ("id_number", input.id_number),
        ("phone", input.phone),
        ("address", input.address),
        ("household", input.household),
        ("tags", input.tags.join(",")),
        ("revision", input.revision),
    ];
    let result = result.map(|rid| format!("/hall/residents/{rid}?saved=1"));
    redirect_or_show(result, "resident", &ctx.tr, values, |form| async move {
        show_resident_form(ctx, u, id, form, false)
    })
    .await
}

pub(super) async fn post_new_resident(
    u: Require<RegistryKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_resident(&s, &ctx, &u, None, pairs).await
}

pub(super) async fn post_resident(
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
