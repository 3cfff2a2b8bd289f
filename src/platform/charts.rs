//! Small charts drawn server-side as inline SVG: they print, need no JavaScript and carry
//! their numbers as text. A bar chart of a few dozen rows needs no plotting library, so this
//! is written out here rather than pulling plotters into the build (kept for the later
//! line charts of coverage and funding).

use crate::platform::types::thousands_i;

pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart, one row per bar, value written at the end of each bar.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let row_h = 26;
    let label_w = 170;
    let bar_w = 420;
    let width = label_w + bar_w + 110;
    let height = bars.len() as i64 * row_h + 10;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<figure class=\"chart\"><svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\">",
        t = xml_escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as i64 * row_h + 5;
        let w = (b.value.max(0) as f64 / max as f64 * bar_w as f64).round() as i64;
        let label = xml_escape(&b.label);
        let label = match &b.href {
            Some(h) => format!("<a href=\"{}\">{label}</a>", xml_escape(h)),
            None => label,
        };
        svg.push_str(&format!(
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-label\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{bh}\" class=\"chart-bar\"><title>{v}</title></rect>\
             <text x=\"{vx}\" y=\"{ty}\" class=\"chart-value\">{v}</text>",
            lx = label_w - 8,
            ty = y + 15,
            bh = row_h - 8,
            vx = label_w + w + 6,
            v = thousands_i(b.value),
        ));
    }
    svg.push_str(&format!(
        "</svg><figcaption>{}</figcaption></figure>",
        xml_escape(title)
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_text() {
        let svg = bar_chart(
            "人口 <by town>",
            &[
                Bar {
                    label: "东亭街道".into(),
                    value: 50_000,
                    href: Some("/towns/1".into()),
                },
                Bar {
                    label: "A&B".into(),
                    value: 25_000,
                    href: None,
                },
            ],
        );
        assert!(svg.contains("width=\"420\""));
        assert!(svg.contains("width=\"210\""));
        assert!(svg.contains("50,000"));
        assert!(svg.contains("A&amp;B"));
        assert!(svg.contains("&lt;by town&gt;"));
        assert_eq!(bar_chart("x", &[]), "");
    }
}
