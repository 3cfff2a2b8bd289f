//! Personal data in the type. A name, ID number, phone or address read from the database is a
//! [`Personal`] value, which shows itself — in templates (`Display`), JSON (`Serialize`) and
//! exports alike — **masked**, unless the store that read it revealed it to a caller allowed to
//! see it in full (`reveal`). Forgetting to reveal shows too little; nothing can forget to
//! mask. The value itself is read only through [`Personal::expose`], for the store's own work
//! (matching, notifying the applicant, erasure), which a review can find by name.

use std::fmt;
use std::marker::PhantomData;

use sea_orm::{ColIdx, QueryResult, TryGetError, TryGetable};

use crate::platform::types::{IdNumber, Phone, mask_name};

/// How one kind of personal value is masked.
pub trait Mask: Send + Sync + 'static {
    fn mask(value: &str) -> String;
}

/// A kind of personal value: a unit type with its mask. In an OpenAPI schema a personal field
/// is a string: `#[schema(value_type = String)]`.
#[macro_export]
macro_rules! personal_kind {
    ($(#[$m:meta])* $vis:vis $name:ident, |$v:ident| $mask:expr) => {
        $(#[$m])*
        $vis struct $name;
        impl $crate::platform::personal::Mask for $name {
            fn mask($v: &str) -> String {
                $mask
            }
        }
    };
}

personal_kind!(
    /// A person's name: `张*三`, `李*`.
    pub Name,
    |v| mask_name(v)
);

personal_kind!(
    /// A mobile phone: `139****5678`.
    pub Mobile,
    |v| match Phone::parse(v) {
        Ok(p) => p.masked(),
        Err(_) if v.is_empty() => String::new(),
        Err(_) => "****".into(),
    }
);

personal_kind!(
    /// An ID number (GB 11643): `3202**********1234`.
    pub IdCard,
    |v| match IdNumber::parse(v) {
        Ok(id) => id.masked(),
        Err(_) if v.is_empty() => String::new(),
        Err(_) => "******".into(),
    }
);

personal_kind!(
    /// An address: `***` (nothing of it is shown).
    pub Address,
    |v| if v.is_empty() {
        String::new()
    } else {
        "***".into()
    }
);

personal_kind!(
    /// A birth date: its year only (`1949`).
    pub BirthDate,
    |v| v.get(..4).unwrap_or_default().to_string()
);

personal_kind!(
    /// A sensitive detail (a disability's category and grade): nothing of it is shown.
    pub Hidden,
    |_v| String::new()
);

/// A personal value of kind `K`, masked unless revealed.
pub struct Personal<K: Mask> {
    value: String,
    shown: bool,
    _kind: PhantomData<fn() -> K>,
}

impl<K: Mask> Personal<K> {
    /// A value, masked until revealed.
    pub fn new(value: impl Into<String>) -> Self {
        Personal {
            value: value.into(),
            shown: false,
            _kind: PhantomData,
        }
    }
    /// Shown in full when `full` (the caller may see it), masked otherwise.
    pub fn reveal(mut self, full: bool) -> Self {
        self.shown = full;
        self
    }
    /// What a caller sees: the value when revealed, else its mask.
    pub fn shown(&self) -> String {
        if self.shown {
            self.value.clone()
        } else {
            K::mask(&self.value)
        }
    }
    /// The value itself, for the store's own work. Never for showing.
    pub fn expose(&self) -> &str {
        &self.value
    }
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

impl<K: Mask> Clone for Personal<K> {
    fn clone(&self) -> Self {
        Personal {
            value: self.value.clone(),
            shown: self.shown,
            _kind: PhantomData,
        }
    }
}

impl<K: Mask> Default for Personal<K> {
    fn default() -> Self {
        Personal::new(String::new())
    }
}

impl<K: Mask> PartialEq for Personal<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<K: Mask> fmt::Display for Personal<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl<K: Mask> fmt::Debug for Personal<K> {
    // logs never see the value
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Personal({})", K::mask(&self.value))
    }
}

impl<K: Mask> serde::Serialize for Personal<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.shown())
    }
}

impl<K: Mask> TryGetable for Personal<K> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        String::try_get_by(res, index).map(Personal::new)
    }
}

/// `Option<Personal<K>>` revealed or not, in one call.
pub fn reveal_opt<K: Mask>(p: Option<Personal<K>>, full: bool) -> Option<Personal<K>> {
    p.map(|p| p.reveal(full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_unless_revealed() {
        let n: Personal<Name> = Personal::new("欧阳建国");
        assert_eq!(n.to_string(), "欧**国");
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"欧**国\"");
        assert_eq!(format!("{n:?}"), "Personal(欧**国)");
        let n = n.reveal(true);
        assert_eq!(n.to_string(), "欧阳建国");
        let p: Personal<Mobile> = Personal::new("13912345678");
        assert_eq!(p.to_string(), "139****5678");
        let id: Personal<IdCard> = Personal::new("11010519491231002X");
        assert_eq!(id.to_string(), "1101**********002X");
        let a: Personal<Address> = Personal::new("3 组 12 号");
        assert_eq!(a.to_string(), "***");
        assert_eq!(Personal::<Address>::new("").to_string(), "");
        assert_eq!(a.expose(), "3 组 12 号");
    }
}
