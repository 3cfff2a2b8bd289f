//! Small charts drawn server-side as inline SVG: they print, need no JavaScript and carry
//! their numbers as text. Bar and line charts of a few dozen points need no plotting
//! library, so they are written out here rather than pulling plotters (and its font stack)
//! into the build: text stays text, in the page's own CJK font, and selectable.

use crate::platform::types::thousands_i;

pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

use crate::platform::text::xml_escape;

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

/// One bar of a share chart: a value in per mille against an optional target in percent.
pub struct ShareBar {
    pub label: String,
    pub permille: i64,
    pub target_pct: Option<i64>,
    pub href: Option<String>,
}

fn pct_text(permille: i64) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

/// Horizontal bars from 0 to 100%, with each bar's target drawn as a tick: a bar that
/// reaches its tick is drawn in the "met" colour.
pub fn share_chart(title: &str, bars: &[ShareBar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let row_h = 26;
    let label_w = 170;
    let bar_w = 420;
    let width = label_w + bar_w + 80;
    let height = bars.len() as i64 * row_h + 30;
    let mut svg = format!(
        "<figure class=\"chart\"><svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\">",
        t = xml_escape(title)
    );
    for p in [0, 50, 100] {
        let x = label_w + bar_w * p / 100;
        svg.push_str(&format!(
            "<line x1=\"{x}\" y1=\"2\" x2=\"{x}\" y2=\"{y2}\" class=\"chart-grid\"/><text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\" class=\"chart-value\">{p}%</text>",
            y2 = height - 18,
            ty = height - 4,
        ));
    }
    for (i, b) in bars.iter().enumerate() {
        let y = i as i64 * row_h + 5;
        let w = b.permille.clamp(0, 1000) * bar_w / 1000;
        let met = b.target_pct.is_some_and(|t| b.permille >= t * 10);
        let label = xml_escape(&b.label);
        let label = match &b.href {
            Some(h) => format!("<a href=\"{}\">{label}</a>", xml_escape(h)),
            None => label,
        };
        svg.push_str(&format!(
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-label\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{bh}\" class=\"{cls}\"><title>{v}</title></rect>\
             <text x=\"{vx}\" y=\"{ty}\" class=\"chart-value\">{v}</text>",
            lx = label_w - 8,
            ty = y + 15,
            bh = row_h - 8,
            cls = if met { "chart-bar met" } else { "chart-bar" },
            // a column of its own right of 100%, clear of the bar and the target tick
            vx = label_w + bar_w + 8,
            v = pct_text(b.permille),
        ));
        if let Some(t) = b.target_pct {
            let x = label_w + bar_w * t.clamp(0, 100) / 100;
            svg.push_str(&format!(
                "<line x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{y2}\" class=\"chart-target\"><title>{t}%</title></line>",
                y1 = y - 2,
                y2 = y + row_h - 4,
            ));
        }
    }
    svg.push_str(&format!(
        "</svg><figcaption>{}</figcaption></figure>",
        xml_escape(title)
    ));
    svg
}

/// A series of a line chart: values in per mille (0–1000), `None` where there is none.
pub struct Series {
    pub name: String,
    /// CSS class of the line: `chart-line` or `chart-line target`.
    pub class: &'static str,
    pub values: Vec<Option<i64>>,
}

/// A line chart of shares (0–100%) over labelled points (years), with a legend.
pub fn share_line_chart(title: &str, labels: &[String], series: &[Series]) -> String {
    if labels.is_empty() || series.iter().all(|s| s.values.iter().all(Option::is_none)) {
        return String::new();
    }
    let (left, top, plot_w, plot_h) = (44, 28, 600, 220);
    let width = left + plot_w + 20;
    let height = top + plot_h + 34;
    let n = labels.len() as i64;
    let x_at = |i: i64| {
        if n == 1 {
            left + plot_w / 2
        } else {
            left + i * plot_w / (n - 1)
        }
    };
    let y_at = |v: i64| top + plot_h - v.clamp(0, 1000) * plot_h / 1000;
    let mut svg = format!(
        "<figure class=\"chart\"><svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\">",
        t = xml_escape(title)
    );
    for p in [0, 25, 50, 75, 100] {
        let y = y_at(p * 10);
        svg.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" class=\"chart-grid\"/><text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-value\">{p}%</text>",
            x2 = left + plot_w,
            tx = left - 6,
            ty = y + 4,
        ));
    }
    // Label every year when they fit, else every other or fifth.
    let step = if n <= 16 {
        1
    } else if n <= 32 {
        2
    } else {
        5
    };
    for (i, l) in labels.iter().enumerate() {
        if i as i64 % step == 0 || i as i64 == n - 1 {
            svg.push_str(&format!(
                "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" class=\"chart-value\">{l}</text>",
                x = x_at(i as i64),
                y = top + plot_h + 18,
                l = xml_escape(l),
            ));
        }
    }
    let mut legend_x = left;
    for s in series {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    d.push_str(&format!(
                        "{}{},{} ",
                        if pen_down { "L" } else { "M" },
                        x_at(i as i64),
                        y_at(*v)
                    ));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        svg.push_str(&format!(
            "<path d=\"{}\" class=\"{}\" fill=\"none\"/>",
            d.trim_end(),
            s.class
        ));
        if !s.class.contains("target") {
            for (i, v) in s.values.iter().enumerate() {
                if let Some(v) = v {
                    svg.push_str(&format!(
                        "<circle cx=\"{}\" cy=\"{}\" r=\"3\" class=\"chart-dot\"><title>{} {}</title></circle>",
                        x_at(i as i64),
                        y_at(*v),
                        xml_escape(&labels[i]),
                        pct_text(*v)
                    ));
                }
            }
        }
        svg.push_str(&format!(
            "<line x1=\"{legend_x}\" y1=\"10\" x2=\"{x2}\" y2=\"10\" class=\"{cls}\"/><text x=\"{tx}\" y=\"14\" class=\"chart-label\">{name}</text>",
            x2 = legend_x + 24,
            cls = s.class,
            tx = legend_x + 30,
            name = xml_escape(&s.name),
        ));
        legend_x += 30 + 16 * s.name.chars().count() as i64 + 24;
    }
    svg.push_str(&format!(
        "</svg><figcaption>{}</figcaption></figure>",
        xml_escape(title)
    ));
    svg
}

/// One row of a population pyramid: the band's label, the left (men) and right (women)
/// counts.
pub struct PyramidRow {
    pub label: String,
    pub left: i64,
    pub right: i64,
}

/// A population pyramid: bands from the youngest at the bottom, the left side's bars grow
/// leftwards from the middle and the right side's rightwards, each with its number.
pub fn pyramid_chart(
    title: &str,
    left_name: &str,
    right_name: &str,
    rows: &[PyramidRow],
) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let (row_h, label_w, half) = (24, 70, 260);
    let width = half * 2 + label_w + 20;
    let top = 24;
    let height = top + rows.len() as i64 * row_h + 8;
    let mid_l = 10 + half;
    let mid_r = mid_l + label_w;
    let max = rows
        .iter()
        .flat_map(|r| [r.left, r.right])
        .max()
        .unwrap_or(0)
        .max(1);
    let len = |v: i64| (v.max(0) as f64 / max as f64 * (half - 50) as f64).round() as i64;
    let mut svg = format!(
        "<figure class=\"chart\"><svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <text x=\"{lx}\" y=\"14\" text-anchor=\"end\" class=\"chart-label\">{l}</text>\
         <text x=\"{rx}\" y=\"14\" class=\"chart-label\">{r}</text>",
        t = xml_escape(title),
        lx = mid_l - 4,
        rx = mid_r + 4,
        l = xml_escape(left_name),
        r = xml_escape(right_name),
    );
    for (i, row) in rows.iter().rev().enumerate() {
        let y = top + i as i64 * row_h;
        let (wl, wr) = (len(row.left), len(row.right));
        svg.push_str(&format!(
            "<rect x=\"{xl}\" y=\"{y}\" width=\"{wl}\" height=\"{bh}\" class=\"chart-bar\"><title>{vl}</title></rect>\
             <text x=\"{tl}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-value\">{vl}</text>\
             <text x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\" class=\"chart-label\">{label}</text>\
             <rect x=\"{mid_r}\" y=\"{y}\" width=\"{wr}\" height=\"{bh}\" class=\"chart-bar alt\"><title>{vr}</title></rect>\
             <text x=\"{tr}\" y=\"{ty}\" class=\"chart-value\">{vr}</text>",
            xl = mid_l - wl,
            bh = row_h - 6,
            tl = mid_l - wl - 4,
            ty = y + 14,
            vl = thousands_i(row.left),
            cx = (mid_l + mid_r) / 2,
            label = xml_escape(&row.label),
            tr = mid_r + wr + 4,
            vr = thousands_i(row.right),
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
    fn a_pyramid_puts_the_youngest_at_the_bottom() {
        let rows = [
            PyramidRow {
                label: "≤25".into(),
                left: 10,
                right: 4,
            },
            PyramidRow {
                label: ">60".into(),
                left: 0,
                right: 1_200,
            },
        ];
        let svg = pyramid_chart("年龄结构", "男", "女", &rows);
        let young = svg.find("≤25").unwrap();
        let old = svg.find("&gt;60").unwrap();
        assert!(old < young, "drawn top-down, the oldest first");
        assert!(svg.contains("1,200") && svg.contains(">10<"));
        assert_eq!(pyramid_chart("x", "a", "b", &[]), "");
    }

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

    #[test]
    fn share_bars_mark_targets_met() {
        let svg = share_chart(
            "覆盖率",
            &[
                ShareBar {
                    label: "东港镇".into(),
                    permille: 812,
                    target_pct: Some(80),
                    href: None,
                },
                ShareBar {
                    label: "羊尖镇".into(),
                    permille: 500,
                    target_pct: Some(80),
                    href: None,
                },
            ],
        );
        assert!(svg.contains("81.2%"));
        assert_eq!(svg.matches("chart-bar met").count(), 1);
        assert_eq!(svg.matches("chart-target").count(), 2);
    }

    #[test]
    fn lines_break_where_values_are_missing() {
        let labels: Vec<String> = (2006..=2010).map(|y| y.to_string()).collect();
        let svg = share_line_chart(
            "覆盖率",
            &labels,
            &[
                Series {
                    name: "实际".into(),
                    class: "chart-line",
                    values: vec![Some(70), Some(430), Some(803), Some(902), Some(977)],
                },
                Series {
                    name: "目标".into(),
                    class: "chart-line target",
                    values: vec![None, Some(500), Some(800), Some(900), Some(1000)],
                },
            ],
        );
        assert_eq!(svg.matches("<circle").count(), 5);
        assert!(svg.contains("97.7%"));
        // the target line starts at its first value with a move, not a line from nowhere
        assert!(svg.contains("class=\"chart-line target\""));
        assert_eq!(share_line_chart("x", &labels, &[]), "");
    }
}
