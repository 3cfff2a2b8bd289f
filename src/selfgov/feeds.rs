//! Feeds of a community's public life: activities and meetings as iCalendar (RFC 5545, for
//! phones' calendars) and notices and announced topics as Atom (RFC 4287, for readers and
//! the district's portal). Pure: records in, text out.

use chrono::{DateTime, SecondsFormat, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

/// One event of a calendar feed.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEvent {
    /// Stable across regenerations (`activity-42@320205106203.shequ`): calendars update the
    /// event instead of adding a copy.
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub categories: Vec<String>,
    pub url: Option<String>,
    pub cancelled: bool,
}

/// A calendar of events, times in UTC (calendars show them in their own zone); the calendar
/// names the district's zone for those who read it.
///
/// RFC 5545 allows no control character in text but the tab (line ends are escaped by the
/// crate): each text is [`ical_text`]'d first, whatever was stored.
pub fn ical(name: &str, events: &[FeedEvent]) -> String {
    let mut cal = Calendar::new();
    cal.name(&ical_text(name));
    cal.append_property(icalendar::Property::new("X-WR-TIMEZONE", "Asia/Shanghai"));
    for e in events {
        let mut ev = Event::new();
        ev.uid(&ical_text(&e.uid))
            .summary(&ical_text(&e.summary))
            .starts(e.start)
            .ends(e.end)
            .timestamp(e.updated)
            .add_property("LAST-MODIFIED", format_utc(e.updated));
        if !e.description.is_empty() {
            ev.description(&ical_text(&e.description));
        }
        if !e.location.is_empty() {
            ev.location(&ical_text(&e.location));
        }
        if !e.categories.is_empty() {
            ev.add_property("CATEGORIES", ical_text(&e.categories.join(",")));
        }
        if let Some(u) = &e.url {
            ev.url(&ical_text(u));
        }
        if e.cancelled {
            ev.status(icalendar::EventStatus::Cancelled);
        }
        cal.push(ev.done());
    }
    cal.done().to_string()
}

fn format_utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Text an iCalendar property may carry: no control characters but newlines (which the
/// crate escapes as `\n`) and tabs.
fn ical_text(s: &str) -> String {
    let s = crate::platform::text::clean(s);
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// One entry of an Atom feed.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// A URI that never changes for this entry (`tag:` URIs are fine).
    pub id: String,
    pub title: String,
    pub link: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub summary: String,
    pub author: String,
}

fn esc(s: &str) -> String {
    crate::platform::text::xml_escape(s)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An Atom feed: its `updated` is the newest entry's (or `fallback` for an empty feed).
pub fn atom(
    id: &str,
    title: &str,
    self_link: &str,
    page_link: &str,
    entries: &[Entry],
    fallback: DateTime<Utc>,
) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(fallback);
    let mut out = String::with_capacity(512 + entries.len() * 400);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n");
    out.push_str(&format!(
        "<id>{}</id>\n<title>{}</title>\n<updated>{}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        esc(id),
        esc(title),
        rfc3339(updated),
        esc(self_link),
        esc(page_link)
    ));
    for e in entries {
        out.push_str(&format!(
            "<entry>\n<id>{}</id>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n\
             <summary type=\"text\">{}</summary>\n</entry>\n",
            esc(&e.id),
            esc(&e.title),
            esc(&e.link),
            rfc3339(e.published),
            rfc3339(e.updated),
            esc(&e.author),
            esc(&e.summary)
        ));
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use icalendar::{CalendarComponent, DatePerhapsTime};

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, 0, 0).unwrap()
    }

    #[test]
    fn calendars_parse_back_with_their_text_intact() {
        let events = vec![
            FeedEvent {
                uid: "activity-1@320205106203.shequ".into(),
                summary: "书画展示；迎新春, 写春联".into(),
                description: "地点：社区服务中心二楼\n欢迎参加".into(),
                location: "多功能活动室".into(),
                start: t(1),
                end: t(3),
                updated: t(0),
                categories: vec!["书画展示".into()],
                url: Some("http://127.0.0.1/p/320205106203/calendar".into()),
                cancelled: false,
            },
            FeedEvent {
                uid: "activity-2@320205106203.shequ".into(),
                summary: "健身舞操".into(),
                description: String::new(),
                location: String::new(),
                start: t(10),
                end: t(11),
                updated: t(0),
                categories: vec![],
                url: None,
                cancelled: true,
            },
        ];
        let text = ical("黄土塘村委会 · 活动", &events);
        assert!(text.starts_with("BEGIN:VCALENDAR"));
        assert!(
            text.lines().all(|l| l.len() <= 75),
            "lines folded at 75 octets"
        );
        let parsed: Calendar = text.parse().unwrap();
        let evs: Vec<&Event> = parsed
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].get_summary(), Some("书画展示；迎新春, 写春联"));
        assert_eq!(evs[0].get_location(), Some("多功能活动室"));
        assert_eq!(evs[0].get_uid(), Some("activity-1@320205106203.shequ"));
        match evs[0].get_start() {
            Some(DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(dt))) => {
                assert_eq!(dt, t(1));
            }
            other => panic!("start {other:?}"),
        }
        assert_eq!(evs[1].get_status(), Some(icalendar::EventStatus::Cancelled));
    }

    #[test]
    fn long_chinese_lines_are_folded_at_75_octets() {
        let e = FeedEvent {
            uid: "a@b".into(),
            summary: "村民论坛：关于农村集中居住点建设和村庄整治规划的议题".repeat(3),
            description: String::new(),
            location: String::new(),
            start: t(1),
            end: t(2),
            updated: t(0),
            categories: vec![],
            url: None,
            cancelled: false,
        };
        let text = ical("x", std::slice::from_ref(&e));
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
        let parsed: Calendar = text.parse().unwrap();
        let got = parsed.components.iter().find_map(|c| match c {
            CalendarComponent::Event(ev) => ev.get_summary().map(String::from),
            _ => None,
        });
        assert_eq!(got.as_deref(), Some(e.summary.as_str()));
    }

    #[test]
    fn atom_feeds_escape_and_date_their_entries() {
        let entries = vec![Entry {
            id: "tag:shequ,2026:notice-7".into(),
            title: "2026 年村务公开 <财务> & 决议".into(),
            link: "http://127.0.0.1/p/320205106203/notices/7".into(),
            published: t(1),
            updated: t(2),
            summary: "收支明细见附件".into(),
            author: "黄土塘村委会".into(),
        }];
        let xml = atom(
            "tag:shequ,2026:320205106203",
            "黄土塘村委会 村务公开栏",
            "http://127.0.0.1/p/320205106203/notices.atom",
            "http://127.0.0.1/p/320205106203",
            &entries,
            t(0),
        );
        assert!(xml.contains("&lt;财务&gt; &amp; 决议"));
        assert!(xml.contains("<updated>2026-12-07T02:00:00Z</updated>"));
        assert_eq!(xml.matches("<entry>").count(), 1);
        let empty = atom("tag:x", "t", "s", "p", &[], t(0));
        assert!(empty.contains("<updated>2026-12-07T00:00:00Z</updated>"));
    }
}
