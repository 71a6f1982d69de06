"""Benchmark scripts: they write results, they never assert timings."""
