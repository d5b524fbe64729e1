"""`numjax tour`: run the JAX autodiff tutorials' cells on numjax, section by section.

The cells are JAX's own code; `import jax` resolves to numjax here. Each cell's code is
shown, then what it printed and the value of its last expression (as a notebook would).
Plots are written to files instead of a window.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.abc
import importlib.util
import io
import os
import re
import sys
import time
import traceback


class _JaxAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
  """Make `jax` and `jax.X` import as `numjax` and `numjax.X`."""

  def find_spec(self, name, path=None, target=None):
    if name == "jax" or name.startswith("jax."):
      return importlib.util.spec_from_loader(name, self)
    return None

  def create_module(self, spec):
    return importlib.import_module("numjax" + spec.name[3:])

  def exec_module(self, module):
    pass


def _strip_magics(code: str) -> str:
  lines = []
  for line in code.splitlines():
    stripped = line.lstrip()
    indent = line[:len(line) - len(stripped)]
    m = re.match(r"%%?(timeit|time)\s+((-\w+\s*\d*\s+)*)(.*)", stripped)
    if m:
      lines.append(indent + m.group(4))
    elif stripped.startswith(("%", "!")):
      continue
    else:
      lines.append(line)
  return "\n".join(lines)


def run_cell(code: str, ns: dict) -> tuple[str, object, BaseException | None]:
  """Execute a cell; return (stdout, value of the last expression or None, exception)."""
  code = _strip_magics(code)
  buf = io.StringIO()
  value = None
  err = None
  try:
    tree = ast.parse(code)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
      last = ast.Expression(tree.body.pop().value)
    with contextlib.redirect_stdout(buf):
      exec(compile(tree, "<cell>", "exec"), ns)
      if last is not None:
        value = eval(compile(last, "<cell>", "eval"), ns)
  except BaseException as e:  # noqa: BLE001 - a tutorial cell may raise on purpose
    err = e
  return buf.getvalue(), value, err


def _plot_hook(out_dir: str):
  try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
  except ImportError:
    return None
  counter = [0]
  original = plt.plot

  def plot(*args, **kwargs):
    lines = original(*args, **kwargs)
    counter[0] += 1
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"plot_{counter[0]:02d}.png")
    plt.savefig(path)
    print(f"[plot saved to {path}]")
    return lines
  plt.plot = plot
  return plt


def run(section: str | None = None, list_only: bool = False, out_dir: str = "tour_output") -> int:
  from numjax._cli.tour_cells import SECTIONS
  if list_only:
    for i, (title, cells) in enumerate(SECTIONS, 1):
      print(f"{i:2d}. {title} ({len(cells)} cells)")
    return 0
  finder = _JaxAlias()
  sys.meta_path.insert(0, finder)
  plt = _plot_hook(out_dir)
  failures = 0
  ns: dict = {"__name__": "__main__"}
  start = time.perf_counter()
  try:
    for i, (title, cells) in enumerate(SECTIONS, 1):
      if section and section.lower() not in title.lower():
        # Later sections rely on names defined earlier: run them quietly.
        for code in cells:
          run_cell(code, ns)
        continue
      print(f"\n{'=' * 78}\n{i}. {title}\n{'=' * 78}")
      for code in cells:
        print("\n" + "\n".join(">>> " + l if l else ">>>" for l in code.splitlines()))
        out, value, err = run_cell(code, ns)
        if plt is not None:
          plt.close("all")  # each cell draws on a fresh figure, as in a notebook
        if out:
          print(out, end="" if out.endswith("\n") else "\n")
        if value is not None:
          print(repr(value))
        if err is not None:
          print(f"{type(err).__name__}: {err}")
          if not _expected_error(code, err):
            failures += 1
  finally:
    sys.meta_path.remove(finder)
  took = time.perf_counter() - start
  print(f"\nTour finished in {took:.1f} s; {failures} cell(s) raised unexpectedly.")
  return 1 if failures else 0


def _expected_error(code: str, err: BaseException) -> bool:
  # The tutorials show two errors on purpose: jvp of a custom_vjp function (caught in the
  # cell) and the old `jnp.vstack` of tuples in the MJP timing cell.
  return isinstance(err, TypeError) and "vstack" in code
