#!/usr/bin/env python3
"""Process helper for the AppHost benches (bench/apphost-*.sh); Linux /proc only.

Every process of one AppHost run (dotnet run, the AppHost, dcp and its helpers, the dashboard,
the services and their `dotnet run` wrappers) inherits the environment variable
RANDOMDEMO_BENCH_MARK=<mark> from the launch, so it is found in /proc/*/environ even after DCP
has moved it into its own session.

  launch PIDFILE CMD...          exec CMD as a terminal would run it: own session and process group
                                 (pgid = the pid written to PIDFILE), SIGINT at its default action
  pids MARK [--kind K]           the live processes of the mark, one "pid kind cmdline" a line
  kill MARK                      SIGKILL every live process of the mark (the scripts' trap)
  sample PID OUTFILE [--interval 0.5]
                                 appends "epoch_seconds rss_kb cpu_seconds" of PID every interval until it exits
  startup LOG URL --pid P --since-ms T [--timeout 90]
                                 one process polling URL every 20 ms and LOG for Aspire's "started" line
                                 (not a curl, date and grep per try, which would take CPU from the start
                                 it measures) until URL answers 200 or the process group P is gone; prints
                                 "started_ms number_ms" from the epoch milliseconds T ("nan" if not seen)
  watch MARK --pid P --signal S [--state-file F] [--timeout 30]
                                 sends S (INT: to the process group P, as Ctrl+C; KILL: to the AppHost
                                 process alone, found under P), polls /proc and `ss` every 10 ms and
                                 prints when each process disappeared and when the fixed ports were
                                 free, then one RESULT line
"""
import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

FIXED_PORTS = {8081, 8085, 50051, 18888, 18889, 18887}
SERVICES = ("RandomDemo.Generator", "RandomDemo.Gateway", "RandomDemo.Streaming")
# Started by a `dotnet run` that builds; they outlive it on purpose (node reuse), not the app's.
BUILD_SERVERS = ("MSBuild.dll", "VBCSCompiler", "/rzc", "nodemode:", "nodeReuse:")


def kind_of(cmdline):
    """service | wrapper (a service's `dotnet run`) | apphost | apphost-run | dcp-* | dashboard | build | other"""
    if any(s in cmdline for s in BUILD_SERVERS):
        return "build"
    first = cmdline.split(" ", 1)[0]
    if first.endswith("/dcp") or first == "dcp":
        parts = cmdline.split()
        return "dcp-" + (parts[1] if len(parts) > 1 else "?")
    if "Aspire.Dashboard" in first:
        return "dashboard"
    for service in SERVICES:
        if first.endswith("/" + service) or first.endswith(service + ".dll") or (first.endswith("dotnet") and f"/{service}.dll" in cmdline):
            return "service"
        if f"/{service}.csproj" in cmdline:
            return "wrapper"
    if "RandomDemo.AppHost" in first or (first.endswith("dotnet") and "RandomDemo.AppHost.dll" in cmdline):
        return "apphost"
    if "RandomDemo.AppHost" in cmdline:
        return "apphost-run"
    return "other"


def marked(mark):
    """pid -> (kind, cmdline) of the live (not zombie) processes carrying the mark."""
    needle = b"RANDOMDEMO_BENCH_MARK=" + mark.encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        found[int(entry)] = (kind_of(cmdline), cmdline)
    return found


def listening_fixed_ports():
    out = subprocess.run(["ss", "-Htln"], capture_output=True, text=True, check=False).stdout
    ports = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            try:
                ports.add(int(fields[3].rsplit(":", 1)[1]))
            except ValueError:
                pass
    return sorted(ports & FIXED_PORTS)


def cmd_launch(args):
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    try:
        os.setsid()
    except PermissionError:
        pass  # already a process group leader (e.g. started by setsid): its group is its own
    with open(args.pidfile, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.execvp(args.command[0], args.command)


def cmd_pids(args):
    for pid, (kind, cmdline) in sorted(marked(args.mark).items()):
        if args.kind is None or kind == args.kind or (args.kind.endswith("*") and kind.startswith(args.kind[:-1])):
            print(pid, kind, cmdline[:300])


def cmd_kill(args):
    for _ in range(3):
        procs = {p: v for p, v in marked(args.mark).items() if v[0] != "build"}
        if not procs:
            return
        for pid in procs:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.3)


def cmd_sample(args):
    ticks = os.sysconf("SC_CLK_TCK")
    with open(args.outfile, "a") as out:
        while True:
            try:
                with open(f"/proc/{args.pid}/status") as f:
                    rss = next(line.split()[1] for line in f if line.startswith("VmRSS:"))
                with open(f"/proc/{args.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, StopIteration):
                return 0
            cpu = (int(fields[11]) + int(fields[12])) / ticks
            out.write(f"{time.time():.3f} {rss} {cpu:.2f}\n")
            out.flush()
            time.sleep(args.interval)


def cmd_startup(args):
    started = number = None
    offset = 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if started is None:
            with open(args.log, "rb") as f:
                f.seek(offset)
                chunk = f.read()
            if b"Distributed application started" in chunk:
                started = time.time() * 1000 - args.since_ms
            offset += max(0, len(chunk) - 64)  # a line split across reads is still found
        try:
            with urllib.request.urlopen(args.url, timeout=2) as response:
                if response.status == 200:
                    number = time.time() * 1000 - args.since_ms
                    break
        except OSError:
            pass
        try:
            os.killpg(args.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    if started is None and number is not None:
        with open(args.log, "rb") as f:
            if b"Distributed application started" in f.read():
                started = number
    fmt = lambda ms: "nan" if ms is None else str(int(ms))
    print(fmt(started), fmt(number))
    return 0


def cmd_watch(args):
    procs = {p: v for p, v in marked(args.mark).items() if v[0] != "build"}
    state_before = os.stat(args.state_file).st_mtime_ns if args.state_file and os.path.exists(args.state_file) else None
    signal_wall_ns = time.time_ns()
    t0 = time.monotonic()
    if args.signal == "INT":
        os.killpg(args.pid, signal.SIGINT)
    else:
        apphost = [p for p, (kind, _) in procs.items() if kind == "apphost"]
        if not apphost:
            sys.exit("no AppHost process found")
        os.kill(apphost[0], signal.SIGKILL)
    alive = dict(procs)
    gone = {}
    ports_free_at = None
    deadline = t0 + args.timeout
    while alive or ports_free_at is None:
        now = marked(args.mark)
        t = time.monotonic() - t0
        for pid in list(alive):
            if pid not in now:
                kind, cmdline = alive.pop(pid)
                gone[pid] = (t, kind, cmdline)
                print(f"  {t:6.3f} s  gone {pid:>7} {kind:<20} {cmdline[:110]}", flush=True)
        if ports_free_at is None and not listening_fixed_ports():
            ports_free_at = t
            print(f"  {t:6.3f} s  fixed ports free", flush=True)
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)

    def last(kinds):
        times = [t for t, kind, _ in gone.values() if kinds(kind)]
        return max(times) if times else float("nan")

    services = last(lambda k: k == "service")
    wrappers = last(lambda k: k in ("service", "wrapper"))
    apphost = last(lambda k: k in ("apphost", "apphost-run"))
    dashboard = last(lambda k: k == "dashboard")
    everything = max([t for t, _, _ in gone.values()] + [ports_free_at or 0.0])
    state_after = os.stat(args.state_file).st_mtime_ns if args.state_file and os.path.exists(args.state_file) else None
    state_written = state_after is not None and state_after > signal_wall_ns and state_after != state_before
    left = " ".join(f"{p}:{kind}" for p, (kind, _) in alive.items()) or "none"
    ports = "free" if ports_free_at is not None else ",".join(map(str, listening_fixed_ports()))
    print(f"RESULT shutdown signal={args.signal} services_s={services:.3f} wrappers_s={wrappers:.3f} apphost_s={apphost:.3f} "
          f"dashboard_s={dashboard:.3f} all_s={everything:.3f} ports_free_s={ports_free_at if ports_free_at is not None else float('nan'):.3f} "
          f"state_written={'yes' if state_written else 'no'} left={left} ports={ports} processes={len(procs)}")
    return 0 if not alive and ports_free_at is not None else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command_name", required=True)
    p = sub.add_parser("launch")
    p.add_argument("pidfile")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p = sub.add_parser("pids")
    p.add_argument("mark")
    p.add_argument("--kind")
    p = sub.add_parser("kill")
    p.add_argument("mark")
    p = sub.add_parser("sample")
    p.add_argument("pid", type=int)
    p.add_argument("outfile")
    p.add_argument("--interval", type=float, default=0.5)
    p = sub.add_parser("startup")
    p.add_argument("log")
    p.add_argument("url")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--since-ms", type=float, required=True)
    p.add_argument("--timeout", type=float, default=90)
    p = sub.add_parser("watch")
    p.add_argument("mark")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--signal", choices=["INT", "KILL"], required=True)
    p.add_argument("--state-file")
    p.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    handler = {"launch": cmd_launch, "pids": cmd_pids, "kill": cmd_kill, "sample": cmd_sample, "startup": cmd_startup, "watch": cmd_watch}[args.command_name]
    sys.exit(handler(args) or 0)


if __name__ == "__main__":
    main()
