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
