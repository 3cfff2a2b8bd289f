//! What every part of self-government shares: whether the user may write a community's
//! records (a form's text and numbers are read by `platform::http::form::Parse`).

use crate::platform::auth::CurrentUser;
use crate::platform::db::Db;
use crate::platform::error::{AppError, Result};
use crate::platform::types::DivisionCode;
use crate::selfgov::store::{check_writer, live_community};

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
