"""Shared helpers for the benchmarks: timing, peers measured in lockstep, machine facts.

Every benchmark times numjax and its peers (hand-written NumPy, real JAX, autograd) in the same
run and reports ratios. Samples are taken in turn — numjax, NumPy, JAX, numjax, NumPy, JAX, ...
— and each contender's best sample is kept, so a burst of load from other processes on a
shared machine hits every contender alike. A peer that is not importable here runs in a
subprocess of the Python that has it (`NUMJAX_BENCH_PEER_PYTHON`, default
/tmp/jaxenv/bin/python) that takes one command per line ("time <name> <n>": run a function n
times and print the seconds per call), so its samples interleave with ours all the same.
"""
from __future__ import annotations

import ctypes
import glob
import importlib.util
import os
import platform
import random
import subprocess
import sys
import time

PEER_PYTHON = os.environ.get("NUMJAX_BENCH_PEER_PYTHON", "/tmp/jaxenv/bin/python")

# Runs in a peer subprocess after the peer's snippet (which defines FNS = {name: fn} and
# FIRST = {name: make}, make() returning a fresh zero-argument call to time once).
_SERVER = r"""
import sys as _sys, time as _time
print("READY", flush=True)
for _line in _sys.stdin:
  _cmd = _line.split()
  if not _cmd or _cmd[0] == "quit":
    break
  if _cmd[0] == "time":
    _fn, _n = FNS[_cmd[1]], int(_cmd[2])
    _t0 = _time.perf_counter()
    for _ in range(_n):
      _fn()
    print(repr((_time.perf_counter() - _t0) / _n), flush=True)
  elif _cmd[0] == "first":
    _call = FIRST[_cmd[1]]()
    _t0 = _time.perf_counter()
    _call()
    print(repr(_time.perf_counter() - _t0), flush=True)
"""


def importable(name: str) -> bool:
  try:
    return importlib.util.find_spec(name) is not None
  except (ImportError, ValueError):
    return False


class Peer:
  """A peer library's benchmark functions (`FNS`, `FIRST` defined by `snippet`), in this
  process when `module` imports here, else in a PEER_PYTHON subprocess; `ok` is False when
  neither has it (its columns then read "n/a")."""

  def __init__(self, module: str, snippet: str):
    self.module, self.proc, self.ok = module, None, False
    self.fns: dict = {}
    self.firsts: dict = {}
    if importable(module):
      ns: dict = {"__name__": "__peer__"}
      exec(compile(snippet, f"<peer {module}>", "exec"), ns)
      self.fns, self.firsts, self.ok = ns["FNS"], ns.get("FIRST", {}), True
      return
    if not os.path.exists(PEER_PYTHON):
      return
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    self.proc = subprocess.Popen([PEER_PYTHON, "-c", snippet + "\n" + _SERVER], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, bufsize=1)
    line = self.proc.stdout.readline()
    if line.strip() != "READY":
      err = self.proc.stderr.read().strip().splitlines()[-1:]
      print(f"  [{module} peer failed to start: {err}]")
      self.close()
      return
    self.ok = True

  def _ask(self, cmd: str) -> float | None:
    if not self.ok:
      return None
    if self.proc is None:
      kind, name, *n = cmd.split()
      if kind == "first":
        call = self.firsts[name]()
        t0 = time.perf_counter()
        call()
        return time.perf_counter() - t0
      fn, n = self.fns[name], int(n[0])
      t0 = time.perf_counter()
      for _ in range(n):
        fn()
      return (time.perf_counter() - t0) / n
    self.proc.stdin.write(cmd + "\n")
    self.proc.stdin.flush()
    line = self.proc.stdout.readline()
    if not line:
      print(f"  [{self.module} peer died: {self.proc.stderr.read().strip().splitlines()[-1:]}]")
      self.close()
      return None
    return float(line)

  def timer(self, name: str) -> "Remote | None":
    """The peer's function `name` as a contender for best_times (None if the peer is missing)."""
    return Remote(lambda n: self._ask(f"time {name} {n}")) if self.ok else None

  def first(self, name: str) -> "Remote | None":
    """The peer's first-call measurement `name` as a contender for first_call_times."""
    return Remote(lambda: self._ask(f"first {name}")) if self.ok else None

  def close(self):
    if self.proc is not None:
      try:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=10)
      except Exception:
        self.proc.kill()
      self.proc = None
    self.ok = False

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.close()


class Remote:
  """A contender measured elsewhere: `measure(n)` returns seconds per call (or `measure()` the
  seconds of one first call), or None if the peer died."""

  def __init__(self, measure):
    self.measure = measure


def _local_sampler(fn):
  def sample(n):
    t0 = time.perf_counter()
    for _ in range(n):
      fn()
    return (time.perf_counter() - t0) / n
  return sample


def best_times(contenders: dict, quick: bool = False, budget: float | None = None,
               max_repeat: int = 200, min_repeat: int = 5) -> dict:
  """{name: seconds per call}, the best sample of each contender, samples taken in turn.

  `contenders` maps names to zero-argument functions (run here) or samplers from
  `Peer.timer` (None: the peer is missing, reported as None). A sample times one call, or a
  batch of calls lasting ~200 µs for fast functions, so the timer's own cost stays small; the
  order in which contenders take their samples is shuffled every round."""
  budget = (0.3 if quick else 2.0) if budget is None else budget
  plan = {}
  for name, c in contenders.items():
    if c is None:
      continue
    sample = c.measure if isinstance(c, Remote) else _local_sampler(c)
    if sample(1) is None:  # warm-up (and a dead peer)
      continue
    single = max(sample(1) or 0.0, 1e-7)
    number = max(1, int(2e-4 / single))
    plan[name] = (sample, number, single * number)
  best = {name: None for name in contenders}
  if not plan:
    return best
  cycle = sum(p[2] for p in plan.values())
  repeat = int(min(max_repeat, max(min_repeat, budget / cycle)))
  order = list(plan)
  rng = random.Random(0)
  for _ in range(repeat):
    # A new order every round: a peer's runtime threads may still spin briefly after its
    # sample, which must not always land on the same contender's next sample.
    rng.shuffle(order)
    for name in order:
      sample, number, _ = plan[name]
      t = sample(number)
      if t is not None and (best[name] is None or t < best[name]):
        best[name] = t
  return best


def best_time(fn, quick: bool = False, budget: float | None = None) -> float:
  """Seconds per call of fn() (see best_times)."""
  return best_times({"fn": fn}, quick, budget)["fn"]


def first_call_times(contenders: dict, trials: int = 5, settle: float = 0.3) -> dict:
  """{name: median seconds of a first call}: `contenders` maps names to make() -> a fresh
  zero-argument call (run here), or to `Peer.first` timers; trials are taken in turn."""
  times: dict = {name: [] for name in contenders}
  for _ in range(trials):
    for name, c in contenders.items():
      if c is None:
        continue
      if isinstance(c, Remote):
        t = c.measure()
        time.sleep(settle)  # let the peer's compiler threads go idle before the next trial
      else:
        call = c()
        t0 = time.perf_counter()
        call()
        t = time.perf_counter() - t0
      if t is not None:
        times[name].append(t)
  return {name: sorted(ts)[len(ts) // 2] if ts else None for name, ts in times.items()}


def peer_version(module: str) -> str:
  code = f"import importlib.metadata as m; print(m.version({module!r}))"
  if importable(module):
    import importlib.metadata
    return importlib.metadata.version(module)
  if os.path.exists(PEER_PYTHON):
    out = subprocess.run([PEER_PYTHON, "-c", code], capture_output=True, text=True)
    if out.returncode == 0:
      return out.stdout.strip() + " (subprocess)"
  return "not installed"


# ----------------------------------------------------------------------------------------------
# Machine facts
# ----------------------------------------------------------------------------------------------
def blas_kernel() -> str:
  """Which OpenBLAS kernel NumPy runs: threadpoolctl if installed, else NumPy's bundled
  OpenBLAS asked directly, else 'unknown'."""
  try:
    from threadpoolctl import threadpool_info
    for info in threadpool_info():
      if info.get("internal_api") == "openblas":
        return (f"{info.get('architecture')} (OpenBLAS {info.get('version')}, "
                f"{info.get('num_threads')} threads; threadpoolctl)")
  except Exception:
    pass
  try:
    import numpy
    libdir = os.path.join(os.path.dirname(numpy.__file__), "..", "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*")):
      lib = ctypes.CDLL(path)
      for prefix in ("scipy_openblas_", "openblas_"):
        for suffix in ("64_", ""):
          core = getattr(lib, f"{prefix}get_corename{suffix}", None)
          if core is None:
            continue
          core.restype = ctypes.c_char_p
          threads = getattr(lib, f"{prefix}get_num_threads{suffix}")
          threads.restype = ctypes.c_int
          return f"{core().decode()} ({threads()} threads; asked NumPy's bundled OpenBLAS)"
  except Exception:
    pass
  return "unknown"


def _openblas_lib():
  import numpy
  libdir = os.path.join(os.path.dirname(numpy.__file__), "..", "numpy.libs")
  for path in glob.glob(os.path.join(libdir, "*openblas*")):
    lib = ctypes.CDLL(path)
    for prefix in ("scipy_openblas_", "openblas_"):
      for suffix in ("64_", ""):
        if hasattr(lib, f"{prefix}get_num_threads{suffix}"):
          return lib, prefix, suffix
  return None


class blas_threads:
  """`with blas_threads(1):` NumPy's OpenBLAS runs single-threaded inside the block
  (threadpoolctl when installed, else NumPy's bundled OpenBLAS directly; a no-op if neither)."""

  def __init__(self, n: int):
    self.n, self.restore = n, None

  def __enter__(self):
    try:
      from threadpoolctl import threadpool_limits
      self.restore = threadpool_limits(self.n, user_api="blas")
      return self
    except Exception:
      pass
    found = _openblas_lib()
    if found is not None:
      lib, prefix, suffix = found
      get = getattr(lib, f"{prefix}get_num_threads{suffix}")
      get.restype = ctypes.c_int
      set_ = getattr(lib, f"{prefix}set_num_threads{suffix}")
      old = get()
      set_(ctypes.c_int(self.n))
      self.restore = lambda: set_(ctypes.c_int(old))
    return self

  def __exit__(self, *exc):
    if self.restore is None:
      return
    if callable(self.restore):
      self.restore()
    else:
      self.restore.restore_original_limits()


def machine() -> dict:
  cpu = platform.processor() or "unknown"
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          cpu = line.split(":", 1)[1].strip()
          break
  except OSError:
    pass
  import numpy
  env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if k in os.environ}
  return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
          "numpy": numpy.__version__, "blas_kernel": blas_kernel(), "blas_env": env,
          "jax": peer_version("jax"), "autograd": peer_version("autograd")}


def print_machine_once():
  if getattr(sys.modules[__name__], "_printed", False):
    return
  m = machine()
  print(f"machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']}; "
        f"OpenBLAS kernel: {m['blas_kernel']}; jax {m['jax']}; autograd {m['autograd']}")
  if m["blas_env"]:
    print(f"  warning: {m['blas_env']} set: the kernel may not be the one the CPU would get "
          "(run `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE numjax bench`)")
  sys.modules[__name__]._printed = True


# ----------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------
def fmt_time(t: float | None) -> str:
  if t is None:
    return "n/a"
  if t < 1e-3:
    return f"{t * 1e6:.1f} µs"
  if t < 1:
    return f"{t * 1e3:.2f} ms"
  return f"{t:.2f} s"


class Table:
  """Rows of timings per implementation, with ratio targets checked and printed."""

  def __init__(self, title: str, columns=("numjax", "numpy", "jax", "autograd")):
    self.title = title
    self.columns = list(columns)
    self.rows: list[dict] = []

  def add(self, name: str, times: dict, targets=()):
    """targets: (a, b, bound, text): the ratio times[a] / times[b], which should be <= bound
    (bound None: a ratio shown for information)."""
    checks = []
    for a, b, bound, text in targets:
      ta, tb = times.get(a), times.get(b)
      if ta is None or tb is None:
        checks.append((text, None, None))
        continue
      ratio = ta / tb
      checks.append((text, ratio, None if bound is None else ratio <= bound))
    self.rows.append({"name": name, "times": dict(times), "checks": checks})

  def print(self):
    w = max([len(r["name"]) for r in self.rows] + [10])
    head = f"{'workload':<{w}}  " + "  ".join(f"{c:>11}" for c in self.columns)
    print(f"\n{self.title}\n{head}")
    for r in self.rows:
      print(f"{r['name']:<{w}}  " + "  ".join(f"{fmt_time(r['times'].get(c)):>11}"
                                               for c in self.columns))
      for text, ratio, ok in r["checks"]:
        if ratio is None:
          print(f"{'':<{w}}    {text}: n/a (peer missing)")
        else:
          verdict = "" if ok is None else " ok" if ok else " MISSED"
          print(f"{'':<{w}}    {text}: {ratio:.2f}{verdict}")
    return self.rows


# ----------------------------------------------------------------------------------------------
# Where a jitted call's time goes
# ----------------------------------------------------------------------------------------------
def jit_profile(jitted, args, quick: bool = False, top: int = 8) -> dict:
  """Split one jitted call into the call path and the generated body, and time each line of
  the body (best of many runs each). `jitted` must have been called with `args` already."""
  from numjax._src import codegen
  from numjax._src.array import Array
  import numjax

  entry = next(iter(jitted._cache.values()))
  leaves = [l._value if type(l) is Array else l for l in numjax.tree_util.tree_leaves(args)]
  raw = codegen.compile_jaxpr(entry.optimized)
  g = codegen._Generated(entry.optimized)
  src = [f"def timed({', '.join(g.args)}):", "  _pc = _perf_counter"]
  if g.quiet:
    src.append("  _t = _quiet_on()")
  for i, line in enumerate(g.lines):
    src += ["  _s = _pc()", f"  {line}", f"  _d = _pc() - _s",
            f"  if _d < _T[{i}]: _T[{i}] = _d"]
  if g.quiet:
    src.append("  _quiet_off(_t)")
  src.append(f"  return [{', '.join(g.results)}]")
  env = dict(g.env, _perf_counter=time.perf_counter, _T=[1e9] * len(g.lines))
  exec("\n".join(src), env)
  runs = 20 if quick else 200
  for _ in range(runs):
    env["timed"](*leaves)
  best = best_times({"call": lambda: jitted(*args), "body": lambda: raw(*leaves)}, quick)
  call, body = best["call"], best["body"]
  lines = sorted(zip(env["_T"], g.lines), key=lambda t: -t[0])
  out = {"call": call, "body": body, "overhead": call - body, "eqns": len(g.lines),
         "lines": lines[:top], "lines_total": sum(env["_T"])}
  path = (f"call path {fmt_time(call - body)} (argument checks, unwrap, wrap outputs)"
          if call - body > 0.01 * call else "call path within timing noise")
  print(f"  profile: call {fmt_time(call)} = generated body {fmt_time(body)} "
        f"({len(g.lines)} lines) + {path}; slowest lines (best of {runs} runs each):")
  for t, line in lines[:top]:
    print(f"    {fmt_time(t):>10}  {line.split('  #')[0][:100]}")
  return out
