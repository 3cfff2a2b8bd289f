//! Providers of contracted convenience services: the register, one provider, what they serve.

use super::*;
use crate::platform::http::form::redirect_or_show;

role_set!(
    /// Providers: everyone in the hall but departments (who contract none).
    pub ProviderReaders = [DistrictAdmin, TownOfficer, CommunityStaff, Provider]
);

#[derive(Template)]
#[template(path = "hall/providers.html")]
pub(super) struct ProvidersPage {
    pub(super) chrome: Chrome,
    pub(super) rows: Vec<Provider>,
    pub(super) q: ProviderQuery,
    pub(super) categories: &'static [&'static str],
    pub(super) as_of: NaiveDate,
    pub(super) expiring: usize,
    pub(super) is_admin: bool,
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

pub(super) async fn providers_page(
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
pub(super) struct ProviderPage {
    pub(super) chrome: Chrome,
    pub(super) id: Option<i64>,
    pub(super) p: Option<Provider>,
    pub(super) served: Vec<Served>,
    pub(super) form: FormState,
    pub(super) categories: &'static [&'static str],
    pub(super) as_of: NaiveDate,
    pub(super) is_admin: bool,
    pub(super) saved: bool,
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

pub(super) fn provider_values(i: &ProviderInput) -> Vec<(&'static str, String)> {
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

pub(super) async fn show_provider(
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

pub(super) async fn new_provider_page(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    show_provider(&s, &ctx, &u, None, None, false).await
}

pub(super) async fn provider_page(
    u: Require<ProviderReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(f): Query<SavedFlag>,
) -> Result<Response> {
    show_provider(&s, &ctx, &u, Some(id), None, f.saved.is_some()).await
}

pub(super) fn provider_input(pairs: &[(String, String)]) -> ProviderInput {
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

pub(super) async fn save_provider(
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
    let result = result.map(|pid| format!("/hall/providers/{pid}?saved=1"));
    redirect_or_show(
        result,
        "provider",
        &ctx.tr,
        provider_values(&input),
        |form| show_provider(s, ctx, u, id, Some(form), false),
    )
    .await
}

pub(super) async fn post_new_provider(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_provider(&s, &ctx, &u, None, pairs).await
}

pub(super) async fn post_provider(
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
