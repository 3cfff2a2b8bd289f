//! The hall's measures: counters, deadlines kept, satisfaction, with charts.

use super::*;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct MeasuresQuery {
    /// Year of receipt (default: this year).
    pub year: Option<i32>,
    /// One town (9 or 12 digits).
    pub town: Option<String>,
}

pub(super) async fn build_measures(
    s: &AppState,
    u: &CurrentUser,
    q: &MeasuresQuery,
    english: bool,
) -> Result<Measures> {
    let today = s.db.clock().today();
    let year = q.year.unwrap_or(today.year());
    if !(2000..=2200).contains(&year) {
        return Err(AppError::invalid("year", "hall.bad_year"));
    }
    let town = match q.town.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(
            DivisionCode::parse_level(t, Level::Town)
                .map_err(|_| AppError::invalid("town", "geo.bad_town_code"))?,
        ),
        None => None,
    };
    let items = crate::hall::state(s).items(&s.db).await?;
    let names = area_names(s).await?;
    measures::measures(
        &s.db,
        &s.district,
        &u.scope,
        &measures::Ask {
            year,
            town: town.as_ref(),
            items: &items,
            names: &names,
            english,
            today,
        },
    )
    .await
}

/// Names of the district's towns and communities by code.
pub(super) async fn area_names(s: &AppState) -> Result<BTreeMap<String, String>> {
    let (lo, hi) = s.district.descendant_range();
    let rows: Vec<Vec<String>> = db::all_json(
        &s.db.conn,
        &["code", "name"],
        "SELECT code, name FROM divisions WHERE code BETWEEN ? AND ? AND level >= 4",
        vals![lo, hi],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|mut r| {
            let name = r.pop()?;
            let code = r.pop()?;
            Some((code, name))
        })
        .collect())
}

#[derive(Template)]
#[template(path = "hall/measures.html")]
pub(super) struct MeasuresPage {
    pub(super) chrome: Chrome,
    pub(super) m: Measures,
    pub(super) years: Vec<i32>,
    pub(super) towns: Vec<crate::geo::store::TownOption>,
    pub(super) town: String,
    /// The tables, each after its chart (if any): by group, town, department, item, and the
    /// communities with the highest overdue share.
    pub(super) tables: Vec<MeasureTable>,
}

/// One table of the measures page: a heading, a column name, and labelled lines.
pub(super) struct MeasureTable {
    pub(super) heading: String,
    pub(super) hint: String,
    pub(super) first_column: String,
    pub(super) chart: String,
    pub(super) rows: Vec<(String, Option<String>, Counters)>,
}

impl MeasuresPage {
    fn median(&self, c: &Counters) -> String {
        match c.median_days() {
            None => "—".into(),
            Some(d) if d >= crate::hall::rules::HIST_BUCKETS - 1 => "> 20".into(),
            Some(d) => d.to_string(),
        }
    }
    fn sat(&self, c: &Counters) -> String {
        tenths(c.satisfaction_tenths())
    }
    fn pm(&self, p: i64) -> String {
        pm(p)
    }
    fn town_selected(&self, code: &str) -> bool {
        self.town == code
    }
}

pub(super) async fn measures_page(
    u: Require<MeasureReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeasuresQuery>,
) -> Result<Response> {
    let tr = &ctx.tr;
    let m = build_measures(&s, &u, &q, tr.lang.code() == "en").await?;
    let tables = measure_tables(tr, &m);
    let this = s.db.clock().today().year();
    render(&MeasuresPage {
        chrome: Chrome::build(&ctx, "/hall"),
        years: (this - 4..=this).rev().collect(),
        towns: crate::geo::web::town_options(&s, &u.scope).await?,
        town: q.town.clone().unwrap_or_default(),
        tables,
        m,
    })
}

/// The page's tables, each with its chart where one helps: by group, by town (when there are
/// towns to compare), by department, by item, and the 30 communities most often late.
fn measure_tables(tr: &crate::platform::i18n::Tr, m: &Measures) -> Vec<MeasureTable> {
    let town_chart = if m.by_town.len() > 1 {
        share_chart(
            tr.t("hall.measures.chart_in_community"),
            &m.by_town
                .iter()
                .map(|l| ShareBar {
                    label: l.label.clone(),
                    permille: l.c.in_community_pm(),
                    target_pct: None,
                    href: Some(format!("/hall/measures?year={}&town={}", m.year, l.key)),
                })
                .collect::<Vec<_>>(),
        )
    } else {
        String::new()
    };
    let group_chart = bar_chart(
        tr.t("hall.measures.chart_groups"),
        &m.by_group
            .iter()
            .map(|l| Bar {
                label: tr.t(&format!("hall.group.{}", l.key)).to_string(),
                value: l.c.received,
                href: None,
            })
            .collect::<Vec<_>>(),
    );
    let mut worst = m.by_community.clone();
    worst.sort_by(|a, b| {
        b.c.overdue_pm()
            .cmp(&a.c.overdue_pm())
            .then(a.key.cmp(&b.key))
    });
    worst.truncate(30);
    let plain = |lines: &[Line]| -> Vec<(String, Option<String>, Counters)> {
        lines
            .iter()
            .map(|l| (l.label.clone(), None, l.c.clone()))
            .collect()
    };
    let mut tables = vec![MeasureTable {
        heading: tr.t("hall.measures.by_group").into(),
        hint: String::new(),
        first_column: tr.t("hall.measures.group").into(),
        chart: group_chart,
        rows: m
            .by_group
            .iter()
            .map(|l| {
                (
                    tr.t(&format!("hall.group.{}", l.key)).to_string(),
                    None,
                    l.c.clone(),
                )
            })
            .collect(),
    }];
    if !town_chart.is_empty() {
        tables.push(MeasureTable {
            heading: tr.t("hall.measures.by_town").into(),
            hint: String::new(),
            first_column: tr.t("geo.col.town").into(),
            chart: town_chart,
            rows: m
                .by_town
                .iter()
                .map(|l| {
                    let href = format!("/hall/measures?year={}&town={}", m.year, l.key);
                    (l.label.clone(), Some(href), l.c.clone())
                })
                .collect(),
        });
    }
    tables.push(MeasureTable {
        heading: tr.t("hall.measures.by_department").into(),
        hint: String::new(),
        first_column: tr.t("hall.measures.department").into(),
        chart: String::new(),
        rows: m
            .by_department
            .iter()
            .map(|l| {
                // lines not owned by a department are named by their owner's kind
                let label = if l.label.is_empty() {
                    tr.t(&format!("hall.owner.{}", l.key.trim_start_matches("o-")))
                        .to_string()
                } else {
                    l.label.clone()
                };
                (label, None, l.c.clone())
            })
            .collect(),
    });
    tables.push(MeasureTable {
        heading: tr.t("hall.measures.by_item").into(),
        hint: String::new(),
        first_column: tr.t("hall.col.item").into(),
        chart: String::new(),
        rows: plain(&m.by_item),
    });
    if !worst.is_empty() {
        tables.push(MeasureTable {
            heading: tr.t("hall.measures.by_community").into(),
            hint: tr.t("hall.measures.community_hint").into(),
            first_column: tr.t("hall.col.community").into(),
            chart: String::new(),
            rows: plain(&worst),
        });
    }
    tables
}
