"""The sandbox's ``torch._dynamo`` stand-in (``child.lazy_dynamo``): eager training gives the same
bits without importing the compiler, and anything that needs the compiler gets the real one."""
import contextlib
import json
import subprocess
import sys

import pytest

from autograder.engine.sandbox import Limits, Sandbox, Zygote

from .conftest import REPO, tools_submission

torch = pytest.importorskip("torch")

ENGINE = REPO / "autograder" / "engine"

# an eager training run through the optimiser calls torch._dynamo goes through: step (graph_break),
# zero_grad and state_dict (disable); prints the weights and what torch._dynamo is afterwards
TRAIN = '''
import json, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "lazy":
    import child
    child.lazy_dynamo()
import torch
torch.set_num_threads(1)
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
for opt in (torch.optim.Adam(m.parameters(), lr=1e-2), torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)):
    for _ in range(5):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()
    opt.state_dict()
out = {"weights": torch.cat([p.detach().flatten() for p in m.parameters()]).tolist(),
       "dynamo": type(sys.modules.get("torch._dynamo")).__name__,
       "compiler_loaded": "torch._dynamo.convert_frame" in sys.modules}
if sys.argv[3:] == ["compile"]:
    import torch._dynamo.config as cfg
    from torch._dynamo.backends.registry import list_backends
    f = torch.compile(lambda a: a * 2 + 1, backend="eager")
    out.update(config_is_real=cfg is sys.modules["torch._dynamo.config"] is torch._dynamo.config,
               dynamo_after=type(torch._dynamo).__name__, eager_backend="eager" in list_backends(exclude_tags=()),
               compiled=f(torch.ones(2)).tolist())
print(json.dumps(out))
'''


def _run(*args) -> dict:
    proc = subprocess.run([sys.executable, "-c", TRAIN, str(ENGINE), *args], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_eager_training_gives_the_same_weights_and_the_compiler_still_loads():
    plain, lazy = _run("plain"), _run("lazy", "compile")
    assert plain["dynamo"] == "module" and plain["compiler_loaded"]
    assert lazy["dynamo"] == "Standin" and not lazy["compiler_loaded"]  # after training
    assert lazy["weights"] == plain["weights"]  # the same machine, the same operations: the same bits
    # then torch.compile, torch._dynamo.config and a submodule import: the real module, once
    assert lazy["config_is_real"] and lazy["dynamo_after"] == "module" and lazy["eager_backend"]
    assert lazy["compiled"] == [3.0, 3.0]


SOURCE = '''
import sys

import torch


def train_then_report():
    m = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    opt.zero_grad()
    m(torch.ones(4, 3)).sum().backward()
    opt.step()
    return type(sys.modules["torch._dynamo"]).__name__
'''


@pytest.fixture
def subdir(tmp_path):
    return tools_submission(tmp_path, SOURCE)


@pytest.mark.parametrize("forked", [False, True], ids=["fresh", "forked"])
def test_checks_in_the_sandbox_get_the_stand_in(subdir, forked):
    """A fresh check child and one forked by a server that preloads torch: the optimiser runs on the
    stand-in (a student's torch.compile: the test above)."""
    with contextlib.ExitStack() as stack:
        zygote = stack.enter_context(Zygote(("numpy", "torch"))) if forked else None
        with Sandbox(subdir, Limits(timeout=120), zygote=zygote) as box:
            assert box.call("example.tools:train_then_report") == "Standin"
