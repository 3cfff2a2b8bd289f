//! Results of a round: totals, grades and the subsidies they bring.

use super::*;

/// The points a scored indicator counts for, in SQL over `i` (the indicator) and `x` (its
/// score): `rules::effective`, deductions floored at zero.
pub(super) const EFFECTIVE: &str = "CASE WHEN i.deduction THEN (CASE WHEN i.max_x10 > x.points_x10 \
    THEN i.max_x10 - x.points_x10 ELSE 0 END) ELSE x.points_x10 END";

/// One community's results in a round.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub town_name: String,
    pub submitted: bool,
    pub reviewed: bool,
    pub scored: i64,
    pub indicators: i64,
    pub effective_x10: i64,
    pub max_x10: i64,
    pub rank_district: usize,
    pub rank_town: usize,
    pub titles: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct ResultJson {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) town_code: String,
    pub(super) town_name: String,
    pub(super) submitted: i64,
    pub(super) reviewed: i64,
    pub(super) scored: i64,
    pub(super) eff: i64,
}

/// Every sheet of a round in scope with progress, score, ranks (district and town, over the
/// whole district's sheets) and titles earned.
pub async fn results(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    round: i64,
) -> Result<(Round, Vec<Guideline>, Vec<ResultRow>)> {
    let r = load_round(&db.conn, round).await?;
    let gs = round_guidelines(&db.conn, round).await?;
    let indicators: Vec<&Indicator> = gs.iter().flat_map(|g| g.indicators.iter()).collect();
    let max: i64 = indicators.iter().map(|i| i.max_x10).sum();
    // effective points summed in SQL (deductions floored at zero)
    let rows: Vec<ResultJson> = db::all_json(
        &db.conn,
        &["code", "name", "town_code", "town_name", "submitted", "reviewed", "scored", "eff"],
        &format!("SELECT c.code, c.name, t.code AS town_code, t.name AS town_name, \
           CASE WHEN s.self_at IS NULL THEN 0 ELSE 1 END AS submitted, \
           CASE WHEN s.town_at IS NULL THEN 0 ELSE 1 END AS reviewed, \
           (SELECT COUNT(*) FROM assessment_scores x WHERE x.sheet_id = s.id AND x.points_x10 IS NOT NULL) AS scored, \
           CAST(COALESCE((SELECT SUM({EFFECTIVE}) FROM assessment_scores x JOIN guideline_indicators i ON i.id = x.indicator_id \
             WHERE x.sheet_id = s.id AND x.points_x10 IS NOT NULL), 0) AS BIGINT) AS eff \
         FROM assessment_sheets s JOIN divisions c ON c.code = s.community_code \
         JOIN divisions t ON t.code = substr(c.code, 1, 9) || '000' WHERE s.round_id = ?"),
        vals![round],
    )
    .await?;
    let (district_ranks, town_ranks) = ranks_of(&rows, max);
    // titles need per-template category sums: only for complete sheets
    let in_scope = |code: &str| match scope {
        Scope::District | Scope::Department(_) => true,
        Scope::Town(t) => code.starts_with(&t.as_str()[..9]),
        Scope::Community(c) => c.as_str() == code,
        Scope::Provider(_) => false,
    };
    let titled: Vec<&Guideline> = gs.iter().filter(|g| !g.titles.is_empty()).collect();
    let cats = category_sums(db, round, &titled).await?;
    let mut cat_sums: HashMap<&str, Vec<&Cat>> = HashMap::new();
    for c in &cats {
        cat_sums.entry(c.code.as_str()).or_default().push(c);
    }
    let mut out = vec![];
    for (i, row) in rows.into_iter().enumerate() {
        if !in_scope(&row.code) || !district.contains_str(&row.code) {
            continue;
        }
        let complete = row.scored == indicators.len() as i64;
        let mut titles = vec![];
        if complete {
            titles = titles_of(&titled, cat_sums.get(row.code.as_str()));
        }
        out.push(ResultRow {
            submitted: row.submitted == 1,
            reviewed: row.reviewed == 1,
            scored: row.scored,
            indicators: indicators.len() as i64,
            effective_x10: row.eff,
            max_x10: max,
            rank_district: district_ranks[i],
            rank_town: town_ranks[i],
            titles,
            code: row.code,
            name: row.name,
            town_code: row.town_code,
            town_name: row.town_name,
        });
    }
    out.sort_by(|a, b| {
        a.rank_district
            .cmp(&b.rank_district)
            .then(a.code.cmp(&b.code))
    });
    Ok((r, gs, out))
}

/// Each sheet's rank in the district and in its town (ties share a rank).
fn ranks_of(rows: &[ResultJson], max: i64) -> (Vec<usize>, Vec<usize>) {
    let scores: Vec<(i64, i64)> = rows.iter().map(|r| (r.eff, max)).collect();
    let district_ranks = rules::ranks(&scores);
    let mut town_ranks = vec![0; rows.len()];
    let mut by_town: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_town.entry(&r.town_code).or_default().push(i);
    }
    for idx in by_town.values() {
        let s: Vec<(i64, i64)> = idx.iter().map(|i| scores[*i]).collect();
        for (k, rank) in rules::ranks(&s).into_iter().enumerate() {
            town_ranks[idx[k]] = rank;
        }
    }
    (district_ranks, town_ranks)
}

/// A sheet's effective points in one category of one titled guideline.
#[derive(Deserialize)]
struct Cat {
    code: String,
    guideline: i64,
    category: String,
    eff: i64,
}

/// The category sums of the titled guidelines, for every sheet of the round, in one statement.
async fn category_sums(db: &Db, round: i64, titled: &[&Guideline]) -> Result<Vec<Cat>> {
    Ok(if titled.is_empty() {
        vec![]
    } else {
        let ids: Vec<Value> = titled.iter().map(|g| Value::from(g.row.id)).collect();
        let ph = vec!["?"; ids.len()].join(",");
        let mut v = vals![round];
        v.extend(ids);
        db::all_json(
            &db.conn,
            &["code", "guideline", "category", "eff"],
            &format!(
                "SELECT s.community_code AS code, i.guideline_id AS guideline, i.category, \
                   CAST(SUM({EFFECTIVE}) AS BIGINT) AS eff \
                 FROM assessment_sheets s JOIN assessment_scores x ON x.sheet_id = s.id \
                 JOIN guideline_indicators i ON i.id = x.indicator_id \
                 WHERE s.round_id = ? AND x.points_x10 IS NOT NULL AND i.guideline_id IN ({ph}) \
                 GROUP BY s.community_code, i.guideline_id, i.category"
            ),
            v,
        )
        .await?
    })
}

/// The titles a complete sheet earned: per titled guideline, its category sums against the
/// titles' thresholds.
fn titles_of(titled: &[&Guideline], mine: Option<&Vec<&Cat>>) -> Vec<String> {
    let mut titles = vec![];
    for g in titled {
        let mut by_cat: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for ind in &g.indicators {
            by_cat.entry(ind.category.clone()).or_default().1 += ind.max_x10;
        }
        for c in mine
            .into_iter()
            .flatten()
            .filter(|c| c.guideline == g.row.id)
        {
            by_cat.entry(c.category.clone()).or_default().0 += c.eff;
        }
        let whole = by_cat.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
        let list: Vec<(String, i64, i64)> =
            by_cat.into_iter().map(|(k, (e, m))| (k, e, m)).collect();
        titles.extend(rules::titles_earned(&g.titles, whole, &list));
    }
    titles
}

/// The guideline subsidies of a signed-off round as a draft payment batch: every sheet's
/// score on the guideline through its rule. Each (round, guideline, community) is paid once.
pub async fn create_guideline_batch(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    round: i64,
    guideline: i64,
) -> Result<i64> {
    let r = load_round(&db.conn, round).await?;
    if r.status != "signed_off" {
        return Err(AppError::invalid("guideline", "assessment.not_signed_off"));
    }
    let gs = round_guidelines(&db.conn, round).await?;
    let g = gs
        .iter()
        .find(|g| g.row.id == guideline)
        .ok_or_else(|| AppError::invalid("guideline", "assessment.not_in_round"))?;
    if g.row.subsidy_basis == "none" {
        return Err(AppError::invalid("guideline", "assessment.no_subsidy"));
    }
    let max = g.max_x10();
    let (lo, hi) = district.descendant_range();
    #[derive(Deserialize)]
    struct Eff {
        code: String,
        name: String,
        eff: i64,
        population: Option<i64>,
    }
    let mut v: Vec<Value> = g.indicators.iter().map(|i| Value::from(i.id)).collect();
    let ph = vec!["?"; v.len()].join(",");
    // in the order of the placeholders: the indicator list, the year, the round, the range
    v.extend(vals![r.year, round, lo, hi]);
    let rows: Vec<Eff> = db::all_json(
        &db.conn,
        &["code", "name", "eff", "population"],
        &format!(
            "SELECT c.code, c.name, \
               CAST(COALESCE((SELECT SUM({EFFECTIVE}) FROM assessment_scores x JOIN guideline_indicators i ON i.id = x.indicator_id \
                 WHERE x.sheet_id = s.id AND x.indicator_id IN ({ph})), 0) AS BIGINT) AS eff, \
               (SELECT p.permanent_population FROM population_snapshots p WHERE p.community_code = c.code AND p.year <= ? \
                 ORDER BY p.year DESC LIMIT 1) AS population \
             FROM assessment_sheets s JOIN divisions c ON c.code = s.community_code \
             WHERE s.round_id = ? AND c.code BETWEEN ? AND ?"
        ),
        v,
    )
    .await?;
    let missing: Vec<&str> = rows
        .iter()
        .filter(|r| g.row.subsidy_basis == "per_capita" && r.population.is_none())
        .map(|r| r.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(AppError::Invalid(vec![
            FieldError::new("guideline", "funding.missing_population")
                .with(missing.len())
                .with(
                    missing
                        .iter()
                        .take(10)
                        .copied()
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
        ]));
    }
    let mut rows = rows;
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    let lines: Vec<funding::NewLine> = rows
        .iter()
        .filter_map(|row| {
            let (amount, words) = subsidy_of(&g.row, row.eff, max, row.population)?;
            Some(funding::NewLine {
                code: row.code.clone(),
                category: "guideline",
                amount_fen: amount,
                quantity: row.population,
                explanation: words,
                reward_id: None,
                reverses_id: None,
                pays: Some(format!("guideline:{round}:{guideline}:{}", row.code)),
            })
        })
        .collect();
    let params = serde_json::json!({"round": round, "guideline": guideline, "full_at": g.row.full_at,
        "zero_below": g.row.zero_below, "basis": g.row.subsidy_basis, "subsidy_fen": g.row.subsidy_fen});
    let title = format!("{}：{}", r.name, g.row.title);
    funding::create_batch(
        db,
        actor,
        r.year,
        "guideline",
        &title,
        &params,
        Some((round, guideline)),
        lines,
    )
    .await
}
