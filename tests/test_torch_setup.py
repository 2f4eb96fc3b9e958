"""The provided training modules (``solutions/<hw>/train.py`` with ``configure_torch``) switch torch's deterministic algorithms on without
importing its compiler (``torch.use_deterministic_algorithms`` imports ``torch._inductor``: about
1 s of CPU in every grading process and notebook kernel that trains)."""
import subprocess
import sys

import pytest

from autograder.engine.registry import REPO, homeworks

WITH_TORCH_SETUP = [hw for hw in homeworks()
                    if "def configure_torch(" in ((REPO / "solutions" / hw / "train.py").read_text()
                                                  if (REPO / "solutions" / hw / "train.py").is_file() else "")]

CHECK = """
import sys, torch
from solutions.{hw}.train import configure_torch
configure_torch(threads=None)
assert torch.are_deterministic_algorithms_enabled(), "not deterministic"
assert torch.is_deterministic_algorithms_warn_only_enabled(), "errors instead of warnings"
assert "torch._inductor" not in sys.modules, "imported the compiler"
configure_torch(threads=None, deterministic=False)
assert not torch.are_deterministic_algorithms_enabled(), "still deterministic"
import torch._inductor.config as inductor_config  # loaded: its flag follows too
configure_torch(threads=None)
assert inductor_config.deterministic is True and torch.are_deterministic_algorithms_enabled()
print("ok")
"""


def test_some_homework_configures_torch():
    assert len(WITH_TORCH_SETUP) >= 2, WITH_TORCH_SETUP


@pytest.mark.parametrize("hw", WITH_TORCH_SETUP)
def test_configure_torch_sets_the_flag_without_importing_the_compiler(hw):
    proc = subprocess.run([sys.executable, "-c", CHECK.format(hw=hw)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
