//! Pages read as HTML (scraper, html5ever's parser), for assertions where a page's structure
//! matters: which field an error stands beside, what a table's rows hold, what a heading or
//! a navigation says — rather than whether a string appears anywhere in the markup.

use scraper::{ElementRef, Html, Selector};

pub struct Page(Html);

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e}"))
}

/// An element's text, entities decoded and whitespace collapsed.
pub fn text_of(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Page {
    pub fn parse(body: &str) -> Page {
        Page(Html::parse_document(body))
    }

    /// The text of every element `css` selects, in document order.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.0.select(&selector(css)).map(text_of).collect()
    }

    /// The text of the first element `css` selects (the test fails if there is none).
    pub fn text(&self, css: &str) -> String {
        self.texts(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {css} on the page"))
    }

    /// An attribute of every element `css` selects.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.0
            .select(&selector(css))
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// The error shown beside the form field named `name` (in the `.field` that holds its
    /// input), if any.
    pub fn field_error(&self, name: &str) -> Option<String> {
        let input = selector(&format!(
            "input[name=\"{name}\"], select[name=\"{name}\"], textarea[name=\"{name}\"]"
        ));
        let error = selector(".field-error");
        self.0.select(&selector(".field")).find_map(|f| {
            f.select(&input).next()?;
            f.select(&error).next().map(text_of)
        })
    }

    /// Every field error on the page: (the field's input name, the message).
    pub fn field_errors(&self) -> Vec<(String, String)> {
        let named = selector("input[name], select[name], textarea[name]");
        let error = selector(".field-error");
        self.0
            .select(&selector(".field"))
            .filter_map(|f| {
                let message = f.select(&error).next().map(text_of)?;
                let name = f
                    .select(&named)
                    .next()
                    .and_then(|i| i.value().attr("name"))
                    .unwrap_or_default();
                Some((name.to_string(), message))
            })
            .collect()
    }

    /// The rows of the table `css` selects, each a list of its cells' texts (header rows
    /// included).
    pub fn table(&self, css: &str) -> Vec<Vec<String>> {
        let table = self
            .0
            .select(&selector(css))
            .next()
            .unwrap_or_else(|| panic!("no table {css} on the page"));
        let cells = selector("th, td");
        table
            .select(&selector("tr"))
            .map(|r| r.select(&cells).map(text_of).collect())
            .collect()
    }
}
