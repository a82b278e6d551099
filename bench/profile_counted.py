"""Where a served portal's counted survey POSTs spend their time: CPU per process, py-spy, and event-loop stalls.

    python bench/profile_counted.py [--mode embedded|scale-out] [--forms 16000] [--seconds 10]
                                    [--py-spy FILE] [--stalls]

Starts a demo-seeded portal as bench_counted.py does (no baseline), fetches `--forms` survey forms (each from its
own address), holds them 9 s, then posts them with ../shared/perf/post_prepared.lua for `--seconds` (every answer
counted) and prints wrk's line and the CPU each kind of process used meanwhile, in % of one core (the portal's
processes, postgres, redis-server, the kernel's workers): CPU per answer = that / POST/s. With `--py-spy FILE` it
records every portal process meanwhile (raw format, 250 Hz; `pip install py-spy`). With `--stalls` each portal
process writes, into the scratch folder it prints, every event-loop step longer than 10 ms and every full garbage
collection, with their times: how issue 28's p99 was traced to the WAL checkpoint and the collector.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_counted import FORM_PATH, drop_database, mode_settings
from bench_submit import PORTAL_PORT, REPO, portal_cmd, portal_env, seed, start, stop, wait_up
from perfdir import perf_dir  # bench/ is on the path when run as a script

STALLS_SITE = '''
import gc, os, threading, time
import asyncio.events as events
T0, STARTED, LOG = time.time(), {}, []
def _collected(phase, info):
    if phase == "start":
        STARTED["t"] = time.perf_counter()
    elif info["generation"] == 2:
        LOG.append(f"{time.time() - T0:8.2f} s  full collection {(time.perf_counter() - STARTED['t']) * 1000:.1f} ms")
gc.callbacks.append(_collected)
_run = events.Handle._run
def _timed(self):
    t = time.perf_counter()
    _run(self)
    spent = time.perf_counter() - t
    if spent > 0.010:
        LOG.append(f"{time.time() - T0:8.2f} s  loop step {spent * 1000:.1f} ms  {self._callback!r:.120}")
events.Handle._run = _timed
def _dump():
    while True:
        time.sleep(2)
        if LOG:
            with open(os.path.join(os.environ["STALLS_DIR"], f"stalls.{os.getpid()}.txt"), "w") as f:
                f.write("\\n".join(LOG) + "\\n")
threading.Thread(target=_dump, daemon=True).start()
'''


def cpu_by_process() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each kind of running process."""
    used: dict[str, float] = collections.defaultdict(float)
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if "-m portal serve" in command or "multiprocessing" in command and "spawn" in command:
            name = "portal"
        elif name.startswith("kworker"):
            name = "kernel workers"
        used[name] += (int(fields[11]) + int(fields[12])) / tick
    return used


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "scale-out"), default="embedded")
    parser.add_argument("--forms", type=int, default=16000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--py-spy", dest="py_spy", metavar="FILE")
    parser.add_argument("--stalls", action="store_true")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    args = parser.parse_args()
    perf = perf_dir()
    scratch = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    database, extra = mode_settings(args.mode, args.redis)
    if args.stalls:
        (scratch / "site").mkdir()
        (scratch / "site" / "sitecustomize.py").write_text(STALLS_SITE)
        extra.update({"PYTHONPATH": f"{scratch / 'site'}{os.pathsep}{REPO}", "STALLS_DIR": str(scratch)})
    env = portal_env(scratch / "var", extra)
    server = None
    try:
        seed(env)
        workers = ["--workers", "2"] if args.mode == "scale-out" else []
        server = start(portal_cmd("serve", "--port", str(PORTAL_PORT), *workers, "--log-level", "warning"), env,
                       log_file=scratch / "portal.log")
        base = f"http://127.0.0.1:{PORTAL_PORT}"
        wait_up(base + FORM_PATH)
        forms = scratch / "forms.tsv"
        subprocess.run([sys.executable, str(perf / "prefetch_forms.py"), base, FORM_PATH, str(args.forms), str(forms),
                        "8"], check=True, stdout=subprocess.DEVNULL)
        time.sleep(9)  # every answer counted: held longer than the minimum reading time
        spy = None
        if args.py_spy:
            spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--subprocesses", "-r", "250",
                                    "-d", str(args.seconds), "-f", "raw", "-o", args.py_spy, "--nonblocking"])
        started, before = time.time(), cpu_by_process()
        posted = subprocess.run(["wrk", "-t8", "-c8", f"-d{args.seconds}s", "-s", str(perf / "post_prepared.lua"),
                                 base], env={**os.environ, "FORMS": str(forms), "WRK_THREADS": "8",
                                             "FORM_PATH": FORM_PATH}, capture_output=True, text=True, check=True)
        after, elapsed = cpu_by_process(), time.time() - started
        print(f"mode {args.mode}: {posted.stdout.strip().splitlines()[-1]}")
        for name, seconds in sorted(((n, after[n] - before.get(n, 0)) for n in after), key=lambda x: -x[1])[:8]:
            print(f"  {name:24s} {100 * seconds / elapsed:6.1f} % of a core")
        if spy is not None:
            spy.wait()
        if args.stalls:
            time.sleep(2.5)
            print(f"event-loop stalls and full collections: {scratch}/stalls.*.txt")
    finally:
        if server is not None:
            stop(server)
        drop_database(database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
