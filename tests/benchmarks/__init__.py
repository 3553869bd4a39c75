"""Speed at scale, measured side by side with newsboat (issue 7).

Run with `make bench` (or `.venv/bin/python -m tests.benchmarks [--quick] [--only NAME]`);
`make test` never runs these. Every input is generated here from a seed: no shared data.
"""
