//! Registering a case at the window, with the resident found or added.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RegisterQuery {
    pub(super) resident: Option<i64>,
    pub(super) q: Option<String>,
    pub(super) item: Option<i64>,
}

#[derive(Template)]
#[template(path = "hall/register.html")]
pub(super) struct RegisterPage {
    pub(super) chrome: Chrome,
    pub(super) form: FormState,
    pub(super) items: Vec<Item>,
    /// Community staff register for their own community; the admin types the code.
    pub(super) fixed_community: Option<(String, String)>,
    pub(super) found: Vec<residents::Resident>,
    pub(super) search: String,
    pub(super) english: bool,
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

pub(super) async fn register_page(
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

pub(super) async fn show_register(
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
    let items = crate::hall::state(s)
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
pub(super) async fn check_window_input(
    s: &AppState,
    u: &CurrentUser,
    mut f: CaseInput,
) -> Result<(cases::NewCase, CaseInput)> {
    if let Scope::Community(c) = &u.scope {
        f.community = c.as_str().to_string();
    }
    let items = crate::hall::state(s).items(&s.db).await?;
    let n = f.check(&items, "window", false)?;
    Ok((n, f))
}

pub(super) async fn post_register(
    u: Require<Window>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<CaseInput>,
) -> Result<Response> {
    let result = match check_window_input(&s, &u, f.clone()).await {
        Ok((n, _)) => {
            let cal = crate::hall::state(&s).calendar(&s.db).await?;
            cases::register(&s.db, &s.district, &cal, &u.actor(), &n, s.db.clock().now()).await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|(reg, notice)| {
        crate::hall::state(&s).notify(notice);
        format!("/hall/cases/{}?registered=1", reg.id)
    });
    redirect_or_show(
        result,
        "case",
        &ctx.tr,
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
        |form| show_register(&s, &ctx, &u, form, vec![], String::new()),
    )
    .await
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
    let cal = crate::hall::state(&s).calendar(&s.db).await?;
    let (reg, notice) =
        cases::register(&s.db, &s.district, &cal, &u.actor(), &n, s.db.clock().now()).await?;
    crate::hall::state(&s).notify(notice);
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
