"""The sandboxed nbgrader kernel passes on the course's variables and each homework's KERNEL_ENV."""
from autograder.engine import registry
from autograder.instructor import kernel_sandbox


def test_pass_env_is_the_course_s_and_every_homework_s_declared_variables():
    names = kernel_sandbox.pass_env()
    assert names[:len(kernel_sandbox.PASS_ENV)] == kernel_sandbox.PASS_ENV
    declared = [v for hw in registry.all_declarations() for v in hw.kernel_env]
    assert declared, "no homework declares KERNEL_ENV: the notebooks' quick modes would not reach the kernel"
    assert set(names) == set(kernel_sandbox.PASS_ENV) | set(declared)
    assert len(names) == len(set(names))


def test_the_kernel_environment_carries_a_declared_variable_and_nothing_undeclared(monkeypatch):
    var = next(v for hw in registry.all_declarations() for v in hw.kernel_env)
    monkeypatch.setenv(var, "1")
    monkeypatch.setenv("NNCOURSE_UNDECLARED_SWITCH", "1")
    env = kernel_sandbox._env("/tmp")
    assert env[var] == "1" and "NNCOURSE_UNDECLARED_SWITCH" not in env


def test_a_student_s_module_beside_the_notebook_is_not_imported_by_the_kernel_launcher(tmp_path):
    """nbgrader starts the kernel launcher in the student's folder (as root in CI): a student's
    tempfile.py there must not run before the sandbox exists."""
    import json
    import subprocess

    marker = tmp_path / "ran-as-grader"
    folder = tmp_path / "autograded" / "student" / "hw"
    folder.mkdir(parents=True)
    for name in ("tempfile", "shutil", "json", "socket", "asyncio", "coursedata", "autograder"):
        code = f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n"
        if name in ("coursedata", "autograder"):
            (folder / name).mkdir()
            (folder / name / "__init__.py").write_text(code)
        else:
            (folder / f"{name}.py").write_text(code)
    conn = tmp_path / "missing-connection.json"
    argv = [a.replace("{connection_file}", str(conn)) for a in kernel_sandbox.kernel_spec()["argv"]]
    json.dumps(argv)  # what kernel.json holds
    proc = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "NNCOURSE_DATA": str(tmp_path / "data")})
    assert not marker.exists(), f"the launcher imported the student's {marker.read_text().split()}"
    assert proc.returncode != 0 and "missing-connection.json" in proc.stderr  # it did start, from the grader's tree


def test_the_kernel_runs_the_notebook_s_exit_handlers_and_then_leaves_without_tearing_its_modules_down(tmp_path):
    """kernel_command(): after the shutdown reply and every atexit handler, the process ends with
    os._exit (a torch kernel's module teardown cost nbgrader 0.3-0.6 s per notebook); the
    notebook's folder is still on sys.path; an optimiser step leaves torch._dynamo a stand-in."""
    import json

    from jupyter_client.manager import KernelManager

    spec_dir = tmp_path / "kernels" / "kernels" / "fast-exit"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps(
        {"argv": kernel_sandbox.kernel_command() + ["{connection_file}"], "display_name": "t", "language": "python"}))
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "beside.py").write_text("VALUE = 41\n")
    handler, teardown = tmp_path / "atexit-ran", tmp_path / "teardown-ran"
    km = KernelManager(kernel_name="fast-exit")
    km.kernel_spec_manager.kernel_dirs = [str(spec_dir.parent)]
    km.start_kernel(cwd=str(folder), env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        code = (f"import atexit, beside\n"
                f"atexit.register(lambda: open({str(handler)!r}, 'w').write('ran'))\n"
                f"class Leaves:\n"
                f"    def __del__(self):\n"
                f"        open({str(teardown)!r}, 'w').write('ran')\n"
                f"beside.KEPT = Leaves()  # a module's global: IPython's reset at exit leaves it\n"
                f"print(beside.VALUE + 1)\n")
        out = []
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok" and "42" in "".join(out)
        # torch._dynamo stays a stand-in through an optimiser step (child.lazy_dynamo, in the launcher)
        code = ("import sys, torch\n"
                "m = torch.nn.Linear(2, 1)\n"
                "opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)\n"
                "m(torch.ones(3, 2)).sum().backward()\n"
                "opt.step(); opt.zero_grad()\n"
                "print(type(sys.modules['torch._dynamo']).__name__, 'torch._inductor' in sys.modules)\n")
        out.clear()
        reply = kc.execute_interactive(code, timeout=120, output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok" and "".join(out).split() == ["Standin", "False"], out
        km.shutdown_kernel(now=False)
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)
    assert handler.read_text() == "ran", "the notebook's atexit handler did not run"
    assert not teardown.exists(), "the kernel tore its modules down (no os._exit after the handlers)"
