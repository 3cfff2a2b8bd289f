//! Forms shown again after a mistake: the values sent and the field errors, reading what
//! people type (numbers with thousands separators, dates as they write them, money in yuan,
//! areas in m²) with an error per field, and the page answered 422 when it carries errors.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;

use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::response::{redirect, render};
use crate::platform::i18n::Tr;
use crate::platform::time::parse_date;
use crate::platform::types::{Area, Fen};

/// Values and errors of a form being shown again after a mistake.
#[derive(Default, Clone, Debug)]
pub struct FormState {
    pub form: &'static str,
    pub values: std::collections::HashMap<String, String>,
    pub errors: Vec<(String, String)>,
    /// Shown again after a save on a stale copy.
    pub stale: bool,
}

impl FormState {
    pub fn value(&self, form: &str, field: &str) -> String {
        if self.form == form {
            self.values.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    pub fn error(&self, form: &str, field: &str) -> String {
        if self.form != form {
            return String::new();
        }
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
    /// The revision an edit form carries (platform::revision): the record's own when the form
    /// is first shown; when shown again, the one it was sent with, or after a stale save the
    /// one saved since.
    pub fn revision(&self, form: &str, stored: impl std::borrow::Borrow<i64>) -> String {
        match self.values.get(crate::platform::revision::FIELD) {
            Some(v) if self.form == form && !v.trim().is_empty() => v.clone(),
            _ => stored.borrow().to_string(),
        }
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
    pub fn from_error(
        form: &'static str,
        tr: &Tr,
        errs: &[FieldError],
        values: Vec<(&str, String)>,
    ) -> FormState {
        let mut values: std::collections::HashMap<String, String> = values
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        // after a stale save the form carries the revision saved since: sent again, the
        // person's edit goes on top of it (see platform::revision)
        if let Some(current) = crate::platform::revision::current_of(errs) {
            values.insert(crate::platform::revision::FIELD.into(), current.into());
        }
        FormState {
            form,
            stale: errs.iter().any(crate::platform::revision::is_stale),
            values,
            errors: errs
                .iter()
                .map(|e| (e.field.clone(), tr.field_error(e)))
                .collect(),
        }
    }
}

impl FormState {
    /// 409 when the form is shown again after a stale save, 422 with other errors, else 200
    /// (as [`crate::platform::error::invalid_status`]).
    pub fn status(&self) -> StatusCode {
        if self.stale {
            StatusCode::CONFLICT
        } else if self.has_errors() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }
}

/// A field of a form read as a list of pairs (forms with numbered rows); empty if absent.
pub fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The numbered rows posted under a prefix (`n3_name` → 3 for prefix 'n'), in order.
pub fn rows_of(pairs: &[(String, String)], prefix: char) -> Vec<usize> {
    let mut rows: Vec<usize> = pairs
        .iter()
        .filter_map(|(k, _)| {
            k.strip_prefix(prefix)
                .and_then(|r| r.split_once('_'))
                .and_then(|(n, _)| n.parse().ok())
        })
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// The answer to a form's POST, the one way every form ends. `result` is the address to go
/// to once saved (the page then says what was done); on field errors `show` draws the page
/// again with form `form` as sent (`values`) and its errors in the user's language (see
/// [`FormState::from_error`]: 409 after a stale save, else 422); any other error goes to the
/// error page.
pub async fn redirect_or_show<Fut>(
    result: Result<String>,
    form: &'static str,
    tr: &Tr,
    values: Vec<(&str, String)>,
    show: impl FnOnce(FormState) -> Fut,
) -> Result<Response>
where
    Fut: std::future::Future<Output = Result<Response>>,
{
    let saved = |to: String| std::future::ready(Ok(redirect(&to)));
    saved_or_show(result, saved, form, tr, values, show).await
}

/// [`redirect_or_show`] for the few forms that answer a save with a page rather than a
/// redirect (the public forms, which have no session to carry a message across one):
/// `saved` draws it from what the save returned.
pub async fn saved_or_show<T, Saved, Shown>(
    result: Result<T>,
    saved: impl FnOnce(T) -> Saved,
    form: &'static str,
    tr: &Tr,
    values: Vec<(&str, String)>,
    show: impl FnOnce(FormState) -> Shown,
) -> Result<Response>
where
    Saved: std::future::Future<Output = Result<Response>>,
    Shown: std::future::Future<Output = Result<Response>>,
{
    match result {
        Ok(v) => saved(v).await,
        Err(AppError::Invalid(errs)) => show(FormState::from_error(form, tr, &errs, values)).await,
        Err(e) => Err(e),
    }
}

/// A form's values as sent, for showing it again: a repeated field's values joined by
/// commas, the CSRF token left out.
pub fn sent_values(pairs: &[(String, String)]) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = vec![];
    for (k, v) in pairs.iter().filter(|(k, _)| k != "_csrf") {
        match out.iter_mut().find(|(n, _)| *n == k.as_str()) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(v);
            }
            None => out.push((k.as_str(), v.clone())),
        }
    }
    out
}

/// A form read as pairs, as a struct through serde (the first of a repeated field; a field
/// that does not fit the struct leaves it at its default: the rules report what is missing).
pub fn from_pairs<T: serde::de::DeserializeOwned + Default>(pairs: &[(String, String)]) -> T {
    let mut seen = std::collections::HashSet::new();
    let single: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| seen.insert(k)).collect();
    serde_urlencoded::to_string(&single)
        .ok()
        .and_then(|s| serde_urlencoded::from_str(&s).ok())
        .unwrap_or_default()
}

/// The ids ticked under one name (a list of checkboxes); what does not read as an id is
/// left out.
pub fn ids_of(pairs: &[(String, String)], k: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(n, _)| n == k)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

/// Render a page that carries a form: 422 when it shows errors.
pub fn render_form<T: Template>(page: &T, form: &FormState) -> Result<Response> {
    let mut resp = render(page)?;
    *resp.status_mut() = form.status();
    Ok(resp)
}

/// Reads form fields, collecting a field error for each that does not parse. Optional
/// readers give `None` (or 0 for money) for an empty field; `required_*` report it.
#[derive(Default)]
pub struct Parse {
    pub errs: Vec<FieldError>,
}

impl Parse {
    fn error(&mut self, field: &str, key: &str) {
        self.errs.push(FieldError::new(field, key));
    }

    pub fn date(&mut self, field: &str, v: &str) -> Option<NaiveDate> {
        if v.trim().is_empty() {
            return None;
        }
        let d = parse_date(v);
        if d.is_none() {
            self.error(field, "common.date");
        }
        d
    }

    pub fn required_date(&mut self, field: &str, v: &str) -> NaiveDate {
        if v.trim().is_empty() {
            self.error(field, "common.required");
            return NaiveDate::default();
        }
        self.date(field, v).unwrap_or_default()
    }

    pub fn area(&mut self, field: &str, v: &str) -> Option<i64> {
        if v.trim().is_empty() {
            return None;
        }
        match Area::parse_m2(v) {
            Ok(a) => Some(a.0),
            Err(k) => {
                self.error(field, k);
                None
            }
        }
    }

    /// Yuan to fen; an empty field is 0.
    pub fn money(&mut self, field: &str, v: &str) -> i64 {
        if v.trim().is_empty() {
            return 0;
        }
        match Fen::parse_yuan(v) {
            Ok(f) => f.0,
            Err(k) => {
                self.error(field, k);
                0
            }
        }
    }

    pub fn required_money(&mut self, field: &str, v: &str) -> i64 {
        if v.trim().is_empty() {
            self.error(field, "common.required");
            return 0;
        }
        self.money(field, v)
    }

    /// A whole number; thousands separators are allowed.
    pub fn int(&mut self, field: &str, v: &str) -> Option<i64> {
        let t: String = v
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        if t.is_empty() {
            return None;
        }
        match t.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(field, "common.whole_number");
                None
            }
        }
    }

    pub fn required_int(&mut self, field: &str, v: &str) -> i64 {
        if v.trim().is_empty() {
            self.error(field, "common.required");
            return 0;
        }
        self.int(field, v).unwrap_or(0)
    }

    /// Text that must be given, at most `max` characters; trimmed.
    pub fn text(&mut self, field: &str, v: &str, max: usize) -> String {
        let t = v.trim().to_string();
        if t.is_empty() || t.chars().count() > max {
            self.errs
                .push(FieldError::new(field, "common.text_required").with(max));
        }
        t
    }

    /// An optional choice from a list, by id: `None` when left empty.
    pub fn choice(&mut self, field: &str, v: &str) -> Option<i64> {
        match v.trim() {
            "" => None,
            s => s.parse::<i64>().ok().or_else(|| {
                self.error(field, "common.bad_choice");
                None
            }),
        }
    }

    /// A whole number from `lo` to `hi`, required (thousands separators allowed).
    pub fn between(&mut self, field: &str, v: &str, lo: i64, hi: i64) -> i64 {
        if v.trim().is_empty() {
            self.error(field, "common.required");
            return lo;
        }
        match self.int(field, v) {
            Some(n) if (lo..=hi).contains(&n) => n,
            Some(_) => {
                self.errs
                    .push(FieldError::new(field, "common.between").with(lo).with(hi));
                lo
            }
            None => lo,
        }
    }

    /// A count of people or votes: a whole number from 0 to 100,000.
    pub fn count(&mut self, field: &str, v: &str) -> u32 {
        match v.trim().parse::<u32>() {
            Ok(n) if n <= 100_000 => n,
            _ => {
                self.error(field, "common.bad_count");
                0
            }
        }
    }

    /// Done reading: the errors collected, if any, as one [`AppError::Invalid`].
    pub fn finish(&mut self) -> Result<()> {
        if self.errs.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(std::mem::take(&mut self.errs)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_with_one_error_each() {
        let mut p = Parse::default();
        assert_eq!(p.required_int("a", "1,020"), 1020);
        assert_eq!(p.int("b", ""), None);
        assert_eq!(p.required_int("c", " "), 0);
        assert_eq!(p.int("d", "十"), None);
        assert_eq!(p.money("e", ""), 0);
        assert_eq!(p.required_money("f", "12.5"), 1250);
        assert_eq!(p.area("g", "1,523.5"), Some(152_350));
        assert_eq!(
            p.required_date("h", "2008/5/1"),
            NaiveDate::from_ymd_opt(2008, 5, 1).unwrap()
        );
        assert_eq!(p.date("i", "昨天"), None);
        let keys: Vec<(&str, &str)> = p
            .errs
            .iter()
            .map(|e| (e.field.as_str(), e.key.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("c", "common.required"),
                ("d", "common.whole_number"),
                ("i", "common.date")
            ]
        );
    }
}
