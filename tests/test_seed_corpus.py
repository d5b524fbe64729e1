"""The specification: every cell of the two seed tutorials, scored against JAX's real outputs.

Runs ../shared/spec/runner.py on numjax (as `jax`). Cells listed in KNOWN_FAILING are the
features still being built; every other cell must reproduce JAX's output, and a known-failing
cell that starts passing must be removed from the list (so the score only ratchets up).
"""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(os.path.dirname(ROOT), "shared", "spec")

# (document, cell index) -> what is missing.
KNOWN_FAILING: dict = {}  # every cell passes; keep it that way


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory):
  runner = os.path.join(SPEC, "runner.py")
  if not os.path.exists(runner):
    pytest.skip("../shared/spec (the seed corpus) is not beside this checkout")
  out = tmp_path_factory.mktemp("corpus") / "results.json"
  proc = subprocess.run(
      [sys.executable, runner, os.path.join(SPEC, "seed_corpus.json"), "--impl", "numjax",
       "--impl-path", ROOT, "--python", sys.executable, "-j", "2", "--timeout", "60", "-q",
       "--json", str(out)],
      capture_output=True, text=True, timeout=900, cwd=str(out.parent))
  assert out.exists(), proc.stdout + proc.stderr
  data = json.loads(out.read_text())
  return {(d["name"], c["index"]): c for d in data["documents"] for c in d["cells"]}


def test_every_cell_matches_jax_except_known(corpus_results):
  failures = []
  for key, cell in sorted(corpus_results.items()):
    if cell["status"] != "pass" and key not in KNOWN_FAILING:
      cand = cell.get("candidate") or {}
      exc = cand.get("exception")
      why = f"{exc['type']}: {exc['message'][:200]}" if exc else cell["status"]
      failures.append(f"{key[0]} cell {key[1]}: {why}")
  assert not failures, "cells that no longer match JAX:\n" + "\n".join(failures)


def test_known_failures_are_still_failing(corpus_results):
  fixed = [f"{k[0]} cell {k[1]} ({why})" for k, why in KNOWN_FAILING.items()
           if corpus_results.get(k, {}).get("status") == "pass"]
  assert not fixed, "now passing; remove from KNOWN_FAILING:\n" + "\n".join(fixed)
