"""Data tooling: synthetic generators and real-format converters."""
