"""Grader-side functions the judge tests run in judge processes (tests/engine/test_judge.py): plain
standard library and numpy, importable from the repository root."""
import os
import time

import numpy as np


def where(x):
    """The value back, with the process that computed it and its parent and limits."""
    import resource

    return {"x": x, "pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0),
            "as": resource.getrlimit(resource.RLIMIT_AS)[0], "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0],
            "omp": os.environ.get("OMP_NUM_THREADS"), "array": np.arange(3)}


def start_a_server():
    """What a judged function (or a module it imports) gets when it asks for a judge server."""
    from autograder.engine import judge, judge_server

    return {"started": judge.start_server(), "server": judge_server._SERVER is not None}


def sleep(seconds, pid_file):
    with open(pid_file, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(seconds)


def allocate(mib):
    return int(np.ones(mib << 17).sum())  # float64: 8 bytes each


def fail():
    raise ValueError("the file has no 'arch' entry")
