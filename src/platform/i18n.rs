//! Every user-facing string lives in `locales/*.toml`. Simplified Chinese is the default; a
//! `lang` cookie (set by `/lang/{code}`) or `?lang=` switches to English.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" | "zh_cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn short(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

pub const ZH_SOURCE: &str = include_str!("../../locales/zh-CN.toml");
pub const EN_SOURCE: &str = include_str!("../../locales/en.toml");

/// Flatten `[section] key = "v"` into `section.key`.
pub fn flatten(src: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = src.parse().map_err(|e| format!("{e}"))?;
    let mut out = HashMap::new();
    fn walk(
        prefix: &str,
        t: &toml::Table,
        out: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                toml::Value::Table(t) => walk(&key, t, out)?,
                other => return Err(format!("{key}: expected a string, found {other}")),
            }
        }
        Ok(())
    }
    walk("", &table, &mut out)?;
    Ok(out)
}

fn catalog(lang: Lang) -> &'static HashMap<String, String> {
    static ZH: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    // The locale files are compiled in and checked by tests; a broken one is a build defect.
    match lang {
        Lang::Zh => ZH.get_or_init(|| flatten(ZH_SOURCE).expect("locales/zh-CN.toml is valid")),
        Lang::En => EN.get_or_init(|| flatten(EN_SOURCE).expect("locales/en.toml is valid")),
    }
}

/// A translator for one language, handed to every template.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The string for `key`; the key itself if missing (a test keeps both files complete).
    pub fn t<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        catalog(self.lang)
            .get(key)
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// The string for `key` with `{0}`, `{1}` … replaced.
    pub fn f(&self, key: &str, args: &[&dyn std::fmt::Display]) -> String {
        let mut s = catalog(self.lang)
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string());
        for (i, a) in args.iter().enumerate() {
            s = s.replace(&format!("{{{i}}}"), &a.to_string());
        }
        s
    }

    pub fn f1(&self, key: &str, a: impl std::fmt::Display) -> String {
        self.f(key, &[&a])
    }

    /// Translate a field error.
    pub fn field_error(&self, e: &crate::platform::error::FieldError) -> String {
        let args: Vec<&dyn std::fmt::Display> =
            e.args.iter().map(|a| a as &dyn std::fmt::Display).collect();
        self.f(&format!("errors.{}", e.key), &args)
    }

    pub fn has(&self, key: &str) -> bool {
        catalog(self.lang).contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_the_same_keys() {
        let zh = flatten(ZH_SOURCE).unwrap();
        let en = flatten(EN_SOURCE).unwrap();
        let mut missing: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        missing.extend(en.keys().filter(|k| !zh.contains_key(*k)));
        missing.sort();
        assert!(
            missing.is_empty(),
            "keys missing in one locale: {missing:?}"
        );
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        // Scan sources for t("…") / f("…") / t.t("…") uses with a literal key.
        let zh = flatten(ZH_SOURCE).unwrap();
        let mut missing = vec![];
        let root = env!("CARGO_MANIFEST_DIR");
        let mut files = vec![];
        for dir in ["src", "templates"] {
            collect(&std::path::Path::new(root).join(dir), &mut files);
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for pat in ["t(\"", "f(\"", "f1(\""] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        let looks_like_key = key.contains('.')
                            && key
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
                        if looks_like_key && !zh.contains_key(key) {
                            missing.push(format!("{}: {key}", f.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "undefined locale keys: {missing:#?}");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                out.push(p);
            }
        }
    }

    #[test]
    fn formatting_substitutes_args() {
        let t = Tr::new(Lang::En);
        assert_eq!(t.f("missing.key {0}", &[&5]), "missing.key 5");
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
