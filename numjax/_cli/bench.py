"""`numjax bench`: run the benchmarks in benchmarks/ (ratios against peers in the same run)."""
from __future__ import annotations

import importlib.util
import os
import sys


def _bench_dir() -> str:
  here = os.path.dirname(os.path.abspath(__file__))
  return os.path.join(os.path.dirname(os.path.dirname(here)), "benchmarks")


def run(names, quick: bool = False) -> int:
  bdir = _bench_dir()
  if not os.path.isdir(bdir):
    print("benchmarks/ not found (run from a source checkout)")
    return 1
  files = sorted(f for f in os.listdir(bdir) if f.startswith("bench_") and f.endswith(".py"))
  if names:
    files = [f for f in files if any(n in f for n in names)]
  for f in files:
    spec = importlib.util.spec_from_file_location(f[:-3], os.path.join(bdir, f))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    print(f"\n## {f[:-3]}")
    mod.main(quick=quick)
  return 0
