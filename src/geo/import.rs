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

pub const MAX_REPORTED_ERRORS: usize = 100;

/// The longest line a division file may have: a longer one means the wrong file (or a field
/// of 200 MB), which is refused before it fills the memory.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// The text encoding of the input files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8 (with or without a byte-order mark), as the national files are published.
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, which includes GBK and GB2312: what spreadsheets on Chinese Windows save.
    #[value(name = "gb18030", alias = "gbk")]
    Gb18030,
}

/// The national files' names and levels, in the order they must be read.
const FILES: &[(&str, Level)] = &[
    ("provinces", Level::Province),
    ("cities", Level::City),
    ("areas", Level::Area),
    ("streets", Level::Town),
    ("villages", Level::Community),
];

/// A file, decompressed when it is gzip — told by its first bytes, not by its name (a plain
/// CSV named `.csv.gz` reads as plain).
fn open(path: &Path) -> Result<Box<dyn Read + Send>, ImportError> {
    let f = std::fs::File::open(path)
        .map_err(|e| ImportError::Io(format!("{}: {e}", path.display())))?;
    let mut br = BufReader::with_capacity(1 << 16, f);
    let gzip = br
        .fill_buf()
        .map_err(|e| ImportError::Io(format!("{}: {e}", path.display())))?
        .starts_with(&[0x1f, 0x8b]);
    if gzip {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(br)))
    } else {
        Ok(Box::new(br))
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
    if !path.exists() {
        return Err(ImportError::Io(format!(
            "{}: no such file or folder",
            path.display()
        )));
    }
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

/// A value as an error message may quote it: at most 40 characters.
fn clip(s: &str) -> String {
    let n = s.chars().count();
    if n <= 40 {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(40).collect();
        format!("{head:?}… ({n} characters)")
    }
}

/// What the reader hands the writer.
enum Msg {
    /// Rows that passed the checks a file alone allows (parents are checked against the
    /// database by the writer).
    Rows(Vec<DivisionRow>),
    Error(RowError),
    /// A problem with a whole file (its encoding, a line of megabytes): the import stops.
    Fatal(String),
}

/// Errors as reported: the first [`MAX_REPORTED_ERRORS`] and how many there were.
#[derive(Default)]
struct Errors {
    listed: Vec<RowError>,
    total: u64,
}

impl Errors {
    fn push(&mut self, e: RowError) {
        self.total += 1;
        if self.listed.len() < MAX_REPORTED_ERRORS {
            self.listed.push(e);
        }
    }
    fn into_error(mut self, order: &[String]) -> ImportError {
        let at = |f: &str| order.iter().position(|o| o == f).unwrap_or(usize::MAX);
        self.listed.sort_by_key(|e| (at(&e.file), e.line));
        ImportError::Rows {
            errors: self.listed,
            total: self.total,
        }
    }
}

/// A reader that refuses a line longer than [`MAX_LINE_BYTES`].
struct LineGuard<R> {
    inner: R,
    since_newline: usize,
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        let run = match got.iter().position(|&b| b == b'\n') {
            None => self.since_newline + n,
            Some(first) => {
                let before = self.since_newline + first;
                let last = got.iter().rposition(|&b| b == b'\n').unwrap_or(first);
                self.since_newline = n - last - 1;
                before.max(self.since_newline)
            }
        };
        if run > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line longer than {} KiB: this is not a division file",
                    MAX_LINE_BYTES / 1024
                ),
            ));
        }
        if !got.contains(&b'\n') {
            self.since_newline = run;
        }
        Ok(n)
    }
}

/// A field as text in the file's encoding; `Err` says why not.
fn text(bytes: &[u8], encoding: Encoding) -> Result<std::borrow::Cow<'_, str>, String> {
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
            Err(_) => Err(
                if encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(bytes)
                    .is_some()
                {
                    "this file is not UTF-8 (it looks like GBK/GB18030): save it as UTF-8, or pass --encoding gb18030".into()
                } else {
                    "this file is not UTF-8 text: save it as UTF-8 (or, for GBK/GB18030, pass --encoding gb18030)".into()
                },
            ),
        },
        Encoding::Gb18030 => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| {
                "this file is not GB18030 text (is it UTF-8? then leave out --encoding)".into()
            }),
    }
}

/// Parse and check every row of every source, handing rows on in chunks as they pass. `area`
/// keeps only that county-level area and the province and city above it. `send` returns
/// false when the writer is gone (it failed): reading stops.
fn read_into(
    sources: Vec<Source>,
    area: Option<DivisionCode>,
    encoding: Encoding,
    progress: &ProgressBar,
    mut send: impl FnMut(Msg) -> bool,
) {
    // every code read with where: 8 bytes a row (5 MB for the whole country), checked for
    // repeats once all is read (see `repeats`)
    let mut seen: Vec<u64> = vec![];
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let mut failed = false;
    for (file_index, src) in sources.into_iter().enumerate() {
        progress.set_message(src.name.clone());
        let file: std::sync::Arc<str> = src.name.as_str().into();
        let error = |line: u64, message: String| {
            Msg::Error(RowError {
                file: src.name.clone(),
                line,
                message,
            })
        };
        let guarded = LineGuard {
            inner: src.reader,
            since_newline: 0,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(strip_bom(Box::new(guarded)));
        let headers = match rdr.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                if !send(error(1, format!("cannot read the header: {e}"))) {
                    return;
                }
                failed = true;
                continue;
            }
        };
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim_ascii() == name.as_bytes())
        };
        let (Some(code_i), Some(name_i)) = (col("code"), col("name")) else {
            let found: Vec<String> = headers
                .iter()
                .take(12)
                .map(|h| clip(&String::from_utf8_lossy(h)))
                .collect();
            if !send(error(
                1,
                format!(
                    "missing column(s): the header must have code and name, found {}",
                    found.join(", ")
                ),
            )) {
                return;
            }
            failed = true;
            continue;
        };
        let parent_i = match parent_column(src.level) {
            Some(pc) => match col(pc) {
                Some(i) => Some(i),
                None => {
                    if !send(error(1, format!("missing column {pc}"))) {
                        return;
                    }
                    failed = true;
                    continue;
                }
            },
            None => None,
        };
        let mut record = csv::ByteRecord::new();
        let mut line = 1u64;
        let mut chunk: Vec<DivisionRow> = Vec::with_capacity(BATCH);
        loop {
            match rdr.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    line += 1;
                    let io = matches!(e.kind(), csv::ErrorKind::Io(_));
                    if !send(error(line, format!("unreadable row: {e}"))) {
                        return;
                    }
                    failed = true;
                    if io {
                        break;
                    }
                    continue;
                }
            }
            line = record.position().map(|p| p.line()).unwrap_or(line + 1);
            progress.inc(1);
            let field = |i: usize| text(record.get(i).unwrap_or(b""), encoding);
            let (raw_code, name) = match (field(code_i), field(name_i)) {
                (Ok(c), Ok(n)) => (c, n),
                (Err(m), _) | (_, Err(m)) => {
                    send(Msg::Fatal(format!("{} line {line}: {m}", src.name)));
                    return;
                }
            };
            let raw_code = raw_code.trim();
            // A division listed again one level down with a zero part (东莞 441900 as its own
            // area, 金门 350527000 as its own town): in 12 digits it is its parent's code, so
            // the parent's row stands for both.
            if repeats_parent(raw_code, src.level) {
                continue;
            }
            let mut problem: Option<String> = None;
            let code = match DivisionCode::parse_level(raw_code, src.level) {
                Ok(c) => c,
                Err(e) => {
                    if !send(error(line, format!("code {}: {e}", clip(raw_code)))) {
                        return;
                    }
                    failed = true;
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
            let name = name.trim();
            if name.is_empty() {
                problem = Some(format!("code {code}: the name is empty"));
            } else if name.chars().count() > 100 {
                problem = Some(format!(
                    "code {code}: the name {} is longer than 100 characters",
                    clip(name)
                ));
            }
            if problem.is_none()
                && let (Some(pi), Some(p)) = (parent_i, code.parent())
            {
                let given = match field(pi) {
                    Ok(g) => g.trim().to_string(),
                    Err(m) => {
                        send(Msg::Fatal(format!("{} line {line}: {m}", src.name)));
                        return;
                    }
                };
                // Compare as 12 digits: cities without counties (东莞 4419, 中山 4420 …) list
                // their streets under "441900", the city itself.
                let padded = format!("{given:0<12}");
                if !(given.bytes().all(|b| b.is_ascii_digit())
                    && given.len() <= 12
                    && padded == p.as_str())
                {
                    problem = Some(format!(
                        "code {code}: parent column says {}, but the code lies under {}",
                        clip(&given),
                        &p.as_str()[..p.level().digits()]
                    ));
                }
            }
            if problem.is_none() {
                seen.push(pack(&code, file_index, line));
            }
            if let Some(p) = problem {
                if !send(error(line, p)) {
                    return;
                }
                failed = true;
                continue;
            }
            if failed {
                continue; // nothing will be written: only the checks go on
            }
            chunk.push(DivisionRow {
                code,
                level: src.level,
                name: name.to_string(),
                file: file.clone(),
                line,
            });
            if chunk.len() == BATCH && !send(Msg::Rows(std::mem::take(&mut chunk))) {
                return;
            }
        }
        if !chunk.is_empty() && !failed && !send(Msg::Rows(chunk)) {
            return;
        }
    }
    for (code, first, again) in repeats(seen) {
        let name = |f: usize| names.get(f).cloned().unwrap_or_default();
        let e = RowError {
            file: name(again.0),
            line: again.1,
            message: format!(
                "code {code} appears twice (also {} line {})",
                name(first.0),
                first.1
            ),
        };
        if !send(Msg::Error(e)) {
            return;
        }
    }
}

/// Lines past this are reported as this (a division file has 620,574 lines at most).
const LINE_BITS: u32 = 21;

/// A code (12 digits: 40 bits) with its file (3 bits) and line (21 bits) in one word, ordered
/// by code, then by where.
fn pack(code: &DivisionCode, file: usize, line: u64) -> u64 {
    let n: u64 = code.as_str().parse().unwrap_or(0);
    let line = line.min((1 << LINE_BITS) - 1);
    (n << 24) | ((file as u64 & 7) << LINE_BITS) | line
}

/// Where a row was read: the file's index and the line.
type At = (usize, u64);

/// Codes read more than once: the code, where it was first, where again.
fn repeats(mut seen: Vec<u64>) -> Vec<(String, At, At)> {
    seen.sort_unstable();
    let at = |p: u64| (((p >> LINE_BITS) & 7) as usize, p & ((1 << LINE_BITS) - 1));
    let mut out = vec![];
    for w in seen.windows(2) {
        if w[0] >> 24 == w[1] >> 24 {
            // the first of a run is the original (`windows` pairs each repeat with the one
            // before it: find the run's start)
            let start = seen.partition_point(|p| p >> 24 < w[0] >> 24);
            out.push((format!("{:012}", w[1] >> 24), at(seen[start]), at(w[1])));
        }
    }
    out.sort_by_key(|(_, _, again)| *again);
    out
}

/// Parse and check every row of every source into memory (the demo's few hundred rows; the
/// command streams instead, see [`import_path`]).
pub fn read_sources(
    sources: Vec<Source>,
    area: Option<DivisionCode>,
    progress: &ProgressBar,
) -> Result<Vec<DivisionRow>, ImportError> {
    let order: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let mut rows = vec![];
    let mut errors = Errors::default();
    let mut fatal = None;
    read_into(sources, area, Encoding::Utf8, progress, |m| {
        match m {
            Msg::Rows(r) => rows.extend(r),
            Msg::Error(e) => errors.push(e),
            Msg::Fatal(f) => fatal = Some(f),
        }
        true
    });
    if let Some(f) = fatal {
        return Err(ImportError::Io(f));
    }
    if errors.total > 0 {
        return Err(errors.into_error(&order));
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

/// Rows per INSERT: 3 values each stays well under SQLite's 32,766 and PostgreSQL's 65,535
/// bound parameters.
const BATCH: usize = 1000;

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
async fn write(
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
struct Existing {
    code: String,
    name: String,
}

async fn write_chunk(
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
