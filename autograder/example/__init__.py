"""Grading suite of the practice homework `example` (exercises the engine)."""
from autograder.engine import Suite

SUITE = Suite(
    homework="example",
    title="Practice: a scaling layer",
    parts={"1": "scale layer", "2": "row means"},
    probes=("probes.py",),
    manual_points={"example-written-da_sum": ("1", 1)},
)

# -- for the course's shared tooling (autograder/engine/registry.py) ---------------------------
# no data, no kernel switches, no kept variants; its samples and notebook generator are found by name
CLI_TARGET_S = 1.0  # benchmarks/speed.py: course grade of one sample, --jobs 1, quiet 2-core machine
# the submissions the throughput benchmarks (grade_bench, scale, sandbox_bench) grade in turn
BENCH_SUBMISSIONS = ("solutions/example", "tests/fixtures/example/buggy_factor",
                     "tests/fixtures/example/returns_input", "tests/fixtures/example/wrong_shape",
                     "tests/fixtures/example/mutates_input")
# the README's homework table (course list --markdown)
SUMMARY = "a tiny practice homework that exercises the engine"
