"""Benchmarks: they print numbers; no test ever times anything."""
