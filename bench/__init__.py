"""Benchmarks, each measuring its ceiling in the same run."""
