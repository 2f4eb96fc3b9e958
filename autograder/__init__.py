"""Grading engine, course tooling (build, release, export) and hidden suites."""
