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

mod read;
mod write;

pub use read::*;
pub use write::*;

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
