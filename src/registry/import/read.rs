//! Reading the rows of a village's file: an Excel workbook (.xlsx, its first sheet, cell by
//! cell without loading the sheet whole) or a CSV file in UTF-8 (with or without a byte-order
//! mark) or GB18030 (what Excel on Chinese Windows saves), separated by commas or tabs.
//! Every cell is handed on as the text a form would have sent: dates as `2026-11-25`, whole
//! numbers without a decimal point.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Not an Excel workbook nor text in a known encoding: the message key.
    Unreadable(&'static str),
    /// More rows than an import takes.
    TooManyRows(usize),
}

/// The most rows one import takes (a district's whole registry fits several times).
pub const MAX_ROWS: usize = 2_000_000;

/// What the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

pub fn format_of(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        Format::Xlsx
    } else {
        Format::Csv
    }
}

/// Call `each` with every non-empty row: its number as the spreadsheet counts (the header is
/// row 1) and its cells. `each` returns false to stop.
pub fn scan(bytes: &[u8], mut each: impl FnMut(usize, &[String]) -> bool) -> Result<(), FileError> {
    match format_of(bytes) {
        Format::Xlsx => scan_xlsx(bytes, &mut each),
        Format::Csv => scan_csv(bytes, &mut each),
    }
}

/// The text of a CSV file: UTF-8 (a byte-order mark dropped) if it is valid UTF-8, else
/// GB18030 if it decodes without error.
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(std::borrow::Cow::Borrowed(s));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(FileError::Unreadable("registry.import.encoding"));
    }
    Ok(text)
}

fn scan_csv(bytes: &[u8], each: &mut dyn FnMut(usize, &[String]) -> bool) -> Result<(), FileError> {
    if bytes.contains(&0) {
        return Err(FileError::Unreadable("registry.import.not_a_table"));
    }
    let text = decode(bytes)?;
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut row = 0usize;
    let bytes_of = text.as_bytes();
    let (mut lines, mut counted) = (0usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(_) => return Err(FileError::Unreadable("registry.import.not_a_table")),
        }
        // the row number as a spreadsheet shows it: the lines before the record's start,
        // blank ones too (a quoted cell may span lines)
        if let Some(p) = record.position() {
            // the position is where reading began, before the blank lines it skipped
            let mut at = (p.byte() as usize).min(bytes_of.len());
            while at < bytes_of.len() && matches!(bytes_of[at], b'\n' | b'\r') {
                at += 1;
            }
            lines += bytes_of[counted..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted = at;
            row = lines + 1;
        } else {
            row += 1;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row > MAX_ROWS + 1 {
            return Err(FileError::TooManyRows(MAX_ROWS));
        }
        cells.clear();
        cells.extend(record.iter().map(|c| c.trim().to_string()));
        if !each(row, &cells) {
            return Ok(());
        }
    }
}

fn scan_xlsx(
    bytes: &[u8],
    each: &mut dyn FnMut(usize, &[String]) -> bool,
) -> Result<(), FileError> {
    let unreadable = || FileError::Unreadable("registry.import.not_a_table");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let sheet = book.sheet_names().first().cloned().ok_or_else(unreadable)?;
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|_| unreadable())?;
    let mut current: Option<u32> = None;
    let mut row: Vec<String> = Vec::new();
    let mut flush = |r: u32, row: &mut Vec<String>| -> Result<bool, FileError> {
        let go = if row.iter().all(|c| c.is_empty()) {
            true
        } else if r as usize + 1 > MAX_ROWS + 1 {
            return Err(FileError::TooManyRows(MAX_ROWS));
        } else {
            each(r as usize + 1, row)
        };
        row.clear();
        Ok(go)
    };
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current
                && !flush(prev, &mut row)?
            {
                return Ok(());
            }
            current = Some(r);
        }
        let c = c as usize;
        if c > 200 {
            continue;
        }
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = cell_text(cell.get_value());
    }
    if let Some(prev) = current {
        flush(prev, &mut row)?;
    }
    Ok(())
}

/// A cell as the text a form would have sent. A number of 15 digits or more (an ID number
/// typed as a number, which Excel rounds) keeps what is left of it, for the check to refuse.
fn cell_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            s.trim().to_string()
        }
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e18 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(x) => {
            let (y, m, d, ..) = x.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .map(|d| d.to_string())
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> Vec<(usize, Vec<String>)> {
        let mut out = vec![];
        scan(bytes, |n, r| {
            out.push((n, r.to_vec()));
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn csv_in_utf8_gb18030_and_tabs() {
        let text = "户号,姓名\n\n001,\"张三\"\n002,李四\n";
        let utf8 = rows(text.as_bytes());
        assert_eq!(utf8.len(), 3);
        assert_eq!(utf8[1], (3, vec!["001".to_string(), "张三".to_string()]));
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        assert_eq!(rows(&gbk), utf8);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(text.replace(',', "\t").as_bytes());
        assert_eq!(rows(&bom), utf8);
        assert_eq!(
            scan(b"\xff\xfe\x00a", |_, _| true),
            Err(FileError::Unreadable("registry.import.not_a_table"))
        );
    }
}
