//! Payment batches: per-capita drafts, rewards and subsidies, approved and paid, reversed by a line of their own.

use super::*;

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Batch {
    pub id: i64,
    pub year: i32,
    pub kind: String,
    pub source_level: String,
    pub title: String,
    pub status: String,
    pub params_json: String,
    pub total_fen: i64,
    pub line_count: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

impl Batch {
    pub fn status(&self) -> BatchStatus {
        BatchStatus::parse(&self.status).unwrap_or(BatchStatus::Draft)
    }
}

pub(super) const BATCH_COLUMNS: &str = "id, year, kind, source_level, title, status, params_json, total_fen, \
    line_count, created_by, created_at, approved_by, approved_at, paid_by, paid_at";

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Line {
    pub id: i64,
    pub batch_id: i64,
    pub community_code: String,
    pub community_name: String,
    pub category: String,
    pub amount_fen: i64,
    /// What the amount was computed from (a per-capita line's population).
    pub quantity: Option<i64>,
    pub explanation: String,
    pub reward_id: Option<i64>,
    pub reverses_id: Option<i64>,
    /// The line reversing this one, if any.
    pub reversed_by: Option<i64>,
}

/// The words of a line: stored, or (per-capita lines) made from its numbers and its
/// batch's.
pub fn explanation(
    stored: &str,
    category: &str,
    quantity: Option<i64>,
    amount_fen: i64,
    params_json: &str,
) -> String {
    if !stored.is_empty() || category != "per_capita" {
        return stored.to_string();
    }
    match (rules::PerCapitaParams::from_json(params_json), quantity) {
        (Some(p), Some(q)) => p.explain(q, amount_fen),
        _ => String::new(),
    }
}

/// The guidelines of a round whose subsidies have a batch already.
pub async fn subsidy_batches(db: &Db, round: i64) -> Result<Vec<i64>> {
    #[derive(FromQueryResult)]
    struct G {
        guideline_id: Option<i64>,
    }
    let rows: Vec<G> = db::all(
        &db.conn,
        "SELECT guideline_id FROM payment_batches WHERE kind = 'guideline' AND round_id = ?",
        vals![round],
    )
    .await?;
    Ok(rows.into_iter().filter_map(|g| g.guideline_id).collect())
}

/// Who may see batches: the district admin all of them; a department officer (read only)
/// those paying the department's own guidelines.
pub fn can_read_batches(role: Role) -> bool {
    matches!(role, Role::DistrictAdmin | Role::DepartmentOfficer)
}

/// SQL condition (on alias `b`) limiting batches to what a scope may read: the district all,
/// a department the batches paying its own guidelines, everyone else none (towns and
/// communities read their statements, not the district's batches).
pub(super) fn batch_scope(scope: &Scope) -> (String, Vec<sea_orm::Value>) {
    match scope {
        Scope::District => ("1 = 1".into(), vals![]),
        Scope::Department(d) => (
            "b.kind = 'guideline' AND b.guideline_id IN (SELECT id FROM guidelines WHERE department_id = ?)".into(),
            vals![*d],
        ),
        Scope::Town(_) | Scope::Community(_) | Scope::Provider(_) => ("1 = 0".into(), vals![]),
    }
}

pub async fn batches(db: &Db, scope: &Scope, year: Option<i32>) -> Result<Vec<Batch>> {
    let (mut cond, mut v) = batch_scope(scope);
    if let Some(y) = year {
        cond.push_str(" AND b.year = ?");
        v.push(y.into());
    }
    db::all(
        &db.conn,
        &format!(
            "SELECT {} FROM payment_batches b WHERE {cond} ORDER BY b.year DESC, b.id DESC",
            BATCH_COLUMNS
                .split(", ")
                .map(|c| format!("b.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        v,
    )
    .await
}

/// A batch the scope may read, or 404.
pub async fn load_batch(db: &Db, scope: &Scope, id: i64) -> Result<Batch> {
    let (cond, mut v) = batch_scope(scope);
    v.push(id.into());
    let found = db::scalar(
        &db.conn,
        &format!("SELECT b.id FROM payment_batches b WHERE {cond} AND b.id = ?"),
        v,
    )
    .await?;
    match found {
        Some(_) => batch_row(&db.conn, id).await,
        None => Err(AppError::NotFound),
    }
}

/// The batch row itself, for this store's own steps (the caller's scope was checked).
pub(super) async fn batch_row<C: ConnectionTrait>(c: &C, id: i64) -> Result<Batch> {
    db::one(
        c,
        &format!("SELECT {BATCH_COLUMNS} FROM payment_batches WHERE id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub const LINES_PAGE: u64 = 100;

/// Lines of a batch, one page (or all with `limit` None), with their words (per-capita lines'
/// made from the batch's numbers). The batch row counts them (`line_count`).
pub async fn lines(db: &Db, batch: &Batch, limit: Option<(u64, u64)>) -> Result<Vec<Line>> {
    let paging = match limit {
        Some((l, o)) => format!(" LIMIT {l} OFFSET {o}"),
        None => String::new(),
    };
    let mut rows: Vec<Line> = db::all_json(
        &db.conn,
        &[
            "id",
            "batch_id",
            "community_code",
            "community_name",
            "category",
            "amount_fen",
            "quantity",
            "explanation",
            "reward_id",
            "reverses_id",
            "reversed_by",
        ],
        &format!(
            "SELECT l.id, l.batch_id, l.community_code, c.name AS community_name, l.category, l.amount_fen, \
               l.quantity, l.explanation, l.reward_id, l.reverses_id, \
               (SELECT r.id FROM payment_lines r WHERE r.reverses_id = l.id) AS reversed_by \
             FROM payment_lines l JOIN divisions c ON c.code = l.community_code \
             WHERE l.batch_id = ? ORDER BY l.community_code, l.id{paging}"
        ),
        vals![batch.id],
    )
    .await?;
    rows.sort_by(|a, b| {
        a.community_code
            .cmp(&b.community_code)
            .then(a.id.cmp(&b.id))
    });
    for l in &mut rows {
        l.explanation = explanation(
            &l.explanation,
            &l.category,
            l.quantity,
            l.amount_fen,
            &batch.params_json,
        );
    }
    Ok(rows)
}

/// A line to be written: community, category, amount, explanation, reward, reversed line.
pub struct NewLine {
    pub code: String,
    pub category: &'static str,
    pub amount_fen: i64,
    pub quantity: Option<i64>,
    pub explanation: String,
    pub reward_id: Option<i64>,
    pub reverses_id: Option<i64>,
    /// What else the line pays exactly once (e.g. `guideline:{round}:{guideline}:{code}`).
    pub pays: Option<String>,
}

/// A draft batch of given lines, with its audit entry (for other domains' payments, such as
/// guideline subsidies).
#[allow(clippy::too_many_arguments)]
pub async fn create_batch(
    db: &Db,
    actor: &Actor,
    year: i32,
    kind: &str,
    title: &str,
    params: &serde_json::Value,
    subsidy_of: Option<(i64, i64)>,
    lines: Vec<NewLine>,
) -> Result<i64> {
    let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
    let count = lines.len();
    let tx = db.write_tx().await?;
    let head = BatchHead {
        year,
        kind,
        title,
        params,
        total,
        count,
        subsidy_of,
    };
    let id = insert_batch(&tx, actor, &head, lines.into_iter()).await?;
    tx.commit().await?;
    Ok(id)
}

/// A batch's own row: what it is and its totals.
pub(super) struct BatchHead<'a> {
    pub(super) year: i32,
    pub(super) kind: &'a str,
    pub(super) title: &'a str,
    pub(super) params: &'a serde_json::Value,
    pub(super) total: i64,
    pub(super) count: usize,
    /// (round, guideline) a subsidy batch pays
    pub(super) subsidy_of: Option<(i64, i64)>,
}

/// Insert a batch, its audit entry and its lines inside `tx`, in chunks of multi-row
/// inserts. The lines come as an iterator, so a national batch is never held as one vector
/// of lines.
pub(super) async fn insert_batch(
    tx: &crate::platform::db::WriteTx,
    actor: &Actor,
    head: &BatchHead<'_>,
    lines: impl Iterator<Item = NewLine> + Send,
) -> Result<i64> {
    let BatchHead {
        year,
        kind,
        title,
        params,
        total,
        count,
        subsidy_of,
    } = *head;
    let id = db::scalar(
        tx,
        "INSERT INTO payment_batches (year, kind, source_level, title, status, params_json, total_fen, \
         line_count, created_by, created_at, round_id, guideline_id) VALUES (?, ?, 'district', ?, 'draft', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            year,
            kind,
            title,
            params.to_string(),
            total,
            count as i64,
            actor.name.clone(),
            tx.clock().now(),
            subsidy_of.map(|s| s.0),
            subsidy_of.map(|s| s.1)
        ],
    )
    .await
    .map_err(|e| {
        // A concurrent request made the year's batch first (the partial unique index).
        e.on_constraint(&[crate::platform::error::Constraint::unique_index(
            "payment_batches",
            "payment_batches_one_per_capita",
            &["year", "source_level"],
            "year",
            "funding.batch_exists",
        )])
    })?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    audit::record(
        tx,
        actor,
        "create",
        "payment_batch",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"title": title, "params": params, "total_fen": total})),
    )
    .await?;
    insert_lines(tx, id, lines).await?;
    Ok(id)
}

/// A line refused by a constraint: the field and message it belongs to (a reversal made twice,
/// a reward or a once-key paid twice, by a concurrent request).
const LINE_CONSTRAINTS: &[crate::platform::error::Constraint] = &[
    crate::platform::error::Constraint::unique_index(
        "payment_lines",
        "payment_lines_reversed_once",
        &["reverses_id"],
        "reason",
        "funding.already_reversed",
    ),
    crate::platform::error::Constraint::unique_index(
        "payment_lines",
        "payment_lines_reward_once",
        &["reward_id"],
        "year",
        "funding.reward_paid",
    ),
    crate::platform::error::Constraint::unique_index(
        "payment_lines",
        "payment_lines_paid_once",
        &["pays"],
        "guideline",
        "funding.already_paid_once",
    ),
];

/// Insert a batch's lines as they come, in multi-row statements.
async fn insert_lines(
    tx: &crate::platform::db::WriteTx,
    id: i64,
    lines: impl Iterator<Item = NewLine> + Send,
) -> Result<()> {
    // Multi-row inserts: per statement, sqlx and SQLite cost more than per row, and per bound
    // value more than per byte. Plain lines (no reward, reversal or once-key, words made from
    // the numbers: all per-capita lines) bind three values each, the batch and category
    // written in; others bind all nine. SQLite takes up to 32,766 values a statement.
    let backend = tx.get_database_backend();
    let plain = |l: &NewLine| {
        l.reward_id.is_none()
            && l.reverses_id.is_none()
            && l.pays.is_none()
            && l.explanation.is_empty()
            && l.category == "per_capita"
    };
    let mut rest = lines.peekable();
    let mut cached: (usize, bool, String) = (0, false, String::new());
    while let Some(first) = rest.peek() {
        let is_plain = plain(first);
        let per = if is_plain { 10_000 } else { 3_600 };
        let mut chunk: Vec<NewLine> = Vec::with_capacity(per.min(1024));
        while chunk.len() < per {
            match rest.next_if(|l| plain(l) == is_plain) {
                Some(l) => chunk.push(l),
                None => break,
            }
        }
        if cached.0 != chunk.len() || cached.1 != is_plain {
            cached = (
                chunk.len(),
                is_plain,
                if is_plain {
                    format!(
                        "INSERT INTO payment_lines (batch_id, community_code, category, amount_fen, quantity, explanation) \
                         SELECT {id}, v.column1, 'per_capita', v.column2, v.column3, '' FROM (VALUES {}) v",
                        vec!["(?,?,?)"; chunk.len()].join(",")
                    )
                } else {
                    format!(
                        "INSERT INTO payment_lines (batch_id, community_code, category, amount_fen, quantity, explanation, reward_id, reverses_id, pays) VALUES {}",
                        vec!["(?,?,?,?,?,?,?,?,?)"; chunk.len()].join(",")
                    )
                },
            );
        }
        let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * if is_plain { 3 } else { 9 });
        for l in chunk {
            if is_plain {
                v.extend([l.code.into(), l.amount_fen.into(), l.quantity.into()]);
            } else {
                v.extend([
                    id.into(),
                    l.code.into(),
                    l.category.into(),
                    l.amount_fen.into(),
                    l.quantity.into(),
                    l.explanation.into(),
                    l.reward_id.into(),
                    l.reverses_id.into(),
                    l.pays.into(),
                ]);
            }
        }
        tx.execute_raw(db::stmt(backend, &cached.2, v))
            .await
            .map_err(|e| AppError::from(e).on_constraint(LINE_CONSTRAINTS))?;
    }
    Ok(())
}

pub(super) struct PopRow {
    pub(super) code: String,
    pub(super) population: Option<i64>,
}

/// The per-capita parameters as entered.
pub struct PerCapitaInput {
    pub year: i64,
    pub population_year: i64,
    pub rate_fen: i64,
    pub cap_fen: i64,
}

/// Make the draft per-capita batch of a year: `rate × permanent population` of the chosen
/// population year for every community under `area` that had not been merged away when the
/// year began, under the cap (see
/// `rules::allocate`). A community without a population figure for that year is an error,
/// listed by name, never a silent 0.
pub async fn create_per_capita_batch(
    db: &Db,
    area: &DivisionCode,
    actor: &Actor,
    p: &PerCapitaInput,
) -> Result<i64> {
    let (lo, hi) = area.descendant_range();
    create_per_capita_batch_in(db, (&lo, &hi), actor, p).await
}

/// The same over the communities whose codes lie in `range` (the CLI uses the whole table).
pub async fn create_per_capita_batch_in(
    db: &Db,
    range: (&str, &str),
    actor: &Actor,
    p: &PerCapitaInput,
) -> Result<i64> {
    let (lo, hi) = (range.0.to_string(), range.1.to_string());
    check_per_capita(p)?;
    let tx = db.write_tx().await?;
    let exists = db::scalar(
        &tx,
        "SELECT id FROM payment_batches WHERE kind = 'per_capita' AND year = ? AND source_level = 'district'",
        vals![p.year as i32],
    )
    .await?;
    if exists.is_some() {
        return Err(AppError::invalid("year", "funding.batch_exists"));
    }
    let rows = populations(&tx, (&lo, &hi), p).await?;
    let mut rows = rows;
    if !rows.is_sorted_by(|a, b| a.code <= b.code) {
        rows.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    }
    let claims: Vec<Claim> = rows
        .iter()
        .map(|r| Claim {
            code: String::new(), // ties are broken by position: the rows are in code order
            population: r.population.unwrap_or(0),
        })
        .collect();
    let run = rules::allocate(&claims, p.rate_fen, p.cap_fen);
    drop(claims);
    // Each code moves from the row it was read in to the line it is written from.
    let count = rows.len();
    let (entitled_fen, scale, total_fen) = (run.entitled_fen, run.scale, run.total_fen);
    let lines = rows.into_iter().zip(run.lines).map(|(r, a)| NewLine {
        // the words follow from the numbers (PerCapitaParams::explain)
        explanation: String::new(),
        quantity: Some(a.population),
        code: r.code,
        category: "per_capita",
        amount_fen: a.amount_fen,
        reward_id: None,
        reverses_id: None,
        pays: None,
    });
    let params = serde_json::json!({
        "rate_fen": p.rate_fen, "population_year": p.population_year, "cap_fen": p.cap_fen,
        "entitled_fen": entitled_fen, "scale": scale.map(|s| [s.0, s.1]),
        "communities": count,
    });
    let title = format!(
        "{} 年人均补助（{} 元/人，{} 年常住人口）",
        p.year,
        Fen(p.rate_fen).yuan_string(),
        p.population_year
    );
    let head = BatchHead {
        year: p.year as i32,
        kind: "per_capita",
        title: &title,
        params: &params,
        total: total_fen,
        count,
        subsidy_of: None,
    };
    let id = insert_batch(&tx, actor, &head, lines).await?;
    tx.commit().await?;
    Ok(id)
}

/// The per-capita form's own checks: years in range, a sensible rate, a cap not negative.
fn check_per_capita(p: &PerCapitaInput) -> Result<()> {
    let mut errs = vec![];
    if !(1949..=2200).contains(&p.year) {
        errs.push(FieldError::new("year", "centres.year_range"));
    }
    if !(1949..=2200).contains(&p.population_year) {
        errs.push(FieldError::new("population_year", "centres.year_range"));
    }
    if p.rate_fen <= 0 {
        errs.push(FieldError::new("rate", "funding.positive"));
    } else if p.rate_fen > MAX_RATE_FEN {
        errs.push(FieldError::new("rate", "funding.rate_absurd"));
    }
    if p.cap_fen < 0 {
        errs.push(FieldError::new("cap", "funding.positive"));
    } else if p.cap_fen > MAX_TOTAL_FEN {
        errs.push(FieldError::new("cap", "funding.total_absurd"));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errs))
    }
}

/// Every community of `range` alive in the batch's year with its population of the year
/// asked for; a 422 naming the first ten without one, or when there are none.
async fn populations(
    tx: &crate::platform::db::WriteTx,
    (lo, hi): (&str, &str),
    p: &PerCapitaInput,
) -> Result<Vec<PopRow>> {
    // One text of `code:population` pairs: 600,000 rows cost one row's round trip, and
    // splitting digits is cheaper than parsing as many JSON arrays.
    let agg = db::comma_list(
        tx.get_database_backend(),
        "c.code || ':' || COALESCE(CAST(p.permanent_population AS TEXT), '')",
    );
    #[derive(FromQueryResult)]
    struct Pairs {
        pairs: Option<String>,
    }
    // the district chooses the population that funds (the registry's page): the statistics
    // of the population year, or the registry's permanent population on its last day
    let registry = db::scalar(
        tx,
        "SELECT COUNT(*) FROM settings WHERE key = 'registry.funding_population' \
         AND value = 'registry'",
        vec![],
    )
    .await?
    .unwrap_or(0)
        > 0;
    let (source, first): (&str, Vec<sea_orm::Value>) = if registry {
        let on = NaiveDate::from_ymd_opt(p.population_year as i32, 12, 31).unwrap_or_default();
        (
            "(SELECT community_code, COUNT(*) AS permanent_population FROM residents \
             WHERE residence <> 'floating' AND (arrived_on IS NULL OR arrived_on <= ?) \
             AND (left_on IS NULL OR left_on > ?) GROUP BY community_code) p \
             ON p.community_code = c.code",
            vals![on, on],
        )
    } else {
        (
            "population_snapshots p ON p.community_code = c.code AND p.year = ?",
            vals![p.population_year as i32],
        )
    };
    let mut values = first;
    values.extend(vals![
        NaiveDate::from_ymd_opt(p.year as i32, 1, 1).unwrap_or_default(),
        lo,
        hi
    ]);
    let text = db::one::<Pairs, _>(
        tx,
        &format!(
            "SELECT {agg} AS pairs FROM divisions c LEFT JOIN {source} \
             WHERE c.level = 5 AND (c.merged_into IS NULL OR c.merged_on > ?) AND c.code BETWEEN ? AND ?"
        ),
        values,
    )
    .await?
    .and_then(|p| p.pairs)
    .unwrap_or_default();
    let rows: Vec<PopRow> = text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (code, pop) = pair.split_once(':').unwrap_or((pair, ""));
            PopRow {
                code: code.to_string(),
                population: pop.parse().ok(),
            }
        })
        .collect();
    drop(text);
    let missing: Vec<&str> = rows
        .iter()
        .filter(|r| r.population.is_none())
        .map(|r| r.code.as_str())
        .collect();
    if !missing.is_empty() {
        // name the first ten
        let ph = vec!["?"; missing.len().min(10)].join(",");
        #[derive(FromQueryResult)]
        struct Name {
            name: String,
        }
        let names: Vec<Name> = db::all(
            tx,
            &format!("SELECT name FROM divisions WHERE code IN ({ph}) ORDER BY code"),
            missing
                .iter()
                .take(10)
                .map(|c| sea_orm::Value::from(*c))
                .collect(),
        )
        .await?;
        let shown: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
        return Err(AppError::Invalid(vec![
            FieldError::new("population_year", "funding.missing_population")
                .with(missing.len())
                .with(shown.join("、")),
        ]));
    }
    if rows.is_empty() {
        return Err(AppError::invalid(
            "population_year",
            "funding.no_communities",
        ));
    }
    Ok(rows)
}

#[derive(FromQueryResult)]
pub(super) struct DueReward {
    pub(super) id: i64,
    pub(super) community_code: String,
    pub(super) mode: String,
    pub(super) amount_fen: i64,
    pub(super) accepted_on: Option<NaiveDate>,
}

/// Make a draft batch of the acceptance rewards not yet in any batch (each reward can be in
/// one line only, ever: the line's reward key is unique).
pub async fn create_reward_batch(
    db: &Db,
    area: &DivisionCode,
    actor: &Actor,
    year: i64,
    accepted_until: Option<NaiveDate>,
) -> Result<i64> {
    if !(1949..=2200).contains(&year) {
        return Err(AppError::invalid("year", "centres.year_range"));
    }
    let (lo, hi) = area.descendant_range();
    let until = accepted_until.unwrap_or(
        NaiveDate::MAX.min(NaiveDate::from_ymd_opt(year as i32, 12, 31).unwrap_or(NaiveDate::MAX)),
    );
    let tx = db.write_tx().await?;
    let due: Vec<DueReward> = db::all(
        &tx,
        "SELECT r.id, r.community_code, r.mode, r.amount_fen, p.accepted_on FROM centre_rewards r \
         JOIN centre_projects p ON p.id = r.project_id \
         WHERE r.status = 'due' AND r.community_code BETWEEN ? AND ? AND p.accepted_on <= ? \
           AND NOT EXISTS (SELECT 1 FROM payment_lines l WHERE l.reward_id = r.id) \
         ORDER BY r.community_code, r.id",
        vals![lo, hi, until],
    )
    .await?;
    if due.is_empty() {
        return Err(AppError::invalid("year", "funding.nothing_due"));
    }
    let lines: Vec<NewLine> = due
        .iter()
        .map(|r| NewLine {
            code: r.community_code.clone(),
            category: "construction_reward",
            amount_fen: r.amount_fen,
            quantity: None,
            explanation: format!(
                "服务中心达标验收奖励（{}，{} 验收）：{} 元",
                match r.mode.as_str() {
                    "new" => "新建",
                    "renovation" => "改扩建",
                    _ => "整合",
                },
                r.accepted_on.map(|d| d.to_string()).unwrap_or_default(),
                Fen(r.amount_fen).yuan_string()
            ),
            reward_id: Some(r.id),
            reverses_id: None,
            pays: None,
        })
        .collect();
    let total: i64 = due.iter().map(|r| r.amount_fen).sum();
    let params = serde_json::json!({"accepted_until": until, "rewards": due.len()});
    let title = format!("{year} 年服务中心达标验收奖励");
    let head = BatchHead {
        year: year as i32,
        kind: "construction_reward",
        title: &title,
        params: &params,
        total,
        count: lines.len(),
        subsidy_of: None,
    };
    let id = insert_batch(&tx, actor, &head, lines.into_iter()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Approve a draft, pay an approved batch, or delete a draft. Each step is conditional on
/// the status it needs: a second click or a concurrent request finds it gone.
pub async fn step(db: &Db, actor: &Actor, id: i64, step: &str) -> Result<()> {
    let need = BatchStatus::required_for(step)
        .ok_or_else(|| AppError::invalid("step", "funding.bad_step"))?;
    let tx = db.write_tx().await?;
    let b = batch_row(&tx, id).await?;
    if b.status() != need {
        return Err(AppError::invalid(
            "step",
            match (step, b.status()) {
                ("pay", BatchStatus::Draft) => "funding.pay_unapproved",
                (_, BatchStatus::Paid) => "funding.already_paid",
                _ => "funding.already_approved",
            },
        ));
    }
    let now = db.clock().now();
    let changed = match step {
        "approve" => {
            db::exec(
                &tx,
                "UPDATE payment_batches SET status = 'approved', approved_by = ?, approved_at = ? \
                 WHERE id = ? AND status = 'draft'",
                vals![actor.name.clone(), now, id],
            )
            .await?
        }
        "pay" => {
            let n = db::exec(
                &tx,
                "UPDATE payment_batches SET status = 'paid', paid_by = ?, paid_at = ? \
                 WHERE id = ? AND status = 'approved'",
                vals![actor.name.clone(), now, id],
            )
            .await?;
            db::exec(
                &tx,
                "UPDATE centre_rewards SET status = 'paid' WHERE id IN \
                 (SELECT reward_id FROM payment_lines WHERE batch_id = ? AND reward_id IS NOT NULL)",
                vals![id],
            )
            .await?;
            n
        }
        _ => {
            db::exec(
                &tx,
                "DELETE FROM payment_lines WHERE batch_id = ?",
                vals![id],
            )
            .await?;
            db::exec(
                &tx,
                "DELETE FROM payment_batches WHERE id = ? AND status = 'draft'",
                vals![id],
            )
            .await?
        }
    };
    if changed != 1 {
        return Err(AppError::invalid("step", "funding.already_approved"));
    }
    audit::commit(
        tx,
        actor,
        match step {
            "approve" => "approve",
            "pay" => "pay",
            _ => "delete",
        },
        "payment_batch",
        &id.to_string(),
        Some(&serde_json::json!({"status": b.status, "title": b.title, "total_fen": b.total_fen})),
        if step == "delete" {
            None
        } else {
            Some(serde_json::json!({"status": if step == "approve" { "approved" } else { "paid" }}))
        }
        .as_ref(),
    )
    .await?;
    Ok(())
}

/// Reverse a paid line: a draft correction batch with the opposite amount. A line is reversed
/// once (the reversing line's key is unique); the correction takes effect when its batch is
/// approved and paid like any other.
pub async fn reverse_line(
    db: &Db,
    actor: &Actor,
    line_id: i64,
    reason: &str,
    year: i32,
) -> Result<i64> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "common.required"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::Invalid(vec![
            FieldError::new("reason", "common.too_long").with(500),
        ]));
    }
    let tx = db.write_tx().await?;
    #[derive(FromQueryResult)]
    struct L {
        batch_id: i64,
        community_code: String,
        amount_fen: i64,
        status: String,
        reversed: i64,
        reverses_id: Option<i64>,
    }
    let l: L = db::one(
        &tx,
        "SELECT l.batch_id, l.community_code, l.amount_fen, b.status, \
           (SELECT COUNT(*) FROM payment_lines r WHERE r.reverses_id = l.id) AS reversed, l.reverses_id \
         FROM payment_lines l JOIN payment_batches b ON b.id = l.batch_id WHERE l.id = ?",
        vals![line_id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if l.status != "paid" {
        return Err(AppError::invalid("reason", "funding.reverse_unpaid"));
    }
    if l.reversed > 0 || l.reverses_id.is_some() {
        return Err(AppError::invalid("reason", "funding.already_reversed"));
    }
    let line = NewLine {
        code: l.community_code.clone(),
        category: "correction",
        amount_fen: -l.amount_fen,
        quantity: None,
        explanation: format!(
            "冲销第 {line_id} 行（批次 {}）：{} 元。原因：{reason}",
            l.batch_id,
            Fen(-l.amount_fen).yuan_string()
        ),
        reward_id: None,
        reverses_id: Some(line_id),
        pays: None,
    };
    let params = serde_json::json!({"reverses": line_id, "reason": reason});
    let title = format!("更正：冲销第 {line_id} 行");
    let head = BatchHead {
        year,
        kind: "correction",
        title: &title,
        params: &params,
        total: line.amount_fen,
        count: 1,
        subsidy_of: None,
    };
    let id = insert_batch(&tx, actor, &head, std::iter::once(line)).await?;
    tx.commit().await?;
    Ok(id)
}
