"""Benchmarks: this library against django-backblaze-b2 7.0.0 and direct b2sdk calls.

``make bench`` (``python -m benchmarks``) runs every scenario in a fresh process per contender,
prints one table and writes ``bench-results/results.json``. See ``docs/benchmarks.md``.
"""
