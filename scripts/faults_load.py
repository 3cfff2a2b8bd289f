#!/usr/bin/env python3
"""Write load for scripts/faults: N threads POST cases to /api/v1/cases until told to stop.

Standard library only. Every request uses a connection of its own (Connection: close), so a
failure belongs to one request. Results go to OUT as JSON:
  acked:    [[number, description], ...]  every 201 (the server said "stored")
  status:   {code: count}                  every answer
  refused:  connections refused (the server is not listening: after a stop or a kill)
  cut:      requests sent that got no answer (reset, closed mid-way)
"""
import http.client, json, os, sys, threading, time, urllib.parse, collections

def main():
    base, token, threads, out, stop_file, tag = sys.argv[1:7]
    limit = float(sys.argv[7]) if len(sys.argv) > 7 else 3600.0
    per_thread = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    u = urllib.parse.urlsplit(base)
    lock = threading.Lock()
    acked, status = [], collections.Counter()
    refused, cut = [0], [0]
    deadline = time.time() + limit

    def worker(t):
        i = 0
        idle_refusals = 0
        while time.time() < deadline and not os.path.exists(stop_file):
            if per_thread and i >= per_thread:
                return
            i += 1
            desc = "fault %s %d-%d" % (tag, t, i)
            body = json.dumps({"community": "320205106203", "item": "25",
                               "applicant_name": "王秀英", "applicant_phone": "13912345678",
                               "description": desc, "address": ""})
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            try:
                c.connect()
            except (ConnectionRefusedError, OSError):
                with lock:
                    refused[0] += 1
                idle_refusals += 1
                if idle_refusals > 200:
                    return
                time.sleep(0.02)
                continue
            idle_refusals = 0
            try:
                c.request("POST", "/api/v1/cases", body=body.encode(), headers={
                    "Authorization": "Bearer " + token, "Content-Type": "application/json",
                    "Connection": "close"})
                r = c.getresponse()
                data = r.read()
                with lock:
                    status[r.status] += 1
                    if r.status == 201:
                        acked.append([json.loads(data)["number"], desc])
            except Exception:
                with lock:
                    cut[0] += 1
            finally:
                c.close()

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(int(threads))]
    for t in ts: t.start()
    for t in ts: t.join()
    json.dump({"acked": acked, "status": status, "refused": refused[0], "cut": cut[0]},
              open(out, "w"))

main()
