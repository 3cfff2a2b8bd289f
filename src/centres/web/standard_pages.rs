//! The construction standards, edited as data: rooms, areas, rewards, by version.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Template)]
#[template(path = "centres/standards.html")]
pub(super) struct StandardsPage {
    pub(super) chrome: Chrome,
    pub(super) standards: Vec<Standard>,
    pub(super) current: Option<i64>,
    pub(super) can_edit: bool,
    pub(super) saved: bool,
}

impl StandardsPage {
    fn is_current(&self, id: impl std::borrow::Borrow<i64>) -> bool {
        self.current == Some(*id.borrow())
    }
    fn category_key(&self, c: &Category) -> String {
        format!("centres.category.{}", c.key())
    }
}

pub(super) async fn standards_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    let mut standards = store::standards(&s.db.conn).await?;
    let current = store::in_force(&standards, s.db.clock().today().year()).map(|s| s.id);
    standards.reverse();
    render(&StandardsPage {
        chrome: Chrome::build(&ctx, "/centres"),
        standards,
        current,
        can_edit: u.is_admin(),
        saved: q.saved.is_some(),
    })
}

/// One row of the items table on the standard form.
pub(super) struct ItemRowForm {
    pub(super) id: String,
    pub(super) category: String,
    pub(super) name: String,
    pub(super) required: bool,
    pub(super) min_area: String,
}

#[derive(Template)]
#[template(path = "centres/standard_form.html")]
pub(super) struct StandardFormPage {
    pub(super) chrome: Chrome,
    pub(super) id: Option<i64>,
    pub(super) values: HashMap<String, String>,
    pub(super) rows: Vec<ItemRowForm>,
    pub(super) form: FormState,
    pub(super) projects: i64,
}

impl StandardFormPage {
    fn v(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }
    fn err(&self, field: &str) -> String {
        self.form.error("standard", field)
    }
    fn row_err(&self, i: &usize, field: &str) -> String {
        self.form.error("standard", &format!("i{i}_{field}"))
    }
    fn categories(&self) -> Vec<&'static str> {
        Category::ALL.iter().map(|c| c.key()).collect()
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/centres/standards/{id}"),
            None => "/centres/standards".into(),
        }
    }
}

/// Blank rows at the end of the items table for new items (the page works without script).
pub(super) const BLANK_ITEM_ROWS: usize = 5;

pub(super) fn standard_values(s: &Standard) -> HashMap<String, String> {
    let area = |a: Option<i64>| {
        a.map(|a| Area(a).m2_string().replace(',', ""))
            .unwrap_or_default()
    };
    let money = |f: i64| Fen(f).yuan_string().replace(',', "");
    [
        ("revision", s.revision.to_string()),
        ("name", s.name.clone()),
        ("effective_year", s.effective_year.to_string()),
        ("area_new", area(s.terms.area_new_dm2)),
        ("area_renovation", area(s.terms.area_renovation_dm2)),
        ("area_integrated", area(s.terms.area_integrated_dm2)),
        ("reward_new", money(s.terms.reward_new_fen)),
        ("reward_renovation", money(s.terms.reward_renovation_fen)),
        ("reward_integrated", money(s.terms.reward_integrated_fen)),
        ("note", s.note.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub(super) fn item_rows(s: &Standard, keep_ids: bool) -> Vec<ItemRowForm> {
    let mut rows: Vec<ItemRowForm> = s
        .items
        .iter()
        .map(|i| ItemRowForm {
            id: if keep_ids {
                i.id.to_string()
            } else {
                String::new()
            },
            category: i.category.key().into(),
            name: i.name.clone(),
            required: i.required,
            min_area: i
                .min_area_dm2
                .map(|a| Area(a).m2_string().replace(',', ""))
                .unwrap_or_default(),
        })
        .collect();
    rows.extend((0..BLANK_ITEM_ROWS).map(|_| ItemRowForm {
        id: String::new(),
        category: String::new(),
        name: String::new(),
        required: true,
        min_area: String::new(),
    }));
    rows
}

pub(super) async fn new_standard_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let all = store::standards(&s.db.conn).await?;
    // A new version starts as a copy of the latest, effective next year.
    let (mut values, rows) = match all.last() {
        Some(latest) => (standard_values(latest), item_rows(latest, false)),
        None => (
            HashMap::new(),
            item_rows(
                &Standard {
                    id: 0,
                    name: String::new(),
                    effective_year: 0,
                    terms: Terms::default(),
                    note: String::new(),
                    items: vec![],
                    projects: 0,
                    revision: 0,
                },
                false,
            ),
        ),
    };
    let next = all
        .last()
        .map(|l| l.effective_year + 1)
        .unwrap_or(s.db.clock().today().year())
        .max(s.db.clock().today().year());
    values.insert("effective_year".into(), next.to_string());
    render(&StandardFormPage {
        chrome: Chrome::build(&ctx, "/centres"),
        id: None,
        values,
        rows,
        form: FormState::default(),
        projects: 0,
    })
}

pub(super) async fn standard_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let st = store::load_standard(&s.db, id).await?;
    render(&StandardFormPage {
        chrome: Chrome::build(&ctx, "/centres"),
        id: Some(id),
        values: standard_values(&st),
        rows: item_rows(&st, true),
        form: FormState::default(),
        projects: st.projects,
    })
}

/// Read the standard form: fixed fields and the numbered item rows.
pub(super) fn parse_standard_form(pairs: &[(String, String)]) -> (StandardSave, Vec<FieldError>) {
    let get = |k: &str| field(pairs, k);
    let mut p = Parse::default();
    let year = p.int("effective_year", &get("effective_year"));
    if year.is_none() && get("effective_year").trim().is_empty() {
        p.errs
            .push(FieldError::new("effective_year", "common.required"));
    }
    let terms = Terms {
        area_new_dm2: p.area("area_new", &get("area_new")),
        area_renovation_dm2: p.area("area_renovation", &get("area_renovation")),
        area_integrated_dm2: p.area("area_integrated", &get("area_integrated")),
        reward_new_fen: p.money("reward_new", &get("reward_new")),
        reward_renovation_fen: p.money("reward_renovation", &get("reward_renovation")),
        reward_integrated_fen: p.money("reward_integrated", &get("reward_integrated")),
    };
    let rows = rows_of(pairs, 'i');
    let mut items = vec![];
    let mut item_ids = HashMap::new();
    let mut remove = vec![];
    for r in rows {
        let f = |x: &str| get(&format!("i{r}_{x}"));
        let id: Option<i64> = f("id").trim().parse().ok();
        let name = f("name");
        if !f("remove").is_empty() {
            if let Some(id) = id {
                remove.push(id);
                item_ids.insert(r, id);
            }
            continue;
        }
        if id.is_none() && name.trim().is_empty() {
            continue; // an unused blank row
        }
        if let Some(id) = id {
            item_ids.insert(r, id);
        }
        let min = p.area(&format!("i{r}_min_area"), &f("min_area"));
        items.push((
            r,
            Category::parse(&f("category")),
            name,
            !f("required").is_empty(),
            min,
        ));
    }
    let save = StandardSave {
        input: StandardInput {
            name: get("name"),
            effective_year: year.unwrap_or(0),
            terms,
            items,
        },
        note: get("note"),
        item_ids,
        remove,
        revision: crate::platform::revision::base(&get("revision")).unwrap_or_else(|_| {
            p.errs
                .push(FieldError::new("revision", "common.whole_number"));
            None
        }),
    };
    (save, p.errs)
}

pub(super) async fn save_standard_form(
    s: &AppState,
    ctx: &Ctx,
    u: &Require<Admin>,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let (save, mut errs) = parse_standard_form(&pairs);
    let result = if errs.is_empty() {
        store::save_standard(&s.db, &u.actor(), id, &save).await
    } else {
        // Report the parse errors with the rules' own, in one go.
        let more: Vec<FieldError> = rules::validate_standard(&save.input)
            .into_iter()
            .filter(|e| !errs.iter().any(|x| x.field == e.field))
            .collect();
        errs.extend(more);
        Err(AppError::Invalid(errs))
    };
    let result = result.map(|_| "/centres/standards?saved=1".to_string());
    redirect_or_show(result, "standard", &ctx.tr, vec![], |form| async move {
        let mut values: HashMap<String, String> = pairs
            .iter()
            .filter(|(k, _)| !k.starts_with('i') || k == "_csrf")
            .cloned()
            .collect();
        // after a stale save the form carries the revision saved since
        if let Some(current) = form.values.get(crate::platform::revision::FIELD) {
            values.insert(crate::platform::revision::FIELD.into(), current.clone());
        }
        let get = |k: &str| field(&pairs, k);
        let rows = rows_of(&pairs, 'i')
            .into_iter()
            .map(|r| ItemRowForm {
                id: get(&format!("i{r}_id")),
                category: get(&format!("i{r}_category")),
                name: get(&format!("i{r}_name")),
                required: !get(&format!("i{r}_required")).is_empty(),
                min_area: get(&format!("i{r}_min_area")),
            })
            .collect();
        let projects = match id {
            Some(id) => store::load_standard(&s.db, id).await?.projects,
            None => 0,
        };
        let page = StandardFormPage {
            chrome: Chrome::build(ctx, "/centres"),
            id,
            values,
            rows,
            form,
            projects,
        };
        render_form(&page, &page.form)
    })
    .await
}

pub(super) async fn post_new_standard(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_standard_form(&s, &ctx, &u, None, pairs).await
}

pub(super) async fn post_standard(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_standard_form(&s, &ctx, &u, Some(id), pairs).await
}

/// Every version of the centre standard with its items, oldest first.
#[utoipa::path(get, path = "/api/v1/centre-standards", tag = "centres", security(("bearer" = [])),
    responses((status = 200, body = Vec<Standard>), (status = 403)))]
pub async fn api_standards(
    _: Require<Officials>,
    State(s): State<AppState>,
) -> Result<Json<Vec<Standard>>> {
    Ok(Json(store::standards(&s.db.conn).await?))
}
