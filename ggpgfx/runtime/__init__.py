"""Executors (local threads, Ray actors), channels, clock and metrics."""
