"""Open311 GeoReport v2 checked by client libraries nobody here wrote.

- `georeport` (PyPI, Python 3): services, service definitions, requests and a request, in
  JSON and in XML (parsed with xmltodict).
- `three` (PyPI, Code for America's Open311 wrapper): POST requests and tokens. It dates from
  Python 2: `itertools.ifilter` is given back to it before import, nothing else is touched.

Usage: python3 clients.py BASE_URL API_KEY JURISDICTION COMMUNITY
Exits non-zero on the first failed check.
"""
import itertools
import sys

itertools.ifilter = filter  # for `three`, written for Python 2

import requests  # noqa: E402
from georeport import GeoReport  # noqa: E402
from three import Three  # noqa: E402

base, key, jurisdiction, community = sys.argv[1:5]


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


for fmt in ("json", "xml"):
    g = GeoReport(base, jurisdiction=jurisdiction, output_format=fmt)
    services = g.get_service_list()
    codes = [s["service_code"] for s in services]
    check("WS-01" in codes and "BM-02" in codes, f"{fmt}: services list online items")
    check("MZ-01" not in codes, f"{fmt}: window-only items are not offered")
    d = g.get_service_definition("BM-02")
    attrs = d["attributes"]
    if fmt == "xml":
        attrs = attrs["attribute"]
        attrs = attrs if isinstance(attrs, list) else [attrs]
        values = attrs[0]["values"]["value"]
    else:
        values = attrs[0]["values"]
    check(attrs[0]["code"] == "community", f"{fmt}: the community attribute is defined")
    check(any(v["key"] == community for v in values), f"{fmt}: the community is a value")

t = Three(base, api_key=key, jurisdiction=jurisdiction, format="json")
posted = t.post(
    "BM-02",
    name="小红 沈",
    phone="13900001111",
    description="家里需要保洁，周末上午方便。",
    address="东港镇黄土塘村 3 组 12 号",
    lat="31.62",
    long="120.42",
    **{"attribute[community]": community},
)
check(t.post_response.status_code == 201, f"POST answers 201 ({t.post_response.status_code})")
number = posted[0]["service_request_id"]
token = posted[0]["token"]
check(number.startswith(community + "-"), f"POST gives the case number {number}")
by_token = t.token(token)
check(by_token[0]["service_request_id"] == number, "tokens/{token} gives the same request")

for fmt in ("json", "xml"):
    g = GeoReport(base, jurisdiction=jurisdiction, output_format=fmt)
    one = g.get_service_request(number)
    check(one["service_request_id"] == number and one["status"] == "open", f"{fmt}: requests/{{id}}")
    check(one["service_code"] == "BM-02", f"{fmt}: the request's service")
    listed = g.get_service_requests(service_request_id=number)
    if fmt == "xml" and isinstance(listed, dict):
        listed = [listed]
    check([r["service_request_id"] for r in listed] == [number], f"{fmt}: requests?service_request_id=")
    recent = g.get_service_requests(status="open")
    if fmt == "xml" and isinstance(recent, dict):
        recent = [recent]
    check(any(r["service_request_id"] == number for r in recent), f"{fmt}: requests?status=open")
    check(all("phone" not in r and "first_name" not in r for r in recent), f"{fmt}: no personal data")

# refusals: a wrong key, an unknown service, a bad phone; nothing is created
bad = Three(base, api_key="not-a-key", jurisdiction=jurisdiction, format="json")
bad.post("BM-02", name="a b", phone="13900001111", **{"attribute[community]": community})
check(bad.post_response.status_code == 403, "a wrong api_key is refused with 403")
t.post("NOPE", name="a b", phone="13900001111", **{"attribute[community]": community})
check(t.post_response.status_code == 400, "an unknown service is refused with 400")
errs = t.post("BM-02", name="a b", phone="12345", **{"attribute[community]": community})
check(t.post_response.status_code == 400 and "phone" in errs[0]["description"], "a bad phone is named")
r = requests.get(f"{base}/services.json", params={"jurisdiction_id": "110101"})
check(r.status_code == 404 and r.json()[0]["code"] == 404, "another jurisdiction is 404")
r = requests.get(f"{base}/requests/{number}.xml")
check(r.headers["content-type"].startswith("text/xml"), "XML is served as text/xml")
print("all Open311 checks passed")
