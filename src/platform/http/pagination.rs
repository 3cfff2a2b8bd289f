//! Page numbers for long lists.

#[derive(Clone, Debug)]
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub per_page: u64,
    /// The query string without `page`, to build links.
    pub base_query: String,
}

impl Pager {
    pub fn new(page: u64, total: u64, per_page: u64, base_query: String) -> Pager {
        let pages = total.div_ceil(per_page).max(1);
        Pager {
            page: page.clamp(1, pages),
            pages,
            total,
            per_page,
            base_query,
        }
    }
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
    pub fn href(&self, page: u64) -> String {
        if self.base_query.is_empty() {
            format!("?page={page}")
        } else {
            format!("?{}&page={page}", self.base_query)
        }
    }
    pub fn prev_href(&self) -> String {
        self.href(self.page.saturating_sub(1).max(1))
    }
    pub fn next_href(&self) -> String {
        self.href((self.page + 1).min(self.pages))
    }
}

/// The most pages a list is read to: beyond it a page number is a typo or a probe, and is
/// read as the last page there could be (offsets stay far from overflowing).
pub const MAX_PAGE: u64 = 1_000_000;

/// The row offset of a page number as asked (0, absent or huge included): never overflows.
pub fn offset(page: Option<u64>, per_page: u64) -> u64 {
    (page.unwrap_or(1).clamp(1, MAX_PAGE) - 1).saturating_mul(per_page)
}

/// A page number as asked, from 1 to [`MAX_PAGE`].
pub fn page_number(page: Option<u64>) -> u64 {
    page.unwrap_or(1).clamp(1, MAX_PAGE)
}

/// Rebuild a query string from pairs, skipping empty values and `page`.
pub fn query_without_page(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(k, v)| *k != "page" && !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::platform::text::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_clamp_and_link() {
        let p = Pager::new(9, 130, 50, "town=1".into());
        assert_eq!((p.page, p.pages, p.offset()), (3, 3, 100));
        assert!(p.has_prev() && !p.has_next());
        assert_eq!(p.prev_href(), "?town=1&page=2");
        let e = Pager::new(1, 0, 50, String::new());
        assert_eq!((e.page, e.pages), (1, 1));
        assert_eq!(offset(Some(u64::MAX), 50), (MAX_PAGE - 1) * 50);
        assert_eq!(offset(Some(0), 50), 0);
        assert_eq!(page_number(None), 1);
    }
}
