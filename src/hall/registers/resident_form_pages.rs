//! A resident's form at the window: every registry field, the household by its number.

use super::*;
use crate::platform::http::form::redirect_or_show;
use crate::registry::codes;
use crate::registry::person::PersonInput;
use crate::registry::save::{self, ResidentInput};

/// The form's text fields and dates, in order.
const TEXT_FIELDS: [&str; 5] = ["name", "id_number", "phone", "address", "household"];
const DATES: [&str; 2] = ["birth_date", "arrived_on"];

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
    /// The choices of a select: (key, label).
    fn options(&self, field: &str) -> Vec<(String, String)> {
        let tr = &self.chrome.tr;
        let keys: Vec<String> = match field {
            "relation" => codes::RELATIONS.iter().map(|s| s.to_string()).collect(),
            "gender" => vec!["1".into(), "2".into()],
            "ethnicity" => codes::ethnicities().collect(),
            "education" => codes::Education::ALL
                .iter()
                .map(|e| e.key().into())
                .collect(),
            "employment" => codes::Employment::ALL
                .iter()
                .map(|e| e.key().into())
                .collect(),
            "residence" => codes::Residence::ALL
                .iter()
                .map(|e| e.key().into())
                .collect(),
            "disability_category" => (1..=codes::DISABILITY_CATEGORIES)
                .map(|n| n.to_string())
                .collect(),
            "disability_grade" => (1..=codes::DISABILITY_GRADES)
                .map(|n| n.to_string())
                .collect(),
            _ => vec![],
        };
        keys.into_iter()
            .map(|k| {
                let label = tr.t(&format!("registry.{field}.{k}")).to_string();
                (k, label)
            })
            .collect()
    }
}

/// The form's selects, in order.
const SELECTS: [&str; 8] = [
    "relation",
    "gender",
    "ethnicity",
    "education",
    "employment",
    "residence",
    "disability_category",
    "disability_grade",
];

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

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewIn {
    /// A household number (a new member of it) and its community.
    household: String,
    community: String,
}

pub(super) async fn new_resident_page(
    u: Require<RegistryKeepers>,
    ctx: Ctx,
    Query(q): Query<NewIn>,
) -> Result<Response> {
    let household: String = q.household.trim().chars().take(20).collect();
    let community: String = q.community.trim().chars().take(12).collect();
    let form = if household.is_empty() {
        FormState::default()
    } else {
        FormState::from_error(
            "resident",
            &ctx.tr,
            &[],
            vec![("household", household), ("community", community)],
        )
    };
    show_resident_form(&ctx, &u, None, form, false)
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
    // the record shows the ID number and phone in full: the showing is logged
    let r = crate::registry::access::view(&s.db, &s.district, &u, id).await?;
    let (category, grade) = codes::disability_parts(r.disability.expose())
        .map(|(c, g)| (c.to_string(), g.to_string()))
        .unwrap_or_default();
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
            ("relation", r.relation.clone()),
            ("gender", r.gender.clone()),
            (
                "birth_date",
                r.birth_date
                    .as_ref()
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
            ),
            ("ethnicity", r.ethnicity.clone()),
            ("education", r.education.clone()),
            ("employment", r.employment.clone()),
            ("residence", r.residence.clone()),
            ("arrived_on", r.arrived_on.clone().unwrap_or_default()),
            ("disability_category", category),
            ("disability_grade", grade),
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
        person: PersonInput {
            name: field(pairs, "name"),
            id_number: field(pairs, "id_number"),
            gender: field(pairs, "gender"),
            birth_date: field(pairs, "birth_date"),
            phone: field(pairs, "phone"),
            address: field(pairs, "address"),
            household: field(pairs, "household"),
            relation: field(pairs, "relation"),
            ethnicity: field(pairs, "ethnicity"),
            education: field(pairs, "education"),
            employment: field(pairs, "employment"),
            residence: field(pairs, "residence"),
            arrived_on: field(pairs, "arrived_on"),
            disability_category: field(pairs, "disability_category"),
            disability_grade: field(pairs, "disability_grade"),
            tags: pairs
                .iter()
                .filter(|(k, _)| k == "tags")
                .map(|(_, v)| v.clone())
                .collect(),
        },
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
    let result = match input.check(s.db.clock().today()) {
        Ok(save) => save::save(&s.db, &s.district, u, id, &save).await,
        Err(e) => Err(e),
    };
    let mut values: Vec<(&str, String)> = vec![
        ("community", input.community),
        ("tags", input.person.tags.join(",")),
        ("revision", input.revision),
    ];
    for f in TEXT_FIELDS.iter().chain(&SELECTS).chain(&DATES) {
        values.push((f, field(&pairs, f)));
    }
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
