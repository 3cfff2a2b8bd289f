//! The funding summary of a year, by town and category.

use super::*;

/// Money by year and category for the scope: paid lines and direct contributions.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct YearMoney {
    pub year: i32,
    pub per_capita_fen: i64,
    pub guideline_fen: i64,
    pub construction_reward_fen: i64,
    pub correction_fen: i64,
    pub donation_fen: i64,
    pub self_raised_fen: i64,
    /// What the district paid (special funds): per capita, guideline subsidies, rewards and
    /// corrections.
    pub district_fen: i64,
    pub total_fen: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TownMoney {
    pub code: String,
    pub name: String,
    pub district_fen: i64,
    pub direct_fen: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub year: i32,
    pub by_year: Vec<YearMoney>,
    pub current: YearMoney,
    pub towns: Vec<TownMoney>,
    pub budgets: Vec<Budget>,
}

#[derive(Deserialize)]
pub(super) struct MoneyRow {
    pub(super) year: i32,
    pub(super) town: String,
    pub(super) category: String,
    pub(super) amount: i64,
}

pub async fn summary(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    year: i32,
) -> Result<Summary> {
    let (cond, v) = geo::community_scope_sql(scope, district);
    let mut both = v.clone();
    both.extend(v);
    let rows: Vec<MoneyRow> = db::all_json(
        &db.conn,
        &["year", "town", "category", "amount"],
        &format!(
            "SELECT b.year, substr(l.community_code, 1, 9) || '000' AS town, l.category, \
               CAST(SUM(l.amount_fen) AS BIGINT) AS amount \
             FROM payment_lines l JOIN payment_batches b ON b.id = l.batch_id \
             JOIN divisions c ON c.code = l.community_code \
             WHERE b.status = 'paid' AND {cond} GROUP BY b.year, substr(l.community_code, 1, 9), l.category \
             UNION ALL \
             SELECT k.year, substr(k.community_code, 1, 9) || '000', k.kind, CAST(SUM(k.amount_fen) AS BIGINT) \
             FROM contributions k JOIN divisions c ON c.code = k.community_code \
             WHERE {cond} GROUP BY k.year, substr(k.community_code, 1, 9), k.kind"
        ),
        both,
    )
    .await?;
    let mut years: BTreeMap<i32, YearMoney> = BTreeMap::new();
    let mut towns: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for r in &rows {
        let y = years.entry(r.year).or_insert_with(|| YearMoney {
            year: r.year,
            ..Default::default()
        });
        match r.category.as_str() {
            "per_capita" => y.per_capita_fen += r.amount,
            "guideline" => y.guideline_fen += r.amount,
            "construction_reward" => y.construction_reward_fen += r.amount,
            "correction" => y.correction_fen += r.amount,
            "donation" => y.donation_fen += r.amount,
            _ => y.self_raised_fen += r.amount,
        }
        let district_paid = matches!(
            r.category.as_str(),
            "per_capita" | "guideline" | "construction_reward" | "correction"
        );
        if district_paid {
            y.district_fen += r.amount;
        }
        y.total_fen += r.amount;
        if r.year == year {
            let t = towns.entry(r.town.clone()).or_default();
            if district_paid {
                t.0 += r.amount;
            } else {
                t.1 += r.amount;
            }
        }
    }
    let names = geo::town_options(db, district, &Scope::District).await?;
    let town_rows = towns
        .into_iter()
        .map(|(code, (d, k))| TownMoney {
            name: names
                .iter()
                .find(|t| t.code == code)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| code.clone()),
            code,
            district_fen: d,
            direct_fen: k,
        })
        .collect();
    let current = years.get(&year).cloned().unwrap_or(YearMoney {
        year,
        ..Default::default()
    });
    Ok(Summary {
        year,
        by_year: years.into_values().collect(),
        current,
        towns: town_rows,
        budgets: budgets(db, district, scope, Some(year)).await?,
    })
}
