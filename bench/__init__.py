"""Benchmarks: the real service on PostgreSQL, driven over HTTP (`make bench`)."""
