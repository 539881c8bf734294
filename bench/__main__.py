"""`make bench`: every benchmark at one scale, one after the other, and one table of them all.

    .venv/bin/python -m bench                   # 100,000 organisations (the default scale)
    .venv/bin/python -m bench --quick           # a smoke run: 2,000 organisations, in CI
    .venv/bin/python -m bench --scale 20000 --only crm_pages,revenue

Each benchmark runs as its own process (`python -m bench.<name>`) against its own PostgreSQL
database on the server of BENCH_DATABASE_SERVER (default the local one; the newsletter's
workers meet on the Redis of BENCH_BROKER_URL, default database 12 of the local one), named for the
scale so that a rerun at the same scale reuses what an earlier run seeded:
- kavshiri_bench_s<N>: the main data (bench.seed: N organisations, 3N people, 10N
  interactions, N invoices), read by bench.seed (seed_demo's rate), bench.crm_pages,
  bench.importing and bench.revenue, which leave it as they found it;
- kavshiri_bench_s<N>_directory: bench.directory's organisations, with every sharing choice;
- kavshiri_bench_s<N>_newsletter: bench.newsletter's audience and ledger.

Each benchmark prints its own table as it goes and writes its JSON under bench/results/.
At the end this driver reads those files back and prints one table of every figure, its
baseline, the ratio and the target, and writes it to bench/results/all-<UTC time>.json;
`--readme` also writes it, as Markdown with the date and machine, into README.md between
the `bench:start` and `bench:end` markers. A missed target is information (exit 0); a
benchmark that cannot run or whose baseline disagrees with the code exits 1, and so does
this driver, after running the others.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import RESULTS_DIR, git_revision

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
# Redis database 12: CI's test run uses 13 (cache) and 14 (broker).
DEFAULT_BROKER = "redis://127.0.0.1:6379/12"
DEFAULT_SCALE = 100_000
QUICK_SCALE = 2_000
NEWSLETTER_RECIPIENTS = 10_000
QUICK_NEWSLETTER_RECIPIENTS = 500
IMPORT_ROWS = 10_000
QUICK_IMPORT_ROWS = 500
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


@dataclass(frozen=True)
class Benchmark:
    name: str
    database_suffix: str  # "" for the main data
    arguments: tuple[str, ...]
    needs_redis_broker: bool = False  # its Celery workers are real processes


def benchmarks_planned(*, scale: int, quick: bool) -> list[Benchmark]:
    """In order: the main data is seeded first, by bench.seed, and read by the next three."""
    recipients = QUICK_NEWSLETTER_RECIPIENTS if quick else NEWSLETTER_RECIPIENTS
    import_rows = QUICK_IMPORT_ROWS if quick else IMPORT_ROWS
    timing = ("--warmup", "1", "--repeats", "5") if quick else ()
    organisations = ("--organisations", str(scale))
    return [
        Benchmark("seed", "", organisations),
        Benchmark("crm_pages", "", (*organisations, *timing)),
        Benchmark("revenue", "", ("--invoices", str(scale), *timing)),
        Benchmark("importing", "", (*organisations, "--rows", str(import_rows), *timing)),
        Benchmark("directory", "_directory", (*organisations, *timing)),
        Benchmark(
            "newsletter",
            "_newsletter",
            ("--recipients", str(recipients), *(("--runs", "5") if quick else ())),
            needs_redis_broker=True,
        ),
    ]


# -- running -------------------------------------------------------------------------------------
@dataclass
class Ran:
    benchmark: Benchmark
    exit_code: int
    seconds: float
    results_path: Path | None


def run_one(benchmark: Benchmark, *, scale: int, server: str) -> Ran:
    database = f"kavshiri_bench_s{scale}{benchmark.database_suffix}"
    env = {**os.environ, "DATABASE_URL": f"{server.rstrip('/')}/{database}"}
    if benchmark.needs_redis_broker:
        env["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER)
    command = [sys.executable, "-m", f"bench.{benchmark.name}", *benchmark.arguments]
    print(f"\n=== bench.{benchmark.name} on {database}: {' '.join(command[1:])}", flush=True)
    started_at = time.time()
    started = time.monotonic()
    exit_code = subprocess.run(command, env=env, cwd=ROOT, check=False).returncode
    seconds = time.monotonic() - started
    print(f"=== bench.{benchmark.name}: exit {exit_code} after {seconds:.0f} s", flush=True)
    return Ran(benchmark, exit_code, seconds, _results_written(benchmark.name, since=started_at))


def _results_written(name: str, *, since: float) -> Path | None:
    """The newest results file this benchmark wrote since it started, if any."""
    written = [
        path
        for path in RESULTS_DIR.glob(f"{name}-*.json")
        if re.fullmatch(rf"{name}-\d{{8}}T\d{{6}}Z", path.stem) and path.stat().st_mtime >= since - 1
    ]
    return max(written, key=lambda path: path.stat().st_mtime, default=None)


# -- the table -----------------------------------------------------------------------------------
@dataclass
class Row:
    benchmark: str
    figure: str
    ours: str
    ours_p95: str
    baseline: str
    ratio: str
    target: str
    met: str


def rows_of(benchmark: str, document: dict) -> list[Row]:
    """Every figure of one benchmark's results file, in words and numbers for the table."""
    rows = [_row(benchmark, result) for result in document["results"]]
    for count in document.get("meta", {}).get("queries_per_request", []):
        rows.append(_queries_row(benchmark, count))
    return rows


def _row(benchmark: str, result: dict) -> Row:
    if "median_ms" in result:  # timed against a baseline: lower is better
        count = result.get("queries")
        queries = "" if count is None else f" ({count} {'query' if count == 1 else 'queries'})"
        return Row(
            benchmark,
            result["name"] + queries,
            f"{result['median_ms']:,.1f} ms",
            f"{result['p95_ms']:,.1f} ms",
            f"{result['baseline_median_ms']:,.1f} ms",
            f"{result['ratio']:.2f}×",
            f"≤ {result['target_ratio']:g}×",
            _verdict(result["met"]),
        )
    if "messages_per_second" in result:  # a throughput: higher is better
        return Row(
            benchmark,
            f"{result['name']} ({result['messages']:,} messages)",
            f"{result['messages_per_second']:,.0f} msg/s",
            f"{result['p95_s']:,.1f} s",
            f"{result['baseline_messages_per_second']:,.0f} msg/s",
            f"{result['ratio']:.2f}×",
            f"≥ {result['target_ratio_at_least']:g}×",
            _verdict(result["met"]),
        )
    if "rows_per_second" in result:  # a rate with no baseline
        return Row(
            benchmark,
            f"{result['name']} ({result['rows']:,} rows)",
            f"{result['rows_per_second']:,.0f} rows/s",
            f"{result['p95_s']:,.1f} s",
            "",
            "",
            "",
            "",
        )
    raise ValueError(f"bench.{benchmark} wrote a result this table cannot read: {sorted(result)}")


def _queries_row(benchmark: str, count: dict) -> Row:
    """A query count at a small and a large page (bench.directory's QueryCount and its kin)."""
    sizes = f"{count['small']} and {count['large']}"
    if "rows_small" in count:
        sizes += f" queries ({count['rows_small']} and {count['rows_large']} rows)"
    return Row(
        benchmark,
        f"queries per request, {count['figure']}",
        sizes,
        "",
        "",
        "",
        "constant",
        _verdict(count["constant"]),
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


HEADERS = ["benchmark", "figure", "ours (median)", "p95", "baseline (median)", "ratio", "target", "met"]


def format_text(rows: list[Row]) -> str:
    cells = [HEADERS, *([*vars(row).values()] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def format_markdown(rows: list[Row], *, heading: str) -> str:
    def line(cells) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    table = [line(HEADERS), line(["---"] * len(HEADERS)), *(line(vars(row).values()) for row in rows)]
    return "\n".join([heading, "", *table])


def machine() -> str:
    """What the figures were taken on, in one line."""
    cpu = ""
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else ""
    except OSError:
        pass
    memory = ""
    try:
        found = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        memory = f", {int(found.group(1)) / 1024**2:.0f} GB" if found else ""
    except OSError:
        pass
    return f"{os.cpu_count()} cores {cpu}{memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def readme_update(markdown: str, *, path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path.name} has no {README_START} … {README_END} markers to write the table between.")
    path.write_text(pattern.sub(lambda _: f"{README_START}\n{markdown}\n{README_END}", text), encoding="utf-8")


# -- the command ---------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--scale", type=int, default=DEFAULT_SCALE, help="Organisations (default 100,000); people 3×, interactions 10×, invoices 1×."
    )
    scale.add_argument("--quick", action="store_true", help=f"A smoke run at {QUICK_SCALE:,} organisations.")
    parser.add_argument("--only", default="", help="Comma-separated benchmarks to run (default: all).")
    parser.add_argument("--readme", action="store_true", help="Write the table into README.md.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    scale = QUICK_SCALE if args.quick else args.scale
    server = os.environ.get("BENCH_DATABASE_SERVER", DEFAULT_SERVER)
    planned = benchmarks_planned(scale=scale, quick=args.quick)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = wanted - {benchmark.name for benchmark in planned}
        if unknown:
            print(f"Unknown benchmark(s): {', '.join(sorted(unknown))}.", file=sys.stderr)
            return 2
        planned = [benchmark for benchmark in planned if benchmark.name in wanted]
    started = time.monotonic()
    taken_at = datetime.now(UTC)
    ran = [run_one(benchmark, scale=scale, server=server) for benchmark in planned]
    total = time.monotonic() - started

    rows, documents = [], {}
    for outcome in ran:
        if outcome.exit_code == 0 and outcome.results_path:
            documents[outcome.benchmark.name] = json.loads(outcome.results_path.read_text(encoding="utf-8"))
            rows += rows_of(outcome.benchmark.name, documents[outcome.benchmark.name])
    failed = [outcome.benchmark.name for outcome in ran if outcome.exit_code != 0 or not outcome.results_path]
    heading = (
        f"Taken {taken_at:%Y-%m-%d %H:%M} UTC at scale {scale:,} on {machine()}, "
        f"revision {git_revision()}; the whole run took {total / 60:.1f} min."
    )
    print(f"\n{heading}\n")
    print(format_text(rows))
    for outcome in ran:
        print(f"bench.{outcome.benchmark.name}: {outcome.seconds:.0f} s" + (" FAILED" if outcome.benchmark.name in failed else ""))
    summary = {
        "taken_at": taken_at.isoformat(timespec="seconds"),
        "scale": scale,
        "quick": args.quick,
        "machine": machine(),
        "git_revision": git_revision(),
        "total_seconds": round(total, 1),
        "seconds": {outcome.benchmark.name: round(outcome.seconds, 1) for outcome in ran},
        "failed": failed,
        "rows": [vars(row) for row in rows],
        "files": {name: str(outcome.results_path) for outcome in ran if (name := outcome.benchmark.name) in documents},
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"all-{taken_at:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Written to {path}.")
    if args.readme:
        readme_update(format_markdown(rows, heading=heading))
        print(f"Table written into {README.name}.")
    if failed:
        print(f"Failed: {', '.join(failed)}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
