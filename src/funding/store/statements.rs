//! A community's statement: what it was paid, by batch and category.

use super::*;

/// One paid (or pending) line on a community's statement.
#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementLine {
    pub line_id: i64,
    pub batch_id: i64,
    pub batch_title: String,
    pub status: String,
    pub paid_at: Option<DateTime<Utc>>,
    pub source_level: String,
    pub category: String,
    pub amount_fen: i64,
    pub quantity: Option<i64>,
    pub explanation: String,
    #[serde(skip)]
    pub params_json: String,
}

/// A community's funding in a year: what the district paid (and what is pending), and what
/// came in directly, by source and category.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub code: String,
    pub name: String,
    pub town_name: String,
    pub year: i32,
    pub paid: Vec<StatementLine>,
    pub pending: Vec<StatementLine>,
    pub contributions: Vec<Contribution>,
    /// (source, category) → fen, paid and received only
    pub totals: Vec<(String, String, i64)>,
    pub total_fen: i64,
}

pub async fn statement(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    code: &str,
    year: i32,
) -> Result<Statement> {
    let c = geo::load_community(db, district, scope, code).await?.row;
    let lines: Vec<StatementLine> = db::all(
        &db.conn,
        "SELECT l.id AS line_id, b.id AS batch_id, b.title AS batch_title, b.status, b.paid_at, \
           b.source_level, l.category, l.amount_fen, l.quantity, l.explanation, b.params_json \
         FROM payment_lines l JOIN payment_batches b ON b.id = l.batch_id \
         WHERE l.community_code = ? AND b.year = ? ORDER BY b.id, l.id",
        vals![c.code.clone(), year],
    )
    .await?;
    let lines: Vec<StatementLine> = lines
        .into_iter()
        .map(|mut l| {
            l.explanation = explanation(
                &l.explanation,
                &l.category,
                l.quantity,
                l.amount_fen,
                &l.params_json,
            );
            l
        })
        .collect();
    let contributions = contributions(db, district, scope, Some(&c.code), Some(year)).await?;
    let (paid, pending): (Vec<_>, Vec<_>) = lines.into_iter().partition(|l| l.status == "paid");
    let mut totals: BTreeMap<(String, String), i64> = BTreeMap::new();
    for l in &paid {
        *totals
            .entry((l.source_level.clone(), l.category.clone()))
            .or_default() += l.amount_fen;
    }
    for k in &contributions {
        let source = if k.kind == "donation" {
            "society"
        } else {
            "village"
        };
        *totals
            .entry((source.to_string(), k.kind.clone()))
            .or_default() += k.amount_fen;
    }
    let total_fen = totals.values().sum();
    Ok(Statement {
        code: c.code,
        name: c.name,
        town_name: c.town_name,
        year,
        paid,
        pending,
        contributions,
        totals: totals.into_iter().map(|((s, k), v)| (s, k, v)).collect(),
        total_fen,
    })
}
