//! Reading division files: the files of a folder or archive, their encodings, one line at a time (bounded), rows checked and repeats found without holding the file.

use super::*;

/// The national files' names and levels, in the order they must be read.
pub(super) const FILES: &[(&str, Level)] = &[
    ("provinces", Level::Province),
    ("cities", Level::City),
    ("areas", Level::Area),
    ("streets", Level::Town),
    ("villages", Level::Community),
];

/// A file, decompressed when it is gzip — told by its first bytes, not by its name (a plain
/// CSV named `.csv.gz` reads as plain).
pub(super) fn open(path: &Path) -> Result<Box<dyn Read + Send>, ImportError> {
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
pub(super) fn level_of(path: &Path) -> Option<Level> {
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
pub(super) fn parent_column(level: Level) -> Option<&'static str> {
    match level {
        Level::Province => None,
        Level::City => Some("provinceCode"),
        Level::Area => Some("cityCode"),
        Level::Town => Some("areaCode"),
        Level::Community => Some("streetCode"),
    }
}

/// A value as an error message may quote it: at most 40 characters.
pub(super) fn clip(s: &str) -> String {
    let n = s.chars().count();
    if n <= 40 {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(40).collect();
        format!("{head:?}… ({n} characters)")
    }
}

/// What the reader hands the writer.
pub(super) enum Msg {
    /// Rows that passed the checks a file alone allows (parents are checked against the
    /// database by the writer).
    Rows(Vec<DivisionRow>),
    Error(RowError),
    /// A problem with a whole file (its encoding, a line of megabytes): the import stops.
    Fatal(String),
}

/// Errors as reported: the first [`MAX_REPORTED_ERRORS`] and how many there were.
#[derive(Default)]
pub(super) struct Errors {
    pub(super) listed: Vec<RowError>,
    pub(super) total: u64,
}

impl Errors {
    pub(super) fn push(&mut self, e: RowError) {
        self.total += 1;
        if self.listed.len() < MAX_REPORTED_ERRORS {
            self.listed.push(e);
        }
    }
    pub(super) fn into_error(mut self, order: &[String]) -> ImportError {
        let at = |f: &str| order.iter().position(|o| o == f).unwrap_or(usize::MAX);
        self.listed.sort_by_key(|e| (at(&e.file), e.line));
        ImportError::Rows {
            errors: self.listed,
            total: self.total,
        }
    }
}

/// A reader that refuses a line longer than [`MAX_LINE_BYTES`].
pub(super) struct LineGuard<R> {
    pub(super) inner: R,
    pub(super) since_newline: usize,
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
pub(super) fn text(bytes: &[u8], encoding: Encoding) -> Result<std::borrow::Cow<'_, str>, String> {
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
pub(super) fn read_into(
    sources: Vec<Source>,
    area: Option<DivisionCode>,
    encoding: Encoding,
    progress: &ProgressBar,
    mut send: impl FnMut(Msg) -> bool,
) {
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let mut reading = Reading {
        area,
        encoding,
        seen: vec![],
        failed: false,
    };
    for (file_index, src) in sources.into_iter().enumerate() {
        progress.set_message(src.name.clone());
        if reading
            .source(file_index, src, progress, &mut send)
            .is_break()
        {
            return;
        }
    }
    for (code, first, again) in repeats(reading.seen) {
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

/// What reading carries from file to file.
struct Reading {
    area: Option<DivisionCode>,
    encoding: Encoding,
    /// every code read with where: 8 bytes a row (5 MB for the whole country), checked for
    /// repeats once all is read (see `repeats`)
    seen: Vec<u64>,
    /// a row was refused: nothing will be written, only the checks go on
    failed: bool,
}

/// One data row, checked.
enum Row {
    /// Left out on purpose (outside the area, or its parent's row stands for it).
    Skip,
    /// Refused: the message for its line.
    Bad(String),
    /// The file cannot be read on (not in the encoding given): the message.
    Fatal(String),
    Good(DivisionCode, String),
}

type Flow = std::ops::ControlFlow<()>;

impl Reading {
    /// Read one source; `Break` when reading must stop (the writer is gone, or a fatal error).
    fn source(
        &mut self,
        file_index: usize,
        src: Source,
        progress: &ProgressBar,
        send: &mut impl FnMut(Msg) -> bool,
    ) -> Flow {
        let file: std::sync::Arc<str> = src.name.as_str().into();
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
                return self.refuse(send, &src.name, 1, format!("cannot read the header: {e}"));
            }
        };
        let cols = match columns(&headers, src.level) {
            Ok(c) => c,
            Err(m) => return self.refuse(send, &src.name, 1, m),
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
                    self.refuse(send, &src.name, line, format!("unreadable row: {e}"))?;
                    if io {
                        break;
                    }
                    continue;
                }
            }
            line = record.position().map(|p| p.line()).unwrap_or(line + 1);
            progress.inc(1);
            let (code, name) = match self.row(&record, cols, src.level) {
                Row::Skip => continue,
                Row::Bad(m) => {
                    self.refuse(send, &src.name, line, m)?;
                    continue;
                }
                Row::Fatal(m) => {
                    send(Msg::Fatal(format!("{} line {line}: {m}", src.name)));
                    return Flow::Break(());
                }
                Row::Good(code, name) => (code, name),
            };
            self.seen.push(pack(&code, file_index, line));
            if self.failed {
                continue;
            }
            chunk.push(DivisionRow {
                code,
                level: src.level,
                name,
                file: file.clone(),
                line,
            });
            if chunk.len() == BATCH && !send(Msg::Rows(std::mem::take(&mut chunk))) {
                return Flow::Break(());
            }
        }
        if !chunk.is_empty() && !self.failed && !send(Msg::Rows(chunk)) {
            return Flow::Break(());
        }
        Flow::Continue(())
    }

    /// Report a refused row; from then on nothing is written.
    fn refuse(
        &mut self,
        send: &mut impl FnMut(Msg) -> bool,
        file: &str,
        line: u64,
        message: String,
    ) -> Flow {
        self.failed = true;
        let e = RowError {
            file: file.to_string(),
            line,
            message,
        };
        if send(Msg::Error(e)) {
            Flow::Continue(())
        } else {
            Flow::Break(())
        }
    }

    /// Check one row: its code at the file's level, its name, and its parent's code.
    fn row(
        &self,
        record: &csv::ByteRecord,
        (code_i, name_i, parent_i): (usize, usize, Option<usize>),
        level: Level,
    ) -> Row {
        let field = |i: usize| text(record.get(i).unwrap_or(b""), self.encoding);
        let (raw_code, name) = match (field(code_i), field(name_i)) {
            (Ok(c), Ok(n)) => (c, n),
            (Err(m), _) | (_, Err(m)) => return Row::Fatal(m),
        };
        let raw_code = raw_code.trim();
        // A division listed again one level down with a zero part (东莞 441900 as its own
        // area, 金门 350527000 as its own town): in 12 digits it is its parent's code, so
        // the parent's row stands for both.
        if repeats_parent(raw_code, level) {
            return Row::Skip;
        }
        let code = match DivisionCode::parse_level(raw_code, level) {
            Ok(c) => c,
            Err(e) => return Row::Bad(format!("code {}: {e}", clip(raw_code))),
        };
        if self.area.as_ref().is_some_and(|a| !in_area(a, &code)) {
            return Row::Skip;
        }
        let name = name.trim();
        if let Some(p) = name_problem(&code, name) {
            return Row::Bad(p);
        }
        if let (Some(pi), Some(p)) = (parent_i, code.parent()) {
            let given = match field(pi) {
                Ok(g) => g,
                Err(m) => return Row::Fatal(m),
            };
            if let Some(problem) = parent_problem(&code, given.trim(), &p) {
                return Row::Bad(problem);
            }
        }
        Row::Good(code, name.to_string())
    }
}

/// The columns of a file's header: code, name and (below provinces) the parent's, or what is
/// missing.
fn columns(
    headers: &csv::ByteRecord,
    level: Level,
) -> Result<(usize, usize, Option<usize>), String> {
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
        return Err(format!(
            "missing column(s): the header must have code and name, found {}",
            found.join(", ")
        ));
    };
    let parent_i = match parent_column(level) {
        Some(pc) => Some(col(pc).ok_or_else(|| format!("missing column {pc}"))?),
        None => None,
    };
    Ok((code_i, name_i, parent_i))
}

/// Whether a division lies in the area asked for (`--area`); provinces and cities above it
/// are kept too.
fn in_area(a: &DivisionCode, code: &DivisionCode) -> bool {
    match code.level() {
        Level::Province => a.as_str()[..2] == code.as_str()[..2],
        Level::City => a.as_str()[..4] == code.as_str()[..4],
        _ => code.area().as_ref() == Some(a),
    }
}

/// What is wrong with a division's name: empty, or longer than 100 characters.
fn name_problem(code: &DivisionCode, name: &str) -> Option<String> {
    if name.is_empty() {
        Some(format!("code {code}: the name is empty"))
    } else if name.chars().count() > 100 {
        Some(format!(
            "code {code}: the name {} is longer than 100 characters",
            clip(name)
        ))
    } else {
        None
    }
}

/// Whether the parent column agrees with the code. Compared as 12 digits: cities without
/// counties (东莞 4419, 中山 4420 …) list their streets under "441900", the city itself.
fn parent_problem(code: &DivisionCode, given: &str, p: &DivisionCode) -> Option<String> {
    let padded = format!("{given:0<12}");
    if given.bytes().all(|b| b.is_ascii_digit()) && given.len() <= 12 && padded == p.as_str() {
        None
    } else {
        Some(format!(
            "code {code}: parent column says {}, but the code lies under {}",
            clip(given),
            &p.as_str()[..p.level().digits()]
        ))
    }
}

/// Lines past this are reported as this (a division file has 620,574 lines at most).
pub(super) const LINE_BITS: u32 = 21;

/// A code (12 digits: 40 bits) with its file (3 bits) and line (21 bits) in one word, ordered
/// by code, then by where.
pub(super) fn pack(code: &DivisionCode, file: usize, line: u64) -> u64 {
    let n: u64 = code.as_str().parse().unwrap_or(0);
    let line = line.min((1 << LINE_BITS) - 1);
    (n << 24) | ((file as u64 & 7) << LINE_BITS) | line
}

/// Where a row was read: the file's index and the line.
pub(super) type At = (usize, u64);

/// Codes read more than once: the code, where it was first, where again.
pub(super) fn repeats(mut seen: Vec<u64>) -> Vec<(String, At, At)> {
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
pub(super) fn repeats_parent(raw: &str, level: Level) -> bool {
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
pub(super) fn strip_bom(r: Box<dyn Read + Send>) -> impl Read {
    let mut br = BufReader::with_capacity(1 << 20, r);
    if let Ok(buf) = br.fill_buf()
        && buf.starts_with(&[0xEF, 0xBB, 0xBF])
    {
        br.consume(3);
    }
    br
}
