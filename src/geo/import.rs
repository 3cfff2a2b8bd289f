//! `shequ import divisions`: the national division files (provinces, cities, areas, streets,
//! villages; plain or `.gz`) into `divisions`.
//!
//! Every row of every file is validated before anything is written; one transaction writes it
//! all or nothing. The import is an upsert computed against what is stored: new codes are
//! inserted, changed names recorded as renames, unchanged rows not touched, so a second run
//! changes nothing. Nothing is deleted: a community missing from a newer file keeps its
//! history (merges are recorded by the district, not inferred from absence).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
use crate::platform::types::{DivisionCode, Level};
use crate::vals;

/// One input: a named stream of CSV of one level.
pub struct Source {
    pub name: String,
    pub level: Level,
    pub reader: Box<dyn Read + Send>,
}

/// A row that passed validation.
#[derive(Clone, Debug)]
pub struct DivisionRow {
    pub code: DivisionCode,
    pub level: Level,
    pub name: String,
    /// Where it came from, for error messages.
    pub file: std::sync::Arc<str>,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.message)
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub rows_read: u64,
    pub inserted: u64,
    pub renamed: u64,
    pub unchanged: u64,
}

#[derive(Debug)]
pub enum ImportError {
    /// Rows failed validation; nothing was written. At most [`MAX_REPORTED_ERRORS`] listed.
    Rows {
        errors: Vec<RowError>,
        total: u64,
    },
    Io(String),
    Db(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Rows { errors, total } => {
                writeln!(f, "{total} bad row(s); nothing was imported:")?;
                for e in errors {
                    writeln!(f, "  {e}")?;
                }
                if *total as usize > errors.len() {
                    writeln!(f, "  … and {} more", *total as usize - errors.len())?;
                }
                Ok(())
            }
            ImportError::Io(m) => write!(f, "{m}"),
            ImportError::Db(m) => write!(f, "database: {m}; nothing was imported"),
        }
    }
}

impl std::error::Error for ImportError {}

pub const MAX_REPORTED_ERRORS: usize = 50;

/// The national files' names and levels, in the order they must be read.
const FILES: &[(&str, Level)] = &[
    ("provinces", Level::Province),
    ("cities", Level::City),
    ("areas", Level::Area),
    ("streets", Level::Town),
    ("villages", Level::Community),
];

fn open(path: &Path) -> Result<Box<dyn Read + Send>, ImportError> {
    let f = std::fs::File::open(path)
        .map_err(|e| ImportError::Io(format!("{}: {e}", path.display())))?;
    // Buffering happens once, in `strip_bom`, over the decoded bytes.
    if path.extension().is_some_and(|x| x == "gz") {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(f)))
    } else {
        Ok(Box::new(f))
    }
}

/// The level of a single file from its name (`streets.csv`, `villages.csv.gz` …).
fn level_of(path: &Path) -> Option<Level> {
    let name = path.file_name()?.to_str()?;
    let stem = name.split('.').next()?;
    FILES.iter().find(|(n, _)| *n == stem).map(|(_, l)| *l)
}

/// Sources from a directory of national files, or one file named after its level.
pub fn sources_from_path(path: &Path) -> Result<Vec<Source>, ImportError> {
    if path.is_dir() {
        let mut out = vec![];
        for (stem, level) in FILES {
            let plain = path.join(format!("{stem}.csv"));
            let gz = path.join(format!("{stem}.csv.gz"));
            let p: Option<PathBuf> = [plain, gz].into_iter().find(|p| p.exists());
            if let Some(p) = p {
                out.push(Source {
                    name: p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    level: *level,
                    reader: open(&p)?,
                });
            }
        }
        if out.is_empty() {
            return Err(ImportError::Io(format!(
                "{}: no provinces/cities/areas/streets/villages .csv or .csv.gz files found",
                path.display()
            )));
        }
        Ok(out)
    } else {
        let level = level_of(path).ok_or_else(|| {
            ImportError::Io(format!(
                "{}: cannot tell the level from the file name; name it provinces, cities, areas, streets or villages (.csv or .csv.gz)",
                path.display()
            ))
        })?;
        Ok(vec![Source {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            level,
            reader: open(path)?,
        }])
    }
}

/// The column that names the parent in each level's file.
fn parent_column(level: Level) -> Option<&'static str> {
    match level {
        Level::Province => None,
        Level::City => Some("provinceCode"),
        Level::Area => Some("cityCode"),
        Level::Town => Some("areaCode"),
        Level::Community => Some("streetCode"),
    }
}

/// Parse and validate every row of every source. `area` keeps only that county-level area and
/// the province and city above it.
pub fn read_sources(
    sources: Vec<Source>,
    area: Option<DivisionCode>,
    progress: &ProgressBar,
) -> Result<Vec<DivisionRow>, ImportError> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut total_errors = 0u64;
    let mut seen: HashMap<DivisionCode, (String, u64)> = HashMap::new();
    let mut push_err = |errors: &mut Vec<RowError>, e: RowError| {
        total_errors += 1;
        if errors.len() < MAX_REPORTED_ERRORS {
            errors.push(e);
        }
    };
    for src in sources {
        progress.set_message(src.name.clone());
        let file: std::sync::Arc<str> = src.name.as_str().into();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(strip_bom(src.reader));
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                push_err(
                    &mut errors,
                    RowError {
                        file: src.name.clone(),
                        line: 1,
                        message: format!("cannot read the header: {e}"),
                    },
                );
                continue;
            }
        };
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(code_i), Some(name_i)) = (col("code"), col("name")) else {
            push_err(
                &mut errors,
                RowError {
                    file: src.name.clone(),
                    line: 1,
                    message: format!(
                        "missing column(s): the header must have code and name, found {:?}",
                        headers.iter().collect::<Vec<_>>()
                    ),
                },
            );
            continue;
        };
        let parent_i = match parent_column(src.level) {
            Some(pc) => match col(pc) {
                Some(i) => Some(i),
                None => {
                    push_err(
                        &mut errors,
                        RowError {
                            file: src.name.clone(),
                            line: 1,
                            message: format!("missing column {pc}"),
                        },
                    );
                    continue;
                }
            },
            None => None,
        };
        let mut record = csv::StringRecord::new();
        let mut line = 1u64;
        loop {
            match rdr.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    line += 1;
                    push_err(
                        &mut errors,
                        RowError {
                            file: src.name.clone(),
                            line,
                            message: format!("unreadable row: {e}"),
                        },
                    );
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            }
            line = record.position().map(|p| p.line()).unwrap_or(line + 1);
            progress.inc(1);
            let err = |m: String| RowError {
                file: src.name.clone(),
                line,
                message: m,
            };
            let raw_code = record.get(code_i).unwrap_or("").trim();
            // A division listed again one level down with a zero part (东莞 441900 as its own
            // area, 金门 350527000 as its own town): in 12 digits it is its parent's code, so
            // the parent's row stands for both.
            if repeats_parent(raw_code, src.level) {
                continue;
            }
            let code = match DivisionCode::parse_level(raw_code, src.level) {
                Ok(c) => c,
                Err(e) => {
                    push_err(&mut errors, err(format!("code {raw_code:?}: {e}")));
                    continue;
                }
            };
            if let Some(a) = &area {
                let keep = match code.level() {
                    Level::Province => a.as_str()[..2] == code.as_str()[..2],
                    Level::City => a.as_str()[..4] == code.as_str()[..4],
                    _ => code.area().as_ref() == Some(a),
                };
                if !keep {
                    continue;
                }
            }
            let name = record.get(name_i).unwrap_or("").trim();
            if name.is_empty() {
                push_err(&mut errors, err(format!("code {code}: the name is empty")));
                continue;
            }
            if name.chars().count() > 100 {
                push_err(
                    &mut errors,
                    err(format!(
                        "code {code}: the name is longer than 100 characters"
                    )),
                );
                continue;
            }
            let parent = code.parent();
            if let (Some(pi), Some(p)) = (parent_i, &parent) {
                let given = record.get(pi).unwrap_or("").trim();
                // Compare as 12 digits: cities without counties (东莞 4419, 中山 4420 …) list
                // their streets under "441900", the city itself.
                let padded = format!("{given:0<12}");
                match given.bytes().all(|b| b.is_ascii_digit())
                    && given.len() <= 12
                    && padded == p.as_str()
                {
                    true => {}
                    false => {
                        push_err(
                            &mut errors,
                            err(format!(
                                "code {code}: parent column says {given:?}, but the code lies under {}",
                                &p.as_str()[..p.level().digits()]
                            )),
                        );
                        continue;
                    }
                }
            }
            if let Some((file, l)) = seen.insert(code, (src.name.clone(), line)) {
                push_err(
                    &mut errors,
                    err(format!("code {code} appears twice (also {file} line {l})")),
                );
                continue;
            }
            rows.push(DivisionRow {
                code,
                level: src.level,
                name: name.to_string(),
                file: file.clone(),
                line,
            });
        }
    }
    if total_errors > 0 {
        return Err(ImportError::Rows {
            errors,
            total: total_errors,
        });
    }
    Ok(rows)
}

/// Is this the code of the division above, listed again at `level` with a zero part?
fn repeats_parent(raw: &str, level: Level) -> bool {
    let seg = match level {
        Level::Province => return false,
        Level::City => 2..4,
        Level::Area => 4..6,
        Level::Town => 6..9,
        Level::Community => 9..12,
    };
    raw.len() == level.digits()
        && raw.bytes().all(|b| b.is_ascii_digit())
        && raw.as_bytes()[seg].iter().all(|b| *b == b'0')
}

/// Skip a UTF-8 byte-order mark (files saved from Excel have one).
fn strip_bom(r: Box<dyn Read + Send>) -> impl Read {
    let mut br = BufReader::with_capacity(1 << 20, r);
    if let Ok(buf) = br.fill_buf()
        && buf.starts_with(&[0xEF, 0xBB, 0xBF])
    {
        br.consume(3);
    }
    br
}

#[derive(FromQueryResult)]
struct Existing {
    code: String,
    name: String,
}

/// Rows per INSERT: 3 values each stays well under SQLite's 32,766 and PostgreSQL's 65,535
/// bound parameters.
const BATCH: usize = 5000;

/// Validate everything, then write in one transaction. Rows whose parent is neither in the
/// input nor stored are errors too.
pub async fn import(
    db: &Db,
    rows: Vec<DivisionRow>,
    actor: &Actor,
    source_label: &str,
    progress: &ProgressBar,
) -> Result<ImportReport, ImportError> {
    let dberr = |e: crate::platform::error::AppError| ImportError::Db(e.describe());
    let existing: Vec<Existing> = db::all(&db.conn, "SELECT code, name FROM divisions", vals![])
        .await
        .map_err(dberr)?;
    let existing: HashMap<String, String> =
        existing.into_iter().map(|e| (e.code, e.name)).collect();

    // Parents must exist.
    let incoming: std::collections::HashSet<DivisionCode> = rows.iter().map(|r| r.code).collect();
    let mut errors = vec![];
    let mut total = 0u64;
    for r in &rows {
        if let Some(p) = &r.code.parent()
            && !incoming.contains(p)
            && !existing.contains_key(p.as_str())
        {
            total += 1;
            if errors.len() < MAX_REPORTED_ERRORS {
                errors.push(RowError {
                    file: r.file.to_string(),
                    line: r.line,
                    message: format!(
                        "code {}: its parent {} is neither in the files nor in the database",
                        r.code, p
                    ),
                });
            }
        }
    }
    if total > 0 {
        return Err(ImportError::Rows { errors, total });
    }

    let mut report = ImportReport {
        rows_read: rows.len() as u64,
        ..Default::default()
    };
    let mut new_rows = vec![];
    let mut renamed = vec![];
    for r in rows {
        match existing.get(r.code.as_str()) {
            None => new_rows.push(r),
            Some(name) if *name != r.name => renamed.push((r, name.clone())),
            Some(_) => report.unchanged += 1,
        }
    }
    report.inserted = new_rows.len() as u64;
    report.renamed = renamed.len() as u64;
    if report.inserted == 0 && report.renamed == 0 {
        return Ok(report);
    }

    progress.set_position(0);
    progress.set_length(report.inserted + report.renamed);
    progress.set_message("writing");
    let tx = db.write_tx().await.map_err(dberr)?;
    let backend = tx.get_database_backend();
    // Parents before children: rows arrive ordered by level from the files.
    new_rows.sort_by_key(|r| r.level);
    for chunk in new_rows.chunks(BATCH) {
        let mut sql = String::with_capacity(64 + chunk.len() * 8);
        sql.push_str("INSERT INTO divisions (code, level, name) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?)");
            values.push(r.code.as_str().into());
            values.push((r.level as i32).into());
            values.push(r.name.as_str().into());
        }
        tx.execute_raw(db::stmt(backend, &sql, values))
            .await
            .map_err(|e| ImportError::Db(e.to_string()))?;
        progress.inc(chunk.len() as u64);
    }
    let today = crate::platform::time::today();
    let now = chrono::Utc::now();
    for (r, old) in &renamed {
        db::exec(
            &tx,
            "UPDATE divisions SET name = ? WHERE code = ?",
            vals![r.name.clone(), r.code.as_str()],
        )
        .await
        .map_err(dberr)?;
        db::exec(
            &tx,
            "INSERT INTO division_changes (code, kind, effective_on, old_name, new_name, note, created_at) \
             VALUES (?, 'rename', ?, ?, ?, ?, ?)",
            vals![r.code.as_str(), today, old.clone(), r.name.clone(), format!("import: {source_label}"), now],
        )
        .await
        .map_err(dberr)?;
        progress.inc(1);
    }
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
            "renamed": renamed.iter().take(200).map(|(r, old)| serde_json::json!({"code": r.code.as_str(), "from": old, "to": r.name})).collect::<Vec<_>>(),
        })),
    )
    .await
    .map_err(dberr)?;
    tx.commit()
        .await
        .map_err(|e| ImportError::Db(e.to_string()))?;
    Ok(report)
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

/// The whole command: read a path, validate, import.
pub async fn import_path(
    db: &Db,
    path: &Path,
    area: Option<DivisionCode>,
    actor: &Actor,
) -> Result<ImportReport, ImportError> {
    let sources = sources_from_path(path)?;
    // The national villages file has 620,574 rows; a good guess keeps the bar honest.
    let guess: u64 = if area.is_some() { 0 } else { 665_000 };
    let pb = progress_bar(guess);
    pb.set_message("reading");
    let rows = tokio::task::block_in_place(|| read_sources(sources, area, &pb))?;
    let label = match &area {
        Some(a) => format!("{} (area {})", path.display(), &a.as_str()[..6]),
        None => path.display().to_string(),
    };
    let r = import(db, rows, actor, &label, &pb).await;
    pb.finish_and_clear();
    r
}
