//! Spreadsheets out: typed cells written as XLSX (numbers and dates stay numbers and dates,
//! money and area formatted, header frozen, filters on) or as CSV (UTF-8 with a BOM, so Excel
//! opens the Chinese text correctly). Every export builds a header and rows of [`Cell`]s once
//! and picks a format.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook};

use crate::platform::error::{AppError, Result};
use crate::platform::types::{Area, Fen};

/// A typed cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// fen, shown in yuan
    Money(i64),
    /// dm², shown in m²
    Area(i64),
    /// tenths (points), shown with one decimal
    Tenths(i64),
    Date(NaiveDate),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }
    pub fn plain(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(f) => Fen(*f).yuan_string().replace(',', ""),
            Cell::Area(a) => Area(*a).m2_string().replace(',', ""),
            Cell::Tenths(t) => tenths_text(*t),
            Cell::Date(d) => d.to_string(),
        }
    }
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

/// One sheet: a bold header row, typed cells, `frozen_cols` columns frozen beside the header.
pub fn xlsx(
    name: &str,
    header: &[String],
    rows: &[Vec<Cell>],
    widths: &[f64],
    frozen_cols: u16,
) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xlsx_err)?;
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xF3F3F5))
        .set_border_bottom(FormatBorder::Medium);
    let money = Format::new().set_num_format("#,##0.00");
    let area = Format::new().set_num_format("#,##0.##");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let tenths = Format::new().set_num_format("0.#");
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)
            .map_err(xlsx_err)?;
        ws.set_column_width(c as u16, widths.get(c).copied().unwrap_or(12.0))
            .map_err(xlsx_err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => continue,
                Cell::Text(s) => ws.write_string(r, c, s),
                Cell::Int(n) => ws.write_number(r, c, *n as f64),
                Cell::Money(f) => ws.write_number_with_format(r, c, *f as f64 / 100.0, &money),
                Cell::Area(a) => ws.write_number_with_format(r, c, *a as f64 / 100.0, &area),
                Cell::Tenths(t) => ws.write_number_with_format(r, c, *t as f64 / 10.0, &tenths),
                Cell::Date(d) => {
                    let dt =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .map_err(xlsx_err)?;
                    ws.write_datetime_with_format(r, c, &dt, &date)
                }
            }
            .map_err(xlsx_err)?;
        }
    }
    ws.set_freeze_panes(1, frozen_cols).map_err(xlsx_err)?;
    if !header.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1)
            .map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// The same as CSV, UTF-8 with a BOM.
pub fn csv(header: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let err = |e: ::csv::Error| AppError::Internal(e.into());
    w.write_record(header).map_err(err)?;
    for row in rows {
        w.write_record(row.iter().map(Cell::plain)).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
}

/// A download: the body with its type, saved under an (ASCII) file name.
fn download(body: Vec<u8>, content_type: &str, filename: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// An XLSX download response.
pub fn xlsx_response(body: Vec<u8>, filename: &str) -> axum::response::Response {
    download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename,
    )
}

/// A CSV download response (the body carries its BOM).
pub fn csv_response(body: Vec<u8>, filename: &str) -> axum::response::Response {
    download(body, "text/csv; charset=utf-8", filename)
}

/// `85` tenths → `8.5`; whole points without a decimal.
pub fn tenths_text(x10: i64) -> String {
    if x10 % 10 == 0 {
        (x10 / 10).to_string()
    } else {
        format!("{}.{}", x10 / 10, (x10 % 10).abs())
    }
}
