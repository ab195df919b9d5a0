#!/usr/bin/env python3
"""The benchmark's body; run by scripts/bench inside `unshare -rn`.

Workload (DESIGN §9, issue 9): 100 loopback addresses x 10 ports = 1,000 TCP
targets, 60 % open (listeners), 30 % refused (nothing listens), 10 % filtered
(an nft DROP rule). Every tool sees the same targets; each verdict is compared
with the known truth, a missing verdict counting as misclassified. Resource
figures come from wait4() on each tool's process: wall time, user+system CPU,
peak RSS.

Only addresses in 127.0.0.0/8 inside this namespace are used.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
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


def timed(cmd):
    """Runs cmd under GNU time and returns (stdout, stderr, rc, wall, cpu, maxrss_mib).

    GNU time (a small C program) forks and execs the tool and reports its
    wait4() figures. Measuring from this Python process would not do: Linux
    carries a forked child's pre-exec peak RSS (a copy of this interpreter)
    into ru_maxrss.
    """
    import tempfile
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name, *cmd]
        proc = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
        fields = tf.read().split()[-4:]
    wall, user, sys_, rss_kib = (float(x) for x in fields)
    return proc.stdout, proc.stderr, proc.returncode, wall, user + sys_, rss_kib / 1024


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
        header = f"{'tool':<28} {'wall s':>7} {'misclassified':>13} {'peak RSS MiB':>12} {'CPU s':>6}"
        print(header)
        print("-" * len(header))
        for name, cmd, parse in tools:
            out, err, rc, wall, cpu, rss = timed(cmd)
            try:
                found = parse(out)
            except Exception as e:
                print(f"  ({name}: could not read its output: {e}; stderr: {err.decode(errors='replace')[-300:]})")
                found = {}
            bad = sum(1 for t, tp in endpoints.items() if found.get(t) != tp)
            print(f"{name:<28} {wall:7.2f} {bad:13d} {rss:12.1f} {cpu:6.2f}")
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
    args = ap.parse_args()
    t = truth()
    listeners = setup()
    timeout = args.timeout
    targets = [f"{a}:{p}" for a in ADDRESSES for p in PORTS]
    hosts = f"127.0.1.1-{len(ADDRESSES)}"
    ports = f"{PORTS[0]}-{PORTS[-1]}"
    t_s = f"{int(timeout * 1000)}ms"
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
    for s in listeners:
        s.close()

    # Scale: memory must grow with the results only (no task or buffer per
    # target left behind). Refused targets answer at once, so this measures
    # bookkeeping, not waiting.
    print()
    print("scale (refused targets, JSON output):")
    print(f"{'targets':>8} {'wall s':>7} {'peak RSS MiB':>12} {'CPU s':>6} {'stdout KiB':>10}")
    sizes = [1000, 20000]
    rss_of = {}
    for n in sizes:
        scale_targets = [f"127.0.2.{1 + i // 200}:{30000 + i % 200}" for i in range(n)]
        cmd = [args.preflight, "check", "tcp", "--timeout", t_s, "--format", "json", *scale_targets]
        out, err, rc, wall, cpu, rss = timed(cmd)
        results = len(json.loads(out)["results"]) if out else 0
        rss_of[n] = rss
        print(f"{n:8d} {wall:7.2f} {rss:12.1f} {cpu:6.2f} {len(out) / 1024:10.0f}" + ("" if results == n else f"  ({results} results!)"))
    per = (rss_of[sizes[1]] - rss_of[sizes[0]]) * 1024 * 1024 / (sizes[1] - sizes[0])
    print(f"growth: {per / 1024:.1f} KiB of peak RSS per extra target (its result and evidence)")

    if args.tls > 0:
        tls_section(args)


if __name__ == "__main__":
    main()
