"""Run every benchmark in turn and print each one's report (``make bench``).

The results belong in docs/benchmarks.md with the machine and the date. Each benchmark also runs on its own; see
its docstring for options. Expect about half an hour on a 2-core machine, most of it the 100k-passage corpus.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["knowledge_bench.py", "slack_latency.py", "mail_sync.py", "nudges_benchmark.py"]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name}", flush=True)
        if subprocess.call([sys.executable, str(HERE / name)], cwd=HERE.parent) != 0:
            failed.append(name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
