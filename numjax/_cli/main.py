"""The `numjax` command: `numjax tour` walks the tutorials; `numjax bench` runs benchmarks."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(prog="numjax", description=__doc__)
  sub = parser.add_subparsers(dest="cmd", required=True)
  tour = sub.add_parser("tour", help="guided tour of the JAX autodiff tutorials, run on numjax")
  tour.add_argument("--section", help="run only sections whose title contains this text")
  tour.add_argument("--list", action="store_true", help="list the sections and exit")
  tour.add_argument("--out", default="tour_output", help="folder for the tour's plots")
  bench = sub.add_parser("bench", help="run the benchmarks (ratios against peers)")
  bench.add_argument("names", nargs="*", help="benchmark names (default: all)")
  bench.add_argument("--quick", action="store_true", help="fewer repetitions")
  args = parser.parse_args(argv)
  if args.cmd == "tour":
    from numjax._cli import tour as tour_mod
    return tour_mod.run(section=args.section, list_only=args.list, out_dir=args.out)
  from numjax._cli import bench as bench_mod
  return bench_mod.run(args.names, quick=args.quick)


if __name__ == "__main__":
  sys.exit(main())
