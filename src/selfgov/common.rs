//! What every part of self-government shares: the checks of a form's text and numbers, and
//! whether the user may write a community's records.

use crate::platform::auth::CurrentUser;
use crate::platform::db::Db;
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::types::DivisionCode;
use crate::selfgov::store::{check_writer, live_community};

pub(crate) fn text(field: &str, v: &str, max: usize, errs: &mut Vec<FieldError>) -> String {
    let t = v.trim().to_string();
    if t.is_empty() || t.chars().count() > max {
        errs.push(FieldError::new(field, "selfgov.text_required").with(max));
    }
    t
}

pub(crate) fn opt_id(field: &str, v: &str, errs: &mut Vec<FieldError>) -> Option<i64> {
    match v.trim() {
        "" => None,
        s => s.parse::<i64>().ok().or_else(|| {
            errs.push(FieldError::new(field, "selfgov.bad_choice"));
            None
        }),
    }
}

pub(crate) fn count(field: &str, v: &str, errs: &mut Vec<FieldError>) -> u32 {
    match v.trim().parse::<u32>() {
        Ok(n) if n <= 100_000 => n,
        _ => {
            errs.push(FieldError::new(field, "selfgov.bad_count"));
            0
        }
    }
}

pub(crate) fn invalid_if(errs: Vec<FieldError>) -> Result<()> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errs))
    }
}

/// The community a record may be written under: a live community, or the district itself
/// for joint meetings (the admin's).
pub(crate) async fn writable_code(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
) -> Result<String> {
    if code == district.as_str() {
        if !u.is_admin() {
            return Err(AppError::Forbidden);
        }
        return Ok(code.to_string());
    }
    check_writer(u, code)?;
    Ok(live_community(db, district, code).await?.0)
}
