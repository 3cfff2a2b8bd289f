//! Pure rules of civil organisations (no IO): registered or filed, and the identity each
//! needs.

use serde::{Deserialize, Serialize};

/// How a civil organisation stands with the civil-affairs bureau.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// 登记: a legal person with a unified social credit code and a registration certificate.
    Registered,
    /// 备案: filed with the town or community; usually without a credit code.
    Filed,
}

/// Check an organisation's identity: a registered one needs a valid credit code and its
/// certificate number; a filed one may have a code, which must then be valid too.
pub fn check_org_identity(
    standing: Standing,
    credit_code: &str,
    certificate: &str,
) -> Result<Option<String>, (&'static str, &'static str)> {
    let code = match credit_code.trim() {
        "" => None,
        c => Some(
            crate::platform::types::CreditCode::parse(c)
                .map_err(|k| ("credit_code", k))?
                .as_str()
                .to_string(),
        ),
    };
    if standing == Standing::Registered {
        if code.is_none() {
            return Err(("credit_code", "selfgov.registered_needs_code"));
        }
        if certificate.trim().is_empty() {
            return Err(("certificate_no", "selfgov.registered_needs_certificate"));
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisations_need_a_valid_code_when_registered() {
        // 和谐义工 filed without a code; a registered association with one and a certificate
        assert_eq!(check_org_identity(Standing::Filed, "", ""), Ok(None));
        let first17 = "51320205MJ5705436";
        let check = crate::platform::types::CreditCode::check_char(first17).unwrap() as char;
        let code = &format!("{first17}{check}");
        let wrong = if check == '0' { '1' } else { '0' };
        let bad = format!("{first17}{wrong}");
        assert_eq!(
            check_org_identity(Standing::Registered, code, "苏锡民证字第 0012 号"),
            Ok(Some(code.clone()))
        );
        assert_eq!(
            check_org_identity(Standing::Registered, "", "x"),
            Err(("credit_code", "selfgov.registered_needs_code"))
        );
        assert_eq!(
            check_org_identity(Standing::Registered, code, " "),
            Err(("certificate_no", "selfgov.registered_needs_certificate"))
        );
        // a filed organisation given a code that fails its check
        assert_eq!(
            check_org_identity(Standing::Filed, &bad, ""),
            Err(("credit_code", "credit.check"))
        );
    }
}
