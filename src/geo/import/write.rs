//! Writing the rows read: one transaction, in chunks of multi-row statements, renames and merges recorded.

use super::*;

/// Rows per INSERT: 3 values each stays well under SQLite's 32,766 and PostgreSQL's 65,535
/// bound parameters.
pub(super) const BATCH: usize = 1000;

/// Write rows already in memory (the demo's), parents before children, in one transaction
/// with the same checks as the command.
pub async fn import(
    db: &Db,
    mut rows: Vec<DivisionRow>,
    actor: &Actor,
    source_label: &str,
    progress: &ProgressBar,
) -> Result<ImportReport, ImportError> {
    rows.sort_by_key(|r| r.level);
    let mut order: Vec<String> = vec![];
    for r in &rows {
        if order.last().is_none_or(|o| **o != *r.file) {
            order.push(r.file.to_string());
        }
    }
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let mut it = rows.into_iter();
        loop {
            let chunk: Vec<DivisionRow> = it.by_ref().take(BATCH).collect();
            if chunk.is_empty() || tx.send(Msg::Rows(chunk)).await.is_err() {
                break;
            }
        }
    });
    write(db, rx, &order, actor, source_label, progress).await
}

/// The writer: one transaction over every chunk the reader hands on. Each chunk is compared
/// with what is stored (new codes inserted, changed names recorded as renames, the rest left
/// alone); a row whose parent is neither stored nor written before it is an error. After the
/// first error nothing more is written and the transaction is rolled back at the end: all or
/// nothing, with every error the files hold (the first 100 listed).
pub(super) async fn write(
    db: &Db,
    mut rx: tokio::sync::mpsc::Receiver<Msg>,
    order: &[String],
    actor: &Actor,
    source_label: &str,
    progress: &ProgressBar,
) -> Result<ImportReport, ImportError> {
    let dberr = |e: crate::platform::error::AppError| ImportError::Db(e.describe());
    let tx = db.write_tx().await.map_err(dberr)?;
    // SQLite's page cache for this connection, while it writes the country: a small one
    // keeps the import's memory flat (the pages go to the write-ahead log as they fill)
    if db.is_sqlite() {
        tx.execute_unprepared("PRAGMA cache_size = -4000")
            .await
            .map_err(|e| ImportError::Db(e.to_string()))?;
    }
    let mut report = ImportReport::default();
    let mut errors = Errors::default();
    let mut renamed_sample = vec![];
    let mut outcome: Result<(), ImportError> = Ok(());
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Fatal(m) => {
                outcome = Err(ImportError::Io(m));
                break;
            }
            Msg::Error(e) => errors.push(e),
            Msg::Rows(rows) => {
                report.rows_read += rows.len() as u64;
                if errors.total > 0 {
                    continue;
                }
                if let Err(e) = write_chunk(
                    &tx,
                    rows,
                    &mut report,
                    &mut errors,
                    &mut renamed_sample,
                    source_label,
                )
                .await
                {
                    outcome = Err(dberr(e));
                    break;
                }
            }
        }
    }
    drop(rx); // a reader still going stops at its next send
    if db.is_sqlite() {
        let _ = tx.execute_unprepared("PRAGMA cache_size = -32000").await;
    }
    outcome?;
    if errors.total > 0 {
        let _ = tx.rollback().await;
        return Err(errors.into_error(order));
    }
    if report.inserted == 0 && report.renamed == 0 {
        let _ = tx.rollback().await;
        return Ok(report);
    }
    progress.set_message("committing");
    // One audit entry for the whole import: per-row entries for 600,000 rows would bury the log.
    audit::record(
        &tx,
        actor,
        "import",
        "divisions",
        source_label,
        None::<&()>,
        Some(&serde_json::json!({
            "source": source_label,
            "report": report,
            "renamed": renamed_sample,
        })),
    )
    .await
    .map_err(dberr)?;
    tx.commit()
        .await
        .map_err(|e| ImportError::Db(e.to_string()))?;
    Ok(report)
}

#[derive(FromQueryResult)]
pub(super) struct Existing {
    pub(super) code: String,
    pub(super) name: String,
}

pub(super) async fn write_chunk(
    tx: &crate::platform::db::WriteTx,
    rows: Vec<DivisionRow>,
    report: &mut ImportReport,
    errors: &mut Errors,
    renamed_sample: &mut Vec<serde_json::Value>,
    source_label: &str,
) -> Result<(), crate::platform::error::AppError> {
    let in_list = |n: usize| vec!["?"; n].join(",");
    let codes: Vec<Value> = rows.iter().map(|r| r.code.as_str().into()).collect();
    let existing: Vec<Existing> = db::all(
        tx,
        &format!(
            "SELECT code, name FROM divisions WHERE code IN ({})",
            in_list(codes.len())
        ),
        codes,
    )
    .await?;
    let existing: HashMap<String, String> =
        existing.into_iter().map(|e| (e.code, e.name)).collect();
    // parents: stored (or written by an earlier chunk), or in this chunk
    let here: std::collections::HashSet<DivisionCode> = rows.iter().map(|r| r.code).collect();
    let mut wanted: Vec<String> = rows
        .iter()
        .filter_map(|r| r.code.parent())
        .filter(|p| !here.contains(p))
        .map(|p| p.as_str().to_string())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut stored: std::collections::HashSet<String> = Default::default();
    for part in wanted.chunks(BATCH) {
        #[derive(FromQueryResult)]
        struct Code {
            code: String,
        }
        let found: Vec<Code> = db::all(
            tx,
            &format!(
                "SELECT code FROM divisions WHERE code IN ({})",
                in_list(part.len())
            ),
            part.iter().map(|c| Value::from(c.as_str())).collect(),
        )
        .await?;
        stored.extend(found.into_iter().map(|c| c.code));
    }
    let mut new_rows = vec![];
    let mut renamed = vec![];
    let mut taken = std::collections::HashSet::with_capacity(rows.len());
    for r in rows {
        if !taken.insert(r.code) {
            continue; // a repeat: the reader reports it once all is read, and nothing is kept
        }
        if let Some(p) = r.code.parent()
            && !here.contains(&p)
            && !stored.contains(p.as_str())
        {
            errors.push(RowError {
                file: r.file.to_string(),
                line: r.line,
                message: format!(
                    "code {}: its parent {} is neither in the files nor in the database",
                    r.code, p
                ),
            });
            continue;
        }
        match existing.get(r.code.as_str()) {
            None => new_rows.push(r),
            Some(name) if *name != r.name => renamed.push((r, name.clone())),
            Some(_) => report.unchanged += 1,
        }
    }
    if errors.total > 0 {
        return Ok(());
    }
    report.inserted += new_rows.len() as u64;
    report.renamed += renamed.len() as u64;
    // parents before children within the chunk
    new_rows.sort_by_key(|r| r.level);
    if !new_rows.is_empty() {
        let mut sql = String::with_capacity(64 + new_rows.len() * 8);
        sql.push_str("INSERT INTO divisions (code, level, name) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(new_rows.len() * 3);
        for (i, r) in new_rows.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?)");
            values.push(r.code.as_str().into());
            values.push((r.level as i32).into());
            values.push(r.name.as_str().into());
        }
        db::exec(tx, &sql, values).await?;
    }
    let today = tx.clock().today();
    let now = tx.clock().now();
    for (r, old) in &renamed {
        db::exec(
            tx,
            "UPDATE divisions SET name = ? WHERE code = ?",
            vals![r.name.clone(), r.code.as_str()],
        )
        .await?;
        db::exec(
            tx,
            "INSERT INTO division_changes (code, kind, effective_on, old_name, new_name, note, created_at) \
             VALUES (?, 'rename', ?, ?, ?, ?, ?)",
            vals![r.code.as_str(), today, old.clone(), r.name.clone(), format!("import: {source_label}"), now],
        )
        .await?;
        if renamed_sample.len() < 200 {
            renamed_sample
                .push(serde_json::json!({"code": r.code.as_str(), "from": old, "to": r.name}));
        }
    }
    Ok(())
}

/// A progress bar on stderr when it is a terminal (hidden otherwise, e.g. in tests and CI).
pub fn progress_bar(len: u64) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:>12} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb
}

/// The whole command: read a path and write it, streaming — the reader checks rows on a
/// thread of its own while the writer stores the chunks that passed, so memory stays flat
/// for the whole country.
pub async fn import_path(
    db: &Db,
    path: &Path,
    area: Option<DivisionCode>,
    actor: &Actor,
) -> Result<ImportReport, ImportError> {
    import_path_with(db, path, area, Encoding::Utf8, actor).await
}

/// [`import_path`] in a given text encoding.
pub async fn import_path_with(
    db: &Db,
    path: &Path,
    area: Option<DivisionCode>,
    encoding: Encoding,
    actor: &Actor,
) -> Result<ImportReport, ImportError> {
    let sources = sources_from_path(path)?;
    let order: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    // The national villages file has 620,574 rows; a good guess keeps the bar honest.
    let guess: u64 = if area.is_some() { 0 } else { 665_000 };
    let pb = progress_bar(guess);
    pb.set_message("reading");
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let reader_pb = pb.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read_into(sources, area, encoding, &reader_pb, |m| {
            tx.blocking_send(m).is_ok()
        })
    });
    let label = match &area {
        Some(a) => format!("{} (area {})", path.display(), &a.as_str()[..6]),
        None => path.display().to_string(),
    };
    let r = write(db, rx, &order, actor, &label, &pb).await;
    let _ = reader.await;
    pb.finish_and_clear();
    r
}
