#!/usr/bin/env python3
"""The benchmark's body; run by scripts/bench inside `unshare -rn`.

Workload (DESIGN §9, issue 9): 100 loopback addresses x 10 ports = 1,000 TCP
targets, 60 % open (listeners), 30 % refused (nothing listens), 10 % filtered
(an nft DROP rule). Every tool sees the same targets; each verdict is compared
with the known truth, a missing verdict counting as misclassified. Resource
figures come from wait4() on each tool's process: wall time, user+system CPU,
peak RSS.

Then the scale table (1,000, 20,000 and 50,000 refused targets: memory must
grow with the results only; user and system time apart, and the floor under
the system time: a loop making only the system calls a connect needs), TLS (200 Halibut-like endpoints), `plan
from-octopus` and `readiness` against the fake API (`bench_lab octopus`)
serving 5,000 machines in 20 spaces, and `report merge` of 200 reports
written by `bench_lab reports`.

Only addresses in 127.0.0.0/8 inside this namespace are used.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ADDRESSES = [f"127.0.1.{i}" for i in range(1, 101)]
PORTS = list(range(20001, 20011))
OPEN_PORTS = PORTS[:6]
REFUSED_PORTS = PORTS[6:9]
FILTERED_PORTS = PORTS[9:]


def truth():
    t = {}
    for a in ADDRESSES:
        for p in PORTS:
            if p in OPEN_PORTS:
                t[(a, p)] = "open"
            elif p in REFUSED_PORTS:
                t[(a, p)] = "refused"
            else:
                t[(a, p)] = "filtered"
    return t


def setup():
    if os.getuid() != 0 or not os.path.exists("/proc/self/ns/net"):
        sys.exit("run me through scripts/bench (inside unshare -rn)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    rules = "table ip bench {\n chain output {\n  type filter hook output priority 0; policy accept;\n"
    for p in FILTERED_PORTS:
        rules += f"  tcp dport {p} drop\n"
    rules += " }\n}\n"
    subprocess.run(["nft", "-f", "-"], input=rules.encode(), check=True)
    listeners = []
    for a in ADDRESSES:
        for p in OPEN_PORTS:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a, p))
            s.listen(4096)
            listeners.append(s)
    return listeners


def timed_split(cmd, env=None):
    """Runs cmd under GNU time and returns (stdout, stderr, rc, wall, user, sys, maxrss_mib).

    GNU time (a small C program) forks and execs the tool and reports its
    wait4() figures. Measuring from this Python process would not do: Linux
    carries a forked child's pre-exec peak RSS (a copy of this interpreter)
    into ru_maxrss.
    """
    import tempfile
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name, *cmd]
        proc = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, env=env)
        fields = tf.read().split()[-4:]
    wall, user, sys_, rss_kib = (float(x) for x in fields)
    return proc.stdout, proc.stderr, proc.returncode, wall, user, sys_, rss_kib / 1024


def timed(cmd, env=None):
    """`timed_split` with user and system time added: (stdout, stderr, rc, wall, cpu, maxrss_mib)."""
    out, err, rc, wall, user, sys_, rss = timed_split(cmd, env)
    return out, err, rc, wall, user + sys_, rss


# The floor under any tool's system time for refused targets: the six system
# calls a non-blocking connect costs (socket, connect, epoll_ctl add, the
# answer's getsockopt, epoll_ctl del, close), in a loop that does nothing else.
FLOOR = r"""
import select, socket, sys
targets = [(f"127.0.2.{1 + i // 200}", 30000 + i % 200) for i in range(int(sys.argv[1]))]
ep, open_, i, done = select.epoll(), {}, 0, 0
while done < len(targets):
    while i < len(targets) and len(open_) < 4096:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
        try:
            s.connect(targets[i])
        except BlockingIOError:
            pass
        ep.register(s.fileno(), select.EPOLLIN | select.EPOLLOUT | select.EPOLLRDHUP | select.EPOLLET)
        open_[s.fileno()] = s
        i += 1
    for fd, _ in ep.poll(5):
        s = open_.pop(fd)
        s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        ep.unregister(fd)
        s.close()
        done += 1
"""


def preflight_verdicts(stdout):
    report = json.loads(stdout)
    found = {}
    for r in report["results"]:
        for a in r["evidence"].get("addresses", []):
            host, port = a["address"].rsplit(":", 1)
            found[(host, int(port))] = a["state"]
    return found


def nmap_verdicts(stdout):
    found = {}
    root = ET.fromstring(stdout)
    for host in root.iter("host"):
        addr = host.find("address").get("addr")
        for port in host.iter("port"):
            state = port.find("state").get("state")
            state = {"closed": "refused"}.get(state, state)
            found[(addr, int(port.get("portid")))] = state
        # nmap folds ports it did not list into <extraports state=...>.
        for extra in host.iter("extraports"):
            state = {"closed": "refused"}.get(extra.get("state"), extra.get("state"))
            for p in PORTS:
                found.setdefault((addr, p), state)
    return found


def misclassified(found, t):
    return sum(1 for k, v in t.items() if found.get(k) != v)


def start_tls_lab(lab_bin, count):
    """Starts the lab's Halibut-like TLS endpoints; returns (process, {target: thumbprint})."""
    proc = subprocess.Popen([lab_bin, str(count)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    endpoints = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode().strip()
        if line == "ready" or not line:
            break
        target, thumbprint = line.split()
        endpoints[target] = thumbprint
    return proc, endpoints


def tls_preflight_verdicts(stdout):
    report = json.loads(stdout)
    found = {}
    for r in report["results"]:
        if r["status"] == "pass":
            found[r["target"]] = r["evidence"].get("thumbprint_sha1")
    return found


def tls_nmap_verdicts(stdout):
    found = {}
    root = ET.fromstring(stdout)
    for host in root.iter("host"):
        addr = host.find("address").get("addr")
        for port in host.iter("port"):
            for script in port.iter("script"):
                if script.get("id") != "ssl-cert":
                    continue
                for line in script.get("output", "").splitlines():
                    line = line.strip()
                    if line.startswith("SHA-1:"):
                        found[f"{addr}:{port.get('portid')}"] = line[6:].replace(" ", "").upper()
    return found


def table_header():
    header = f"{'tool':<28} {'wall s':>7} {'misclassified':>13} {'peak RSS MiB':>12} {'CPU s':>6}"
    print(header)
    print("-" * len(header))


def table_row(name, wall, bad, rss, cpu):
    print(f"{name:<28} {wall:7.2f} {bad:13d} {rss:12.1f} {cpu:6.2f}")


def octopus_page(item_type, path, items, skip, take, total):
    """A collection page as Octopus returns it (fixtures/octopus-api/generate.py's shape)."""
    links = {"Self": f"{path}?skip={skip}&take={take}"}
    if skip + take < total:
        links["Page.Next"] = f"{path}?skip={skip + take}&take={take}"
    return {"ItemType": item_type, "TotalResults": total, "ItemsPerPage": take, "Items": items, "Links": links}


def write_octopus_pages(root, spaces, machines_per_space, take=100):
    """The pages of a server with `spaces` spaces of `machines_per_space`
    listening Tentacles each (in 5 environments), 2 workers and 2 feeds per
    space. Every Tentacle has its own loopback address and thumbprint."""
    def w(rel, obj):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(obj, f)

    def paged(rel, item_type, items):
        api_path = "/" + rel
        total = len(items)
        for skip in range(0, max(total, 1), take):
            name = rel if skip == 0 else f"{rel}.skip-{skip}"
            w(name + ".json", octopus_page(item_type, api_path, items[skip:skip + take], skip, take, total))

    w("api.json", {"Application": "Octopus Deploy", "Version": "2024.1.12281",
                   "Links": {"Self": "/api", "Spaces": "/api/spaces{/id}{?skip,ids,take,partialName}"}})
    w("api/configuration/certificates/certificate-global.json",
      {"Id": "certificate-global", "Thumbprint": "5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27"})
    space_items = [{"Id": f"Spaces-{s}", "Name": f"Space {s}", "Slug": f"space-{s}"} for s in range(1, spaces + 1)]
    paged("api/spaces", "Space", space_items)
    n = 0
    for s in range(1, spaces + 1):
        sid = f"Spaces-{s}"
        envs = [{"Id": f"Environments-{s}-{e}", "Name": f"Env {s}-{e}"} for e in range(5)]
        paged(f"api/{sid}/environments", "Environment", envs)
        paged(f"api/{sid}/workerpools", "WorkerPool",
              [{"Id": f"WorkerPools-{s}", "Name": f"Pool {s}", "WorkerPoolType": "StaticWorkerPool", "IsDefault": False}])
        machines = []
        for m in range(machines_per_space):
            n += 1
            machines.append({
                "Id": f"Machines-{n}", "Name": f"web{n:05d}", "IsDisabled": False,
                "Endpoint": {"CommunicationStyle": "TentaclePassive",
                             "Uri": f"https://127.{3 + n // 65536}.{n // 256 % 256}.{n % 256}:10933/",
                             "Thumbprint": f"{n:040X}"},
                "EnvironmentIds": [envs[m % 5]["Id"]], "Roles": ["web"],
            })
        paged(f"api/{sid}/machines", "Machine", machines)
        workers = [{"Id": f"Workers-{s}-{k}", "Name": f"worker{s}-{k}", "IsDisabled": False,
                    "Endpoint": {"CommunicationStyle": "TentaclePassive",
                                 "Uri": f"https://127.2.{s}.{k + 1}:10933/", "Thumbprint": f"{s:038X}{k:02X}"},
                    "WorkerPoolIds": [f"WorkerPools-{s}"]} for k in range(2)]
        paged(f"api/{sid}/workers", "Worker", workers)
        feeds = [{"Id": f"Feeds-{s}-1", "Name": "Built-in", "FeedType": "BuiltIn"},
                 {"Id": f"Feeds-{s}-2", "Name": "NuGet", "FeedType": "NuGet",
                  "FeedUri": "https://127.0.0.1:8443/v3/index.json"}]
        paged(f"api/{sid}/feeds", "Feed", feeds)
        # What readiness reads besides: nothing to flag, so every rule has its read.
        for rel, item_type in [("projects", "Project"), ("deploymentprocesses", "DeploymentProcess"),
                               ("runbooks", "Runbook"), ("runbookProcesses", "RunbookProcess"),
                               ("packages", "Package"), ("projecttriggers", "ProjectTrigger"),
                               ("actiontemplates", "ActionTemplate"), ("subscriptions", "Subscription")]:
            paged(f"api/{sid}/{rel}", item_type, [])
    w("api/authentication.json", {"AuthenticationProviders": [
        {"Name": "Username/Password", "IdentityType": "UsernamePassword", "Links": {}}]})
    for provider in ("authentication-directoryservices", "authentication-ldap"):
        w(f"api/configuration/{provider}.json", {"Id": provider, "IsEnabled": False, "Links": {}})
    w("api/featuresconfiguration.json", {"Id": "features", "IsBuiltInWorkerEnabled": False, "Links": {}})
    w("api/maintenanceconfiguration.json", {"Id": "maintenance", "IsInMaintenanceMode": False, "Links": {}})
    paged("api/octopusservernodes", "OctopusServerNode",
          [{"Id": "OctopusServerNodes-1", "Name": "NODE-1", "MaxConcurrentTasks": 5,
            "IsInMaintenanceMode": False, "IsOffline": False, "Links": {}}])
    for rel, item_type in [("users", "User"), ("teams", "Team"), ("tasks", "Task")]:
        paged(f"api/{rel}", item_type, [])
    return n


def octopus_section(args, scratch):
    spaces, per_space = 20, 250
    pages = os.path.join(scratch, "octopus-api")
    machines = write_octopus_pages(pages, spaces, per_space)
    key = "API-BENCHBENCHBENCHBENCHBENCH0"
    ca_file = os.path.join(scratch, "octopus-ca.pem")
    lab = subprocess.Popen([args.lab, "octopus", pages, key, ca_file], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        url = lab.stdout.readline().decode().strip()
        if lab.stdout.readline().decode().strip() != "ready":
            print(f"  (bench_lab octopus did not start: {url})")
            return
        env = dict(os.environ, BENCH_OCTOPUS_API_KEY=key)
        cmd = [args.preflight, "plan", "from-octopus", "--server", url, "--api-key-env", "BENCH_OCTOPUS_API_KEY",
               "--ca-file", ca_file]
        print()
        print(f"plan from-octopus: the fake Octopus API over TLS serving {machines} machines in {spaces} spaces"
              " (100 per page), plus environments, worker pools, workers and feeds")
        table_header()
        out, err, rc, wall, cpu, rss = timed(cmd, env=env)
        # Every listening Tentacle must be in the plan, at its own address.
        plan = out.decode(errors="replace")
        found = sum(1 for n in range(1, machines + 1)
                    if f'"127.{3 + n // 65536}.{n // 256 % 256}.{n % 256}"' in plan)
        bad = machines - found
        if rc != 0:
            print(f"  (exit {rc}: {err.decode(errors='replace')[-300:]})")
            bad = machines
        table_row("preflight plan from-octopus", wall, bad, rss, cpu)
        # The same server judged by readiness: every read at most
        # MAX_IN_FLIGHT (4) at a time; a rule that could not read its
        # endpoints is `error`, counted as misclassified.
        out_dir = os.path.join(scratch, "readiness")
        cmd = [args.preflight, "readiness", "--server", url, "--api-key-env", "BENCH_OCTOPUS_API_KEY",
               "--ca-file", ca_file, "--target", "instance", "--format", "json", "--out", out_dir]
        out, err, rc, wall, cpu, rss = timed(cmd, env=env)
        try:
            with open(os.path.join(out_dir, "report.json")) as f:
                results = json.load(f)["results"]
            bad = sum(1 for r in results if r.get("status") == "error")
        except (OSError, ValueError, KeyError) as e:
            print(f"  (readiness wrote no readable report.json: {e})")
            bad = machines
        if rc not in (0, 1):
            print(f"  (exit {rc}: {err.decode(errors='replace')[-300:]})")
            bad = machines
        table_row("preflight readiness", wall, bad, rss, cpu)
    finally:
        lab.stdin.close()
        lab.wait(timeout=30)


def merge_section(args, scratch):
    count, results = 200, 250
    reports = os.path.join(scratch, "reports")
    lab = subprocess.run([args.lab, "reports", reports, str(count), str(results)], stdout=subprocess.PIPE, timeout=600)
    if lab.returncode != 0:
        print(f"  (bench_lab reports failed: exit {lab.returncode})")
        return
    files = sorted(os.path.join(reports, f) for f in os.listdir(reports))
    size = sum(os.path.getsize(f) for f in files)
    print()
    print(f"report merge: {count} sealed reports of {results} results each ({count * results:,} results,"
          f" {size / 1024 / 1024:.0f} MiB; 8 hosts per data center, 150 checks shared, {results - 150} per host)")
    table_header()
    out, err, rc, wall, cpu, rss = timed([args.preflight, "report", "merge", "--format", "json", *files])
    expected_rows = 150 + count * (results - 150)
    try:
        merged = json.loads(out)
        unverified = sum(1 for s in merged["sources"] if s["integrity"] != "verified")
        bad = unverified + abs(len(merged["matrix"]) - expected_rows) + abs(len(merged["runs"]) - count)
    except Exception as e:
        print(f"  (could not read the merged document: {e}; exit {rc}: {err.decode(errors='replace')[-300:]})")
        bad = count
    table_row("preflight report merge", wall, bad, rss, cpu)


def tls_section(args):
    lab, endpoints = start_tls_lab(args.lab, args.tls)
    try:
        targets = sorted(endpoints)
        ports = ",".join(t.rsplit(":", 1)[1] for t in targets)
        here = os.path.dirname(os.path.abspath(__file__))
        tools = [
            ("preflight check tls", [args.preflight, "check", "tls", "--expect", "tentacle", "--timeout", "2s",
                                     "--format", "json", *targets], tls_preflight_verdicts),
            ("python asyncio+ssl", [sys.executable, os.path.join(here, "bench_tls_peer.py"), *targets],
             lambda out: json.loads(out)),
            ("nmap --script ssl-cert", ["nmap", "-sT", "-Pn", "-n", "-p", ports, "--script", "ssl-cert",
                                        "-oX", "-", "127.0.0.1"], tls_nmap_verdicts),
        ]
        print()
        print(f"TLS: {len(targets)} Halibut-like endpoints (self-signed RSA 2048), handshake + SHA-1 thumbprint"
              " (+ chain and welcome page where the tool reads them)")
        table_header()
        for name, cmd, parse in tools:
            out, err, rc, wall, cpu, rss = timed(cmd)
            try:
                found = parse(out)
            except Exception as e:
                print(f"  ({name}: could not read its output: {e}; stderr: {err.decode(errors='replace')[-300:]})")
                found = {}
            bad = sum(1 for t, tp in endpoints.items() if found.get(t) != tp)
            table_row(name, wall, bad, rss, cpu)
    finally:
        lab.stdin.close()
        lab.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preflight", required=True)
    ap.add_argument("--lab", required=True, help="the bench_lab example binary")
    ap.add_argument("--tls", type=int, default=200, help="TLS endpoints (0: skip)")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--only", default="tcp,scale,tls,octopus,merge",
                    help="comma-separated workloads: tcp, scale, tls, octopus, merge")
    args = ap.parse_args()
    only = set(args.only.split(","))
    t = truth()
    listeners = setup()
    scratch = tempfile.mkdtemp(prefix="preflight-bench-")
    try:
        run_all(args, only, t, listeners, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run_all(args, only, t, listeners, scratch):
    t_s = f"{int(args.timeout * 1000)}ms"
    if "tcp" in only:
        tcp_section(args, t, t_s)
    for s in listeners:
        s.close()
    if "scale" in only:
        scale_section(args, t_s)
    if "tls" in only and args.tls > 0:
        tls_section(args)
    if "octopus" in only:
        octopus_section(args, scratch)
    if "merge" in only:
        merge_section(args, scratch)


def tcp_section(args, t, t_s):
    timeout = args.timeout
    targets = [f"{a}:{p}" for a in ADDRESSES for p in PORTS]
    hosts = f"127.0.1.1-{len(ADDRESSES)}"
    ports = f"{PORTS[0]}-{PORTS[-1]}"
    tools = [
        ("preflight", [args.preflight, "check", "tcp", "--timeout", t_s, "--format", "json", *targets], preflight_verdicts),
        ("nmap -sT (defaults)", ["nmap", "-sT", "-Pn", "-n", "-p", ports, "-oX", "-", hosts], nmap_verdicts),
        ("nmap -sT (fixed timeout)", ["nmap", "-sT", "-Pn", "-n", "--max-retries", "0",
                                      "--initial-rtt-timeout", t_s, "--min-rtt-timeout", t_s, "--max-rtt-timeout", t_s,
                                      "--min-hostgroup", "100", "--min-parallelism", "200",
                                      "-p", ports, "-oX", "-", hosts], nmap_verdicts),
    ]
    print(f"workload: {len(t)} TCP targets ({len(ADDRESSES)} loopback addresses x {len(PORTS)} ports: "
          f"60% open, 30% refused, 10% filtered), timeout {timeout:g}s, {os.cpu_count()} CPUs")
    header = f"{'tool':<28} {'wall s':>7} {'wall/timeout':>12} {'misclassified':>13} {'peak RSS MiB':>12} {'CPU s':>6}"
    print(header)
    print("-" * len(header))
    for name, cmd, parse in tools:
        for _ in range(args.runs):
            out, err, rc, wall, cpu, rss = timed(cmd)
            try:
                found = parse(out)
            except Exception as e:  # a tool that printed nothing usable misclassifies everything
                print(f"  ({name}: could not read its output: {e}; stderr: {err.decode(errors='replace')[-300:]})")
                found = {}
            bad = misclassified(found, t)
            print(f"{name:<28} {wall:7.2f} {wall / timeout:12.2f} {bad:13d} {rss:12.1f} {cpu:6.2f}")


def scale_section(args, t_s):
    """Memory must grow with the results only (no task or buffer per target
    left behind). Refused targets answer at once, so this measures
    bookkeeping, not waiting."""
    print()
    print("scale (refused targets, JSON output):")
    print(f"{'targets':>8} {'wall s':>7} {'peak RSS MiB':>12} {'CPU s':>6} {'stdout KiB':>10}"
          f" {'user s':>6} {'sys s':>6}")
    sizes = [1000, 20000, 50000]
    rss_of = {}
    for n in sizes:
        scale_targets = [f"127.0.2.{1 + i // 200}:{30000 + i % 200}" for i in range(n)]
        cmd = [args.preflight, "check", "tcp", "--timeout", t_s, "--format", "json", *scale_targets]
        out, err, rc, wall, user, sys_, rss = timed_split(cmd)
        cpu = user + sys_
        found = preflight_verdicts(out) if out else {}
        wrong = sum(1 for state in found.values() if state != "refused") + (n - len(found))
        rss_of[n] = rss
        print(f"{n:8d} {wall:7.2f} {rss:12.1f} {cpu:6.2f} {len(out) / 1024:10.0f} {user:6.2f} {sys_:6.2f}"
              + ("" if wrong == 0 else f"  ({wrong} not refused!)"))
    per = (rss_of[sizes[-1]] - rss_of[sizes[0]]) * 1024 * 1024 / (sizes[-1] - sizes[0])
    print(f"growth: {per / 1024:.1f} KiB of peak RSS per extra target (its result and evidence)")
    _, _, _, _, user, sys_, _ = timed_split([sys.executable, "-c", FLOOR, "20000"])
    print(f"system-call floor, 20000 refused targets (a Python epoll loop making only the six calls"
          f" a connect needs): sys {sys_:.2f} s, user {user:.2f} s")


if __name__ == "__main__":
    main()
