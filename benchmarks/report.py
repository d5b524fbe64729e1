"""Run every benchmark and print the results as the markdown table of benchmarks/README.md.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/report.py [--quick]
"""
from __future__ import annotations

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import _common as C  # noqa: E402


def main(quick: bool = False) -> None:
  rows = []
  for f in sorted(os.listdir(HERE)):
    if f.startswith("bench_") and f.endswith(".py"):
      spec = importlib.util.spec_from_file_location(f[:-3], os.path.join(HERE, f))
      mod = importlib.util.module_from_spec(spec)
      spec.loader.exec_module(mod)
      print(f"\n## {f[:-3]}")
      rows += mod.main(quick=quick) or []
  m = C.machine()
  print("\n\nMachine: {cpu}, {cores} cores; Python {python}, NumPy {numpy}; OpenBLAS kernel "
        "{blas_kernel}; JAX {jax}; autograd {autograd}.".format(**m))
  if m["blas_env"]:
    print(f"Environment: {m['blas_env']}")
  memory = [r for r in rows if r.get("kind") == "memory"]   # bench_memory's rows
  rows = [r for r in rows if "times" in r]
  print("\n| workload | numjax | NumPy | JAX | autograd | ratios (target) |")
  print("|---|---:|---:|---:|---:|---|")
  for r in rows:
    t = r["times"]
    checks = "; ".join(
        f"{text.split(' (')[0]} **{ratio:.2f}**" + (
            f" ({text.split('(')[1].rstrip(')')}{', ok' if ok else ', missed'})"
            if ok is not None else "")
        for text, ratio, ok in r["checks"] if ratio is not None)
    print(f"| {r['name']} | {C.fmt_time(t.get('numjax'))} | {C.fmt_time(t.get('numpy'))} | "
          f"{C.fmt_time(t.get('jax'))} | {C.fmt_time(t.get('autograd'))} | {checks} |")
  if memory:
    print("\n| workload | calls | time/call | RSS after warm-up → end | RSS growth / call | "
          "tracemalloc growth / call | flat |")
    print("|---|---:|---:|---|---:|---:|---|")
    for r in memory:
      (n0, r0), (n1, r1) = r["rss"][0], r["rss"][-1]
      print(f"| {r['name']} | {n1:,} | {r['us_per_call']:.0f} µs | {r0 / 2**20:.1f} MiB "
            f"({n0:,} calls) → {r1 / 2**20:.1f} MiB | {r['rss_per_call']:+.1f} B | "
            f"{r['traced_per_call']:+.2f} B | {'yes' if r['flat'] else '**no**'} |")


if __name__ == "__main__":
  main(quick="--quick" in sys.argv)
