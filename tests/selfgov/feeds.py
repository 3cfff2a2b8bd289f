"""Parse a community's iCalendar and Atom feeds with third-party parsers (PyPI `icalendar`
and `feedparser`) and print what they found as JSON, for tests/it/selfgov.rs to check.

usage: feeds.py ICS_URL ATOM_URL
"""
import json
import sys
import urllib.request

import feedparser
import icalendar


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.headers.get("Content-Type", ""), r.read()


ics_type, ics = fetch(sys.argv[1])
cal = icalendar.Calendar.from_ical(ics)
events = []
for ev in cal.walk("VEVENT"):
    start = ev.decoded("DTSTART")
    end = ev.decoded("DTEND")
    cats = ev.get("CATEGORIES")
    if cats is not None:
        cats = [str(c) for c in (cats.cats if hasattr(cats, "cats") else [cats])]
    events.append({
        "uid": str(ev.get("UID")),
        "summary": str(ev.get("SUMMARY")),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "utc": start.utcoffset().total_seconds() == 0,
        "status": str(ev.get("STATUS", "")),
        "categories": cats or [],
        "location": str(ev.get("LOCATION", "")),
    })

atom_type, atom = fetch(sys.argv[2])
feed = feedparser.parse(atom)
print(json.dumps({
    "ics_type": ics_type,
    "calname": str(cal.get("X-WR-CALNAME", "")),
    "events": events,
    "atom_type": atom_type,
    "bozo": bool(feed.bozo),
    "bozo_exception": str(feed.get("bozo_exception", "")),
    "version": feed.version,
    "title": feed.feed.get("title", ""),
    "entries": [{"id": e.id, "title": e.title, "link": e.link, "updated": e.updated}
                for e in feed.entries],
}, ensure_ascii=False))
