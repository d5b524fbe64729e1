"""Memory stays flat under long runs of tracing and compiling.

(a) `jit(lambda x, i=i: x * i)(x)` on 10^5 fresh closures (each a new trace + compile; the
    shared trace caches are weak on the function and bounded);
(b) 10^5 calls of one jitted function on inputs cycling through 1280 shapes: more than the
    per-function cache holds (jit._MAX_CACHE = 1024), so every call traces, compiles and
    evicts the oldest entry;
(c) 10^4 eager `grad(lambda x, i=i: jnp.sin(x) * i)(1.)` on fresh closures.

Each workload runs in a fresh subprocess, twice: once measuring the resident set size
(/proc/self/statm; peak: VmHWM) after stages of calls, and once under tracemalloc
(which slows calls ~5x, so with fewer calls) recording the bytes Python has allocated and
still holds (and the peak within each stage). Measurements follow a `gc.collect()`, so they
count what is retained, not garbage awaiting the cycle collector; but garbage in reference
cycles waits for a full collection, which CPython runs rarely while a program keeps many
objects alive, and the RSS it took meanwhile stays with the process: so the RSS run also counts
the objects the cycle collector freed (ideally 0 per call). The first stage is the
warm-up (imports, caches filling up to their bounds); the figure reported is the growth per
call after it, which should be ~0. When it is not, the tracemalloc run prints the allocation
sites that grew (a snapshot diff between the first and the last stage).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/bench_memory.py [--quick]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))  # numjax from this checkout when run as a script
import _common as C  # noqa: E402

CYCLE = 1280  # (b): input shapes (k,) for k = 1 .. CYCLE, called in turn

# Stages (cumulative calls) per workload: {mode: (rss stages, tracemalloc stages)}. (b)'s are
# multiples of CYCLE, so every stage ends with the same shapes in the cache.
STAGES = {
    "a": {"full": ((10**3, 10**4, 3 * 10**4, 10**5), (5000, 8000, 12000)),
          "quick": ((10**3, 3 * 10**3, 10**4), (1000, 2000, 3000))},
    "b": {"full": ((CYCLE, 8 * CYCLE, 24 * CYCLE, 78 * CYCLE), (2 * CYCLE, 5 * CYCLE, 8 * CYCLE)),
          "quick": ((CYCLE, 2 * CYCLE, 6 * CYCLE), (CYCLE, 3 * CYCLE))},
    "c": {"full": ((10**3, 3 * 10**3, 10**4), (10**3, 3 * 10**3, 6 * 10**3)),
          "quick": ((300, 10**3, 3 * 10**3), (300, 600, 1500))},
}

TITLES = {
    "a": "(a) jit(lambda x, i=i: x * i)(x), fresh closures",
    "b": f"(b) one jit, {CYCLE} input shapes cycled (cache bound 1024)",
    "c": "(c) eager grad(lambda x, i=i: sin(x) * i)(1.), fresh closures",
}

# Memory counts as flat when its growth after warm-up is at most this many bytes per call, or
# at most a bounded total: containers that never grow past a bound still resize now and then
# (a 1024-entry cache dict ~75 KB, CPython's free lists, its interned-string table ~2 MB once),
# and a window of a few thousand calls can catch one such step. tracemalloc counts every byte
# Python allocates and still holds; RSS moves in pages and malloc arenas, so its bounds are
# looser (it catches leaks outside Python's allocator too).
FLAT_TRACED, BOUNDED_TRACED = 4.0, 256 * 1024
FLAT_RSS, BOUNDED_RSS = 64.0, 4 * 2**20

# Frames recorded per allocation in the tracemalloc run: 1 names the allocating line; more
# show its callers but slow every call (~1.5x per extra frame).
TRACE_FRAMES = int(os.environ.get("NUMJAX_BENCH_TRACE_FRAMES", "1"))


# ----------------------------------------------------------------------------------------------
# The child process: one workload, one kind of measurement
# ----------------------------------------------------------------------------------------------
def _workload(name):
  import numpy as np
  import numjax as jax
  import numjax.numpy as jnp

  if name == "a":
    x = jnp.ones(8, jnp.float32)

    def step(i):
      jax.jit(lambda x, i=i: x * i)(x)
  elif name == "b":
    f = jax.jit(lambda x: jnp.tanh(x) * 2.0 + 1.0)
    xs = [jnp.asarray(np.ones(k, np.float32)) for k in range(1, CYCLE + 1)]

    def step(i):
      f(xs[i % CYCLE])
  else:
    def step(i):
      jax.grad(lambda x, i=i: jnp.sin(x) * i)(1.0)
  return step


def _rss() -> int:
  with open("/proc/self/statm") as f:
    return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss() -> int:
  """This process's peak RSS: VmHWM (getrusage's ru_maxrss would carry over the parent's peak
  across fork + exec)."""
  try:
    with open("/proc/self/status") as f:
      for line in f:
        if line.startswith("VmHWM:"):
          return int(line.split()[1]) * 1024
  except OSError:
    pass
  import resource
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(name: str, kind: str, quick: bool) -> None:
  import gc
  import time
  import tracemalloc

  rss_stages, tm_stages = STAGES[name]["quick" if quick else "full"]
  step = _workload(name)
  step(0)  # imports and one-time setup happen before the first measurement
  traced = kind == "tracemalloc"
  if traced:
    tracemalloc.start(TRACE_FRAMES)
  cyclic = [0]  # objects the cycle collector freed: reference cycles the calls left behind

  def count_cyclic(phase, info):
    if phase == "stop":
      cyclic[0] += info["collected"]
  gc.collect()
  gc.callbacks.append(count_cyclic)
  n, first_snap, busy = 1, None, 0.0
  for stage in (tm_stages if traced else rss_stages):
    t0 = time.perf_counter()
    while n < stage:
      step(n)
      n += 1
    busy += time.perf_counter() - t0  # the calls' time, without the measurements'
    gc.collect()
    out = {"calls": n, "seconds": busy, "cyclic": cyclic[0]}
    if traced:
      peak = tracemalloc.get_traced_memory()[1]
      if first_snap is None:
        # The filters' caches and the snapshot kept for the diff are allocated before the
        # first reading, so they are in every reading alike (and in no diff).
        warm = tracemalloc.take_snapshot()
        _growth_sites(warm, warm)
        del warm
        first_snap = tracemalloc.take_snapshot()
        gc.collect()
        out["current"] = tracemalloc.get_traced_memory()[0]
      else:
        out["current"] = tracemalloc.get_traced_memory()[0]
        out["growth"] = _growth_sites(first_snap, tracemalloc.take_snapshot())
        gc.collect()
      out["peak"] = peak
      tracemalloc.reset_peak()
    else:
      out["rss"] = _rss()
      out["maxrss"] = _peak_rss()
    print(json.dumps(out), flush=True)


def _growth_sites(before, after, top: int = 4) -> list:
  """The allocation sites whose retained bytes grew most from `before` to `after`."""
  import tracemalloc
  skip = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)]
  diffs = after.filter_traces(skip).compare_to(before.filter_traces(skip), "traceback")
  sites = []
  for d in diffs[:top]:
    if d.size_diff <= 0:
      break
    root = os.path.dirname(HERE)
    frames = [f"{os.path.relpath(fr.filename, root) if fr.filename.startswith(root) else fr.filename}"
              f":{fr.lineno}" for fr in d.traceback]
    sites.append({"bytes": d.size_diff, "count": d.count_diff, "frames": frames[-5:]})
  return sites


# ----------------------------------------------------------------------------------------------
# The parent: run the children, report
# ----------------------------------------------------------------------------------------------
def _run_child(name: str, kind: str, quick: bool) -> list:
  cmd = [sys.executable, os.path.abspath(__file__), "--child", name, kind] + (
      ["--quick"] if quick else [])
  proc = subprocess.run(cmd, capture_output=True, text=True)
  if proc.returncode != 0:
    raise RuntimeError(f"bench_memory child {name} {kind} failed:\n{proc.stderr}")
  return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def _per_call(stages: list, key: str) -> float:
  a, b = stages[0], stages[-1]
  return (b[key] - a[key]) / (b["calls"] - a["calls"])


def _mib(b: float) -> str:
  return f"{b / 2**20:.1f} MiB"


def main(quick: bool = False):
  C.print_machine_once()
  rows = []
  print(f"\nmemory over long runs (after gc.collect(); growth per call after the first stage)")
  for name in ("a", "b", "c"):
    rss = _run_child(name, "rss", quick)
    tm = _run_child(name, "tracemalloc", quick)
    rss_pc, tm_pc = _per_call(rss, "rss"), _per_call(tm, "current")
    tm_total = tm[-1]["current"] - tm[0]["current"]
    rss_total = rss[-1]["rss"] - rss[0]["rss"]
    flat = ((tm_pc <= FLAT_TRACED or tm_total <= BOUNDED_TRACED)
            and (rss_pc <= FLAT_RSS or rss_total <= BOUNDED_RSS))
    us = rss[-1]["seconds"] / (rss[-1]["calls"] - 1) * 1e6
    cyc = rss[-1]["cyclic"] / (rss[-1]["calls"] - 1)
    print(f"\n{TITLES[name]}  ({us:.0f} µs/call; {cyc:.2f} objects/call freed by the cycle "
          "collector)")
    print("  RSS:         " + ", ".join(f"{s['calls']:,} calls {_mib(s['rss'])}" for s in rss)
          + f"; peak {_mib(rss[-1]['maxrss'])}")
    print("  tracemalloc: " + ", ".join(
        f"{s['calls']:,} calls {s['current'] / 1024:.0f} KiB (stage peak {s['peak'] / 1024:.0f} KiB)"
        for s in tm))
    verdict = "flat" if flat else "GROWING"
    print(f"  growth after warm-up: RSS {rss_pc:+.1f} B/call ({rss_total / 1024:+.0f} KiB; "
          f"target <= {FLAT_RSS:g} B/call or {BOUNDED_RSS // 2**20} MiB), tracemalloc "
          f"{tm_pc:+.2f} B/call ({tm_total / 1024:+.0f} KiB; target <= {FLAT_TRACED:g} B/call "
          f"or {BOUNDED_TRACED // 1024} KiB): {verdict}")
    if not flat:
      print(f"    where tracemalloc saw growth ({tm[0]['calls']:,} -> {tm[-1]['calls']:,} calls; "
            "NUMJAX_BENCH_TRACE_FRAMES=8 shows callers):")
      for site in tm[-1].get("growth", []):
        print(f"    +{site['bytes']:,} B in {site['count']:+,} blocks: "
              + " <- ".join(reversed(site["frames"])))
    rows.append({"kind": "memory", "name": TITLES[name], "calls": rss[-1]["calls"],
                 "us_per_call": us, "cyclic_per_call": cyc, "rss": [(s["calls"], s["rss"]) for s in rss],
                 "maxrss": rss[-1]["maxrss"], "rss_per_call": rss_pc,
                 "traced": [(s["calls"], s["current"]) for s in tm],
                 "traced_peak": max(s["peak"] for s in tm[1:]) if len(tm) > 1 else tm[0]["peak"],
                 "traced_per_call": tm_pc, "flat": flat})
  return rows


if __name__ == "__main__":
  if "--child" in sys.argv:
    i = sys.argv.index("--child")
    _child(sys.argv[i + 1], sys.argv[i + 2], "--quick" in sys.argv)
  else:
    main(quick="--quick" in sys.argv)
