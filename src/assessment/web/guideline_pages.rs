//! Work guidelines: a department's indicators and titles, drafted and published.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Template)]
#[template(path = "assessment/guidelines.html")]
pub(super) struct GuidelinesPage {
    pub(super) chrome: Chrome,
    pub(super) rows: Vec<GuidelineRow>,
    pub(super) can_write_any: bool,
}

pub(super) async fn guidelines_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let rows = store::guidelines(&s.db.conn, &u).await?;
    render(&GuidelinesPage {
        chrome: Chrome::build(&ctx, "/assessment"),
        rows,
        can_write_any: matches!(u.role, Role::DistrictAdmin | Role::DepartmentOfficer),
    })
}

pub(super) struct ItemForm {
    pub(super) title: String,
    pub(super) requirements: String,
    pub(super) standard: String,
}

pub(super) struct IndicatorForm {
    pub(super) category: String,
    pub(super) name: String,
    pub(super) max: String,
    pub(super) method: String,
    pub(super) deduction: bool,
    pub(super) measure: String,
}

pub(super) struct TitleForm {
    pub(super) title: String,
    pub(super) category: String,
    pub(super) min: String,
}

#[derive(Template)]
#[template(path = "assessment/guideline.html")]
pub(super) struct GuidelinePage {
    pub(super) chrome: Chrome,
    pub(super) g: Option<Guideline>,
    pub(super) editable: bool,
    pub(super) can_version: bool,
    pub(super) values: HashMap<String, String>,
    pub(super) items: Vec<ItemForm>,
    pub(super) indicators: Vec<IndicatorForm>,
    pub(super) titles: Vec<TitleForm>,
    pub(super) departments: Vec<(i64, String)>,
    pub(super) is_admin: bool,
    pub(super) form: FormState,
}

impl GuidelinePage {
    fn v(&self, f: &str) -> String {
        self.values.get(f).cloned().unwrap_or_default()
    }
    fn err(&self, f: String) -> String {
        self.form.error("guideline", &f)
    }
    fn measures(&self) -> &'static [&'static str] {
        rules::MEASURES
    }
    fn methods(&self) -> &'static [&'static str] {
        rules::METHODS
    }
    fn action(&self) -> String {
        match &self.g {
            Some(g) => format!("/assessment/guidelines/{}", g.row.id),
            None => "/assessment/guidelines".into(),
        }
    }
    fn rule_text(&self) -> String {
        match &self.g {
            Some(g) => self
                .chrome
                .tr
                .f("assessment.rule", &[&g.row.full_at, &g.row.zero_below]),
            None => String::new(),
        }
    }
    fn dept_selected(&self, id: &i64) -> bool {
        self.v("department") == id.to_string()
    }
}

pub(super) const BLANK_ROWS: usize = 4;

pub(super) fn page_rows(
    g: Option<&Guideline>,
) -> (Vec<ItemForm>, Vec<IndicatorForm>, Vec<TitleForm>) {
    let mut items: Vec<ItemForm> = g
        .map(|g| {
            g.items
                .iter()
                .map(|i| ItemForm {
                    title: i.title.clone(),
                    requirements: i.requirements.clone(),
                    standard: i.standard.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut inds: Vec<IndicatorForm> = g
        .map(|g| {
            g.indicators
                .iter()
                .map(|i| IndicatorForm {
                    category: i.category.clone(),
                    name: i.name.clone(),
                    max: rules::points_text(i.max_x10),
                    method: i.method.clone(),
                    deduction: i.deduction,
                    measure: i.measure.clone().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut titles: Vec<TitleForm> = g
        .map(|g| {
            g.titles
                .iter()
                .map(|t| TitleForm {
                    title: t.title.clone(),
                    category: t.category.clone(),
                    min: t.min_pct.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    for _ in 0..BLANK_ROWS {
        items.push(ItemForm {
            title: String::new(),
            requirements: String::new(),
            standard: String::new(),
        });
        inds.push(IndicatorForm {
            category: String::new(),
            name: String::new(),
            max: String::new(),
            method: "material".into(),
            deduction: false,
            measure: String::new(),
        });
    }
    titles.push(TitleForm {
        title: String::new(),
        category: String::new(),
        min: String::new(),
    });
    (items, inds, titles)
}

pub(super) fn values_of(g: &Guideline) -> HashMap<String, String> {
    [
        (
            "department",
            g.row
                .department_id
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("revision", g.row.revision.to_string()),
        ("year", g.row.year.to_string()),
        ("title", g.row.title.clone()),
        ("summary", g.row.summary.clone()),
        ("subsidy_basis", g.row.subsidy_basis.clone()),
        (
            "subsidy",
            Fen(g.row.subsidy_fen).yuan_string().replace(',', ""),
        ),
        ("full_at", g.row.full_at.to_string()),
        ("zero_below", g.row.zero_below.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The departments for the guideline form, named in the reader's language.
pub(super) async fn departments(
    s: &AppState,
    tr: &crate::platform::i18n::Tr,
) -> Result<Vec<(i64, String)>> {
    #[derive(sea_orm::FromQueryResult)]
    struct D {
        id: i64,
        name: String,
        name_en: String,
    }
    let d: Vec<D> = crate::platform::db::all(
        &s.db.conn,
        "SELECT id, name, name_en FROM departments ORDER BY sort_order, id",
        crate::vals![],
    )
    .await?;
    let en = tr.lang == crate::platform::i18n::Lang::En;
    Ok(d.into_iter()
        .map(|d| {
            let name = if en && !d.name_en.trim().is_empty() {
                d.name_en
            } else {
                d.name
            };
            (d.id, name)
        })
        .collect())
}

pub(super) async fn new_guideline_page(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let (items, indicators, titles) = page_rows(None);
    let mut values: HashMap<String, String> = HashMap::new();
    values.insert("year".into(), s.db.clock().today().year().to_string());
    values.insert("subsidy_basis".into(), "fixed".into());
    values.insert("full_at".into(), "90".into());
    values.insert("zero_below".into(), "60".into());
    if let Scope::Department(d) = &u.scope {
        values.insert("department".into(), d.to_string());
    }
    render(&GuidelinePage {
        chrome: Chrome::build(&ctx, "/assessment"),
        g: None,
        editable: true,
        can_version: false,
        values,
        items,
        indicators,
        titles,
        departments: departments(&s, &ctx.tr).await?,
        is_admin: u.is_admin(),
        form: FormState::default(),
    })
}

pub(super) async fn guideline_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let g = store::guideline(&s.db.conn, &u, id).await?;
    let writer = store::can_write(&u, g.row.department_id);
    let (items, indicators, titles) = page_rows(Some(&g));
    render(&GuidelinePage {
        chrome: Chrome::build(&ctx, "/assessment"),
        values: values_of(&g),
        editable: writer && g.row.status == "draft",
        can_version: writer && g.row.status == "published",
        g: Some(g),
        items,
        indicators,
        titles,
        departments: departments(&s, &ctx.tr).await?,
        is_admin: u.is_admin(),
        form: FormState::default(),
    })
}

pub(super) fn parse_guideline(
    pairs: &[(String, String)],
    u: &CurrentUser,
) -> (GuidelineInput, Vec<FieldError>) {
    let mut p = Parse::default();
    let year = field(pairs, "year").trim().parse::<i64>().unwrap_or(0);
    let full_at = p.required_int(
        "full_at",
        field(pairs, "full_at").trim().trim_end_matches('%'),
    );
    let zero_below = p.required_int(
        "zero_below",
        field(pairs, "zero_below").trim().trim_end_matches('%'),
    );
    let subsidy_fen = p.money("subsidy", &field(pairs, "subsidy"));
    let department_id = match &u.scope {
        Scope::Department(d) => Some(*d),
        _ => field(pairs, "department").trim().parse::<i64>().ok(),
    };
    let items = rows_of(pairs, 'i')
        .into_iter()
        .map(|r| {
            (
                field(pairs, &format!("i{r}_title")),
                field(pairs, &format!("i{r}_requirements")),
                field(pairs, &format!("i{r}_standard")),
            )
        })
        .filter(|(t, q, s)| !(t.trim().is_empty() && q.trim().is_empty() && s.trim().is_empty()))
        .collect();
    let mut indicators = vec![];
    for r in rows_of(pairs, 'n') {
        let name = field(pairs, &format!("n{r}_name"));
        let max_raw = field(pairs, &format!("n{r}_max"));
        if name.trim().is_empty() && max_raw.trim().is_empty() {
            continue;
        }
        let max_x10 = if max_raw.trim().is_empty() {
            None
        } else {
            match rules::parse_points(&max_raw) {
                Ok(m) => Some(m),
                Err(k) => {
                    p.errs.push(FieldError::new(&format!("n{r}_max"), k));
                    Some(1)
                }
            }
        };
        indicators.push(IndicatorInput {
            row: r,
            category: field(pairs, &format!("n{r}_category")),
            name,
            max_x10,
            method: field(pairs, &format!("n{r}_method")),
            deduction: !field(pairs, &format!("n{r}_deduction")).is_empty(),
            measure: field(pairs, &format!("n{r}_measure")),
        });
    }
    let titles = rows_of(pairs, 't')
        .into_iter()
        .filter(|r| !field(pairs, &format!("t{r}_title")).trim().is_empty())
        .map(|r| Title {
            title: field(pairs, &format!("t{r}_title")),
            category: field(pairs, &format!("t{r}_category")),
            min_pct: field(pairs, &format!("t{r}_min"))
                .trim()
                .parse()
                .unwrap_or(-1),
        })
        .collect();
    (
        GuidelineInput {
            department_id,
            year,
            title: field(pairs, "title"),
            summary: field(pairs, "summary"),
            subsidy_basis: field(pairs, "subsidy_basis"),
            subsidy_fen,
            full_at,
            zero_below,
            items,
            indicators,
            titles,
            revision: crate::platform::revision::base(&field(pairs, "revision")).unwrap_or_else(
                |_| {
                    p.errs
                        .push(FieldError::new("revision", "common.whole_number"));
                    None
                },
            ),
        },
        p.errs,
    )
}

pub(super) async fn save_guideline_form(
    s: &AppState,
    ctx: &Ctx,
    u: &Require<GuidelineWriters>,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let (input, errs) = parse_guideline(&pairs, u);
    let result = if errs.is_empty() {
        store::save_guideline(&s.db, u, id, &input).await
    } else {
        Err(AppError::Invalid(errs))
    };
    let result = result.map(|gid| format!("/assessment/guidelines/{gid}"));
    redirect_or_show(result, "guideline", &ctx.tr, vec![], |form| async move {
        let g = match id {
            Some(id) => Some(store::guideline(&s.db.conn, u, id).await?),
            None => None,
        };
        let mut values: HashMap<String, String> = pairs.iter().cloned().collect();
        // after a stale save the form carries the revision saved since
        if let Some(current) = form.values.get(crate::platform::revision::FIELD) {
            values.insert(crate::platform::revision::FIELD.into(), current.clone());
        }
        let items = rows_of(&pairs, 'i')
            .into_iter()
            .map(|r| ItemForm {
                title: field(&pairs, &format!("i{r}_title")),
                requirements: field(&pairs, &format!("i{r}_requirements")),
                standard: field(&pairs, &format!("i{r}_standard")),
            })
            .collect();
        let indicators = rows_of(&pairs, 'n')
            .into_iter()
            .map(|r| IndicatorForm {
                category: field(&pairs, &format!("n{r}_category")),
                name: field(&pairs, &format!("n{r}_name")),
                max: field(&pairs, &format!("n{r}_max")),
                method: field(&pairs, &format!("n{r}_method")),
                deduction: !field(&pairs, &format!("n{r}_deduction")).is_empty(),
                measure: field(&pairs, &format!("n{r}_measure")),
            })
            .collect();
        let titles = rows_of(&pairs, 't')
            .into_iter()
            .map(|r| TitleForm {
                title: field(&pairs, &format!("t{r}_title")),
                category: field(&pairs, &format!("t{r}_category")),
                min: field(&pairs, &format!("t{r}_min")),
            })
            .collect();
        let page = GuidelinePage {
            chrome: Chrome::build(ctx, "/assessment"),
            g,
            editable: true,
            can_version: false,
            values,
            items,
            indicators,
            titles,
            departments: departments(s, &ctx.tr).await?,
            is_admin: u.is_admin(),
            form,
        };
        render_form(&page, &page.form)
    })
    .await
}

pub(super) async fn post_new_guideline(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_guideline_form(&s, &ctx, &u, None, pairs).await
}

pub(super) async fn post_guideline(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_guideline_form(&s, &ctx, &u, Some(id), pairs).await
}

pub(super) async fn post_guideline_step(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let target = match step.as_str() {
        "publish" => {
            store::publish(&s.db, &u, id).await?;
            id
        }
        "new-version" => store::new_version(&s.db, &u, id).await?,
        _ => return Err(AppError::NotFound),
    };
    Ok(crate::platform::http::redirect(&format!(
        "/assessment/guidelines/{target}"
    )))
}
