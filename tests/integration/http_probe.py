#!/usr/bin/env python3
"""http_probe.py — talks to lockstepd's HTTP endpoint the ways a misbehaving client would.

  get PORT PATH           GET PATH: the body on stdout, the status on stderr; exit 0 only for 200
  raw PORT BYTES          send BYTES (Python escapes allowed, e.g. '\\r\\n'), print the status line
  long-url PORT N         GET a path of N bytes, print the status line
  flood PORT N HOLD_S     open N connections at once (raising the open-file limit), each sending
                          half a request, hold them HOLD_S seconds; print how many were attempted, and
                          how many the server had closed by then
  dashboard JSON SCRAPE RULES
                          write every expression of the Grafana dashboard JSON as a Prometheus
                          recording rule to RULES (for promtool), and exit 1 naming any metric an
                          expression reads that the SCRAPE (a /metrics body) does not export
"""
import errno, json, re, resource, socket, sys, time
import urllib.error, urllib.request


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    sys.stdout.buffer.write(body)
    print(status, file=sys.stderr)
    sys.exit(0 if status == 200 else 1)


def status_of(sock):
    sock.settimeout(15)  # longer than http.timeout_s: an unanswered request ends with the server closing it
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        return "no answer (%s)" % e
    return data.split(b"\r\n", 1)[0].decode("latin-1") or "connection closed without an answer"


def send(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        print(status_of(s))


def flood(port, n, hold):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
    socks = []
    for _ in range(n):
        try:
            s = socket.socket()
            s.setblocking(False)
            if s.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS):
                socks.append(s)
        except OSError:
            break
    time.sleep(1)
    for s in socks:
        try:
            s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # never finished
        except OSError:
            pass
    time.sleep(hold)
    closed = 0
    for s in socks:
        try:
            closed += s.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    print(len(socks), closed)


def dashboard(path, scrape, rules):
    exported = set()
    for line in open(scrape):
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)", line) if not line.startswith("#") else None
        if m:
            exported.add(m.group(1))
    dash = json.load(open(path))
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    missing = []
    with open(rules, "w") as out:
        out.write("groups:\n- name: dashboard\n  rules:\n")
        for k, e in enumerate(exprs):
            for name in re.findall(r"\b((?:lockstep|process)_[a-z_]+)\b", e):
                if name not in exported:
                    missing.append(name)
            out.write("  - record: dashboard:expr_%d\n    expr: %s\n" % (k, json.dumps(e.replace("$instance", ".*"))))
    print("%d expressions, %d metric names read" % (len(exprs), len({n for e in exprs for n in re.findall(r"\b((?:lockstep|process)_[a-z_]+)\b", e)})))
    if missing:
        print("not exported: " + " ".join(sorted(set(missing))))
        sys.exit(1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "get":
        get(int(args[0]), args[1])
    elif cmd == "raw":
        send(int(args[0]), args[1].encode("latin-1").decode("unicode_escape").encode("latin-1"))
    elif cmd == "long-url":
        send(int(args[0]), b"GET /" + b"a" * int(args[1]) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    elif cmd == "flood":
        flood(int(args[0]), int(args[1]), float(args[2]))
    elif cmd == "dashboard":
        dashboard(*args)
    else:
        sys.exit(__doc__)
