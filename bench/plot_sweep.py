#!/usr/bin/env python3
"""Draws a `linrec bench --sizes ... --json` sweep: bytes per second against elements, one line per
backend and shape, and the roofline each was timed beside (bench.h) as a dashed line of the same
colour. Needs matplotlib (Debian: python3-matplotlib).

    linrec bench --backend serial,openmp --shape '1x*x1:tbc,*x8x1:bct' --sizes 12:26 --json > s.json
    python3 bench/plot_sweep.py s.json docs/sweep.png [--title TEXT]
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def shape_pattern(row):
    """The shape with its growing size written *, so the rows of one sweep share a name."""
    return row.get("sweep") or f'{row["batch"]}x{row["steps"]}x{row["channels"]}'


def series(rows):
    lines = {}
    for row in rows:
        if row["status"] != "success":
            continue
        key = (row["backend"], row["dtype"], row["pass"], row["layout"], shape_pattern(row))
        lines.setdefault(key, []).append(row)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", help="outputs of linrec bench --json")
    parser.add_argument("png", help="the picture to write")
    parser.add_argument("--title", default="linrec bench sweep")
    args = parser.parse_args()
    rows = []
    for path in args.json:
        with open(path) as f:
            rows += json.load(f)
    lines = series(rows)
    if not lines:
        sys.exit("plot_sweep.py: no successful rows in " + ", ".join(args.json))
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for index, (key, points) in enumerate(sorted(lines.items())):
        points.sort(key=lambda r: r["batch"] * r["steps"] * r["channels"])
        sizes = [r["batch"] * r["steps"] * r["channels"] for r in points]
        colour = f"C{index % 10}"
        backend, dtype, direction, layout, shape = key
        ax.plot(sizes, [r["bytes_per_second"] / 1e9 for r in points], "o-", color=colour,
                label=f"{backend} {dtype} {direction} {shape}:{layout}")
        # The roofline kernel moved the scan's bytes in roofline_seconds.
        limits = [(s, r["bytes_per_second"] * r["seconds"] / r["roofline_seconds"] / 1e9)
                  for s, r in zip(sizes, points) if r["roofline_seconds"] > 0]
        if limits:
            ax.plot([s for s, _ in limits], [g for _, g in limits], "--", color=colour,
                    linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("elements (B x T x C)")
    ax.set_ylabel("GB/s moved (solid: scan, dashed: its roofline)")
    ax.set_title(args.title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.png, dpi=110)


if __name__ == "__main__":
    main()
