"""Benchmarks: reproducible timing of rrmm's hot paths (not part of the test pass/fail)."""
