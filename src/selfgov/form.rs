//! Form fields built in Rust and drawn by one partial (`selfgov/_fields.html`): a label from
//! `selfgov.field.*`, the value sent (or a default), and the field's error after a mistake.

use crate::platform::http::form::FormState;
use crate::platform::i18n::Tr;

pub struct F {
    pub id: String,
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub error: String,
    /// text, date, time, number, textarea, select, check
    pub kind: &'static str,
    pub options: Vec<(String, String)>,
    pub required: bool,
}

impl F {
    pub fn selected(&self, v: &str) -> bool {
        self.value == v
    }
    pub fn checked(&self) -> bool {
        !self.value.is_empty() && self.value != "0"
    }
}

pub struct Fields<'a> {
    form: &'a FormState,
    name: &'static str,
    tr: Tr,
    pub out: Vec<F>,
}

impl<'a> Fields<'a> {
    pub fn new(form: &'a FormState, name: &'static str, tr: Tr) -> Fields<'a> {
        Fields {
            form,
            name,
            tr,
            out: vec![],
        }
    }

    fn push(mut self, field: &'static str, kind: &'static str, default: &str) -> Self {
        let sent = self.form.form == self.name;
        let value = if sent {
            self.form.value(self.name, field)
        } else {
            default.to_string()
        };
        self.out.push(F {
            id: format!("{}-{field}", self.name),
            name: field,
            label: self.tr.t(&format!("selfgov.field.{field}")).to_string(),
            value,
            error: self.form.error(self.name, field),
            kind,
            options: vec![],
            required: false,
        });
        self
    }

    pub fn text(self, f: &'static str, default: &str) -> Self {
        self.push(f, "text", default)
    }
    pub fn date(self, f: &'static str, default: &str) -> Self {
        self.push(f, "date", default)
    }
    pub fn time(self, f: &'static str, default: &str) -> Self {
        self.push(f, "time", default)
    }
    pub fn number(self, f: &'static str, default: &str) -> Self {
        self.push(f, "number", default)
    }
    pub fn textarea(self, f: &'static str, default: &str) -> Self {
        self.push(f, "textarea", default)
    }
    pub fn check(self, f: &'static str, default: bool) -> Self {
        self.push(f, "check", if default { "on" } else { "" })
    }
    /// A select of keys labelled from a locale group (`group.key`), or of given labels.
    pub fn select(
        mut self,
        f: &'static str,
        default: &str,
        options: Vec<(String, String)>,
    ) -> Self {
        self = self.push(f, "select", default);
        if let Some(last) = self.out.last_mut() {
            last.options = options;
        }
        self
    }
    pub fn keys(self, f: &'static str, default: &str, group: &str, keys: &[&str]) -> Self {
        let opts = keys
            .iter()
            .map(|k| {
                (
                    k.to_string(),
                    self.tr.t(&format!("{group}.{k}")).to_string(),
                )
            })
            .collect();
        self.select(f, default, opts)
    }
    /// Mark the last field required (shown with the label).
    pub fn req(mut self) -> Self {
        if let Some(last) = self.out.last_mut() {
            last.required = true;
        }
        self
    }
    pub fn done(self) -> Vec<F> {
        self.out
    }
}
