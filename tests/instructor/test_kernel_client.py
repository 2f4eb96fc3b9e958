"""autograder/instructor/kernel_client.py: the client nbgrader's notebooks run with."""
import asyncio
import json
import sys

import pytest
from jupyter_client.manager import AsyncKernelManager

from autograder.instructor.kernel_client import PromptClient


def _manager(tmp_path, argv):
    spec = tmp_path / "kernels" / "k"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "k", "language": "python"}))
    km = AsyncKernelManager(kernel_name="k", client_class="autograder.instructor.kernel_client.PromptClient")
    km.kernel_spec_manager.kernel_dirs = [str(spec.parent)]
    return km


async def _run(km, code):
    await km.start_kernel(env={"PATH": "/usr/bin:/bin"})
    kc = km.client()
    assert isinstance(kc, PromptClient)
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
        out = []
        reply = await kc.execute_interactive(code, timeout=60,
                                             output_hook=lambda m: out.append(m["content"].get("text", "")))
        return reply, "".join(out)
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def test_a_kernel_is_ready_and_its_first_cell_gets_its_own_output(tmp_path):
    km = _manager(tmp_path, [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    reply, out = asyncio.run(_run(km, "print(6 * 7)"))
    assert reply["content"]["status"] == "ok" and out == "42\n"


def test_a_kernel_that_dies_at_start_is_reported_not_waited_for(tmp_path):
    km = _manager(tmp_path, [sys.executable, "-c", "import sys; sys.exit(3)", "{connection_file}"])
    with pytest.raises(RuntimeError, match="died"):
        asyncio.run(_run(km, "1"))


def test_without_the_library_method_it_relies_on_it_waits_as_jupyter_client_does(tmp_path, monkeypatch):
    from jupyter_client.client import KernelClient

    calls = []
    real_wait, handler = PromptClient.__mro__[1].wait_for_ready, KernelClient._handle_kernel_info_reply

    async def library_wait(self, timeout=None):  # records the call, then jupyter_client's own wait runs
        calls.append(timeout)
        # PromptClient has chosen by now; the library's wait needs the method back. Without a real
        # wait the cell raced the kernel's start and timed out on a loaded machine (make test, once)
        KernelClient._handle_kernel_info_reply = handler
        try:
            await real_wait(self, timeout=timeout)
        finally:
            del KernelClient._handle_kernel_info_reply

    monkeypatch.delattr(KernelClient, "_handle_kernel_info_reply")
    monkeypatch.setattr(PromptClient.__mro__[1], "wait_for_ready", library_wait)
    km = _manager(tmp_path, [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    reply, _out = asyncio.run(_run(km, "1"))
    assert calls == [120] and reply["content"]["status"] == "ok"
