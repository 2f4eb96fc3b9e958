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
