"""The kernel client nbgrader's notebooks run with (``nbgrader_config.py``: ``AsyncKernelManager.client_class``).

jupyter_client's ``wait_for_ready`` makes sure a new kernel answers (a ``kernel_info`` reply on the
shell channel, then any message on IOPub, which proves the subscription is live), and then discards
IOPub messages until none has come for 0.2 s. That last wait costs 0.2 s per notebook on every
start (fms: four notebooks per student). The messages it drops are the start-up's own status
messages, which nbclient would ignore anyway: it keeps only messages whose parent is the request it
sent. :class:`PromptClient` does the same checks and waits for 0.02 s of quiet instead.

Only that method differs. Should a future jupyter_client lack what it uses, it falls back to the
library's own wait.
"""
from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

QUIET_S = 0.02  # IOPub silence after which a started kernel counts as settled (jupyter_client: 0.2)
ANSWER_S = 1.0  # how long one kernel_info request waits for its reply before another is sent
IOPUB_S = 0.2  # how long to wait for the first IOPub message once the kernel has replied


class PromptClient(AsyncKernelClient):
    """An ``AsyncKernelClient`` whose ``wait_for_ready`` ends 0.02 s after the kernel's last start-up message."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        handle = getattr(self, "_handle_kernel_info_reply", None)
        if handle is None:  # not the jupyter_client this was written for
            return await super().wait_for_ready(timeout=timeout)
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=ANSWER_S)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=IOPUB_S)
                except Empty:
                    pass  # IOPub not subscribed yet: ask again
                else:
                    handle(reply)
                    break
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=QUIET_S)
            except Empty:
                return
