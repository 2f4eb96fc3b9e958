#!/usr/bin/env bash
# `make test`: the whole suite in two phases (see tests/conftest.py).
#   1. every test not marked `serial`, on $TEST_JOBS pytest-xdist workers (default: the number
#      of CPUs; the tests of one file go to one worker, so module fixtures are built once;
#      the longest units start first: tests/conftest.py);
#   2. the `serial` tests alone (wall-clock budgets), skipped while tests/conftest.py's
#      SERIAL is empty.
# Extra arguments go to both phases, e.g. `make test PYTEST_ARGS="tests/engine -x"`.
# Exit status: the first failing phase's; 5 (no tests) only when neither phase ran any.
set -u
# the worker count first: nproc honours OMP_NUM_THREADS, which is set to 1 below
jobs=${TEST_JOBS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 1)}
# one BLAS / OpenMP thread per process: the workers already use every CPU, and numpy's small
# matrix products on two OpenBLAS threads beside busy workers cost 25x the CPU time (the nist36
# reference network: 18.6 s instead of 0.74 s for two epochs on the shared 2-CPU machine; same bits)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} \
  MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
py=${PYTHON:-.venv/bin/python}
par=()
if [ "$jobs" -gt 1 ] && "$py" -c "import xdist" 2>/dev/null; then
  par=(-n "$jobs" --dist loadfile --no-loadscope-reorder)
fi
start=$(date +%s)
echo "== phase 1: tests that may run side by side (${jobs} worker(s))"
# the 30 slowest tests at the end of the log: where make test's time goes (issue 25)
"$py" -m pytest -p no:cacheprovider "${par[@]}" --durations=30 --durations-min=5 -m "not serial" "$@"; a=$?
args=("$@")
has_path=0
for arg in "$@"; do case "$arg" in tests*|*/*|*.py*) has_path=1 ;; esac; done
b=5
if [ "$has_path" -eq 0 ]; then  # collect only the files that hold serial tests (tests/conftest.py SERIAL)
  read -r -a files <<< "$("$py" -c 'import tests.conftest as c; print(" ".join(sorted({s.split("::")[0] for s in c.SERIAL})))')"
  args+=("${files[@]}")
fi
if [ "$has_path" -eq 1 ] || [ "${#args[@]}" -gt "$#" ]; then  # nothing to collect: no serial tests
  echo "== phase 2: tests that run alone (wall-clock budgets)"
  "$py" -m pytest -p no:cacheprovider -m serial "${args[@]}"; b=$?
fi
echo "== tests: $(( $(date +%s) - start )) s in all (phase 1: exit $a, phase 2: exit $b)"
for rc in "$a" "$b"; do
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then exit "$rc"; fi
done
if [ "$a" -eq 5 ] && [ "$b" -eq 5 ]; then exit 5; fi
exit 0
