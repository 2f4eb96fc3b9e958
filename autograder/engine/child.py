"""The sandbox side: runs student code on request, one check per process.

Started by the parent as ``python -I -S child.py WORKDIR REQ_FD RESP_FD``. It adds the
interpreter's site-packages (without processing .pth files, so editable installs of
the grading repo stay invisible), the submission and this directory to ``sys.path``,
then serves requests: the parent writes ``req/req<n>.json/.npz`` (a directory this
process cannot write) and sends ``n`` on the request pipe; the child answers with
``resp/resp<n>.*`` and ``n`` on the response pipe.
Only the standard library and numpy are imported here before student code runs (and,
when the parent uses a fork server, ``zygote.py``, the libraries it preloads: torch).
"""
import os
import sys
import traceback


def _setup_path(workdir, site_dirs):
    here = os.path.join(workdir, "grader")  # this file, wire.py and the probes (also when forked by the zygote)
    sys.path[:] = [os.path.join(workdir, "sub"), here] + [p for p in sys.path if p and "site-packages" not in p] + site_dirs


class _CappedWriter:
    """A text stream that keeps only the first ``limit`` characters."""

    def __init__(self, stream, limit=200_000):
        self._stream, self._left = stream, limit
        self.truncated = False

    def write(self, s):
        s = str(s)
        if self._left <= 0:
            self.truncated = True
            return len(s)
        part = s[: self._left]
        self._left -= len(part)
        try:
            self._stream.write(part)
        except OSError:
            self._left = 0
        return len(s)

    def flush(self):
        try:
            self._stream.flush()
        except OSError:
            pass

    def isatty(self):
        return False

    def fileno(self):
        return self._stream.fileno()

    @property
    def encoding(self):
        return "utf-8"


def _student_traceback(exc, sub_root):
    """The traceback frames that lie in the submission (the student's own files)."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if f.filename.startswith(sub_root)]
    lines = []
    for f in mine[-4:]:
        rel = os.path.relpath(f.filename, sub_root)
        lines.append(f'  File "{rel}", line {f.lineno}, in {f.name}\n    {f.line or ""}'.rstrip())
    msg = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    if len(msg) > 2000:
        msg = msg[:2000] + " ..."
    return "\n".join(lines), msg


DYNAMO = "torch._dynamo"


def lazy_dynamo():
    """Let ``import torch._dynamo`` give a stand-in until something needs the compiler.

    Eager PyTorch imports its compiler front end on the first optimiser step (``optimizer.step``
    calls ``torch._dynamo.graph_break()``; ``zero_grad`` and ``state_dict`` go through
    ``torch._dynamo.disable``): 1.0-1.3 s of CPU in every check process that trains, for two calls
    that do nothing outside ``torch.compile``. The stand-in answers those two as eager PyTorch
    does (``graph_break`` does nothing, ``disable`` gives the function itself); anything else
    asked of it (``torch.compile``, ``torch._dynamo.config``, a submodule import) imports the
    real module, which then replaces the stand-in for good. Results are the same bits: the
    stand-in only skips the import. Installed before student code runs (and by the fork server
    before its preloads); idempotent.
    """
    import importlib
    import importlib.machinery
    import types

    if any(getattr(f, "nncourse_lazy_dynamo", False) for f in sys.meta_path):
        return

    def real():
        mod = sys.modules.get(DYNAMO)
        if mod is not None and not isinstance(mod, Standin):
            return mod
        finder.standing_in = False
        sys.modules.pop(DYNAMO, None)
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(torch.__dict__.get("_dynamo"), Standin):
            # while the real module loads, torch._dynamo is torch's own lazy attribute again (its
            # submodules reach the half-loaded real package through it, as in a plain import)
            del torch._dynamo
        return importlib.import_module(DYNAMO)  # sets torch._dynamo to the real module too

    class Standin(types.ModuleType):
        def graph_break(self, msg=""):
            return None

        def disable(self, fn=None, recursive=True, **kwargs):
            return fn if fn is not None else (lambda f: f)

        def __getattr__(self, name):
            # other names, and __path__ once loaded (a submodule import), come from the real module;
            # the import system's own look-ups while creating the stand-in (__path__, __file__) do not
            if name.startswith("__") and (name != "__path__" or self.__dict__.get("_creating")):
                raise AttributeError(name)
            return getattr(real(), name)

    class Finder:
        nncourse_lazy_dynamo = True
        standing_in = True

        def find_spec(self, name, path=None, target=None):
            if name == DYNAMO and self.standing_in:
                return importlib.machinery.ModuleSpec(name, self)
            # a submodule imported through the stand-in's __path__: the real package's __init__
            # has just loaded it; hand back that module instead of loading a second copy
            if name.startswith(DYNAMO + ".") and name in sys.modules:
                return importlib.machinery.ModuleSpec(name, Loaded(sys.modules[name]))
            return None

        def create_module(self, spec):
            module = Standin(spec.name)
            module._creating = True
            return module

        def exec_module(self, module):
            module.__dict__.pop("_creating", None)

    class Loaded:
        def __init__(self, module):
            self.module, self.spec = module, getattr(module, "__spec__", None)

        def create_module(self, spec):
            return self.module

        def exec_module(self, module):
            if self.spec is not None and module.__spec__ is not self.spec:
                try:  # the import system set our spec on it; put its own back
                    module.__spec__ = self.spec
                except AttributeError:  # a module that refuses new attributes kept its own
                    pass

    finder = Finder()
    sys.meta_path.insert(0, finder)


def _reseed():
    import random

    import numpy as np

    random.seed(0)
    np.random.seed(0)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)


def main(argv):
    workdir, req_fd, resp_fd = argv[1], int(argv[2]), int(argv[3])
    _setup_path(workdir, [p for p in argv[4].split(os.pathsep) if p])
    lazy_dynamo()
    import importlib

    import wire  # noqa: E402  (copied beside this file)

    sub_root = os.path.join(workdir, "sub") + os.sep
    reqdir = os.path.join(workdir, "req")
    iodir = os.path.join(workdir, "resp")
    os.chdir(os.path.join(workdir, "cwd"))
    sys.stdout = _CappedWriter(sys.stdout)
    sys.stderr = _CappedWriter(sys.stderr)
    req = os.fdopen(req_fd, "r")
    resp = os.fdopen(resp_fd, "w")
    objects = {}
    dump, load = wire.dump, wire.load
    WireRef = wire.Ref

    def resolve(target, kind):
        if isinstance(target, WireRef):
            return resolve_ref(target)
        modname, _, qual = target.partition(":")
        if kind == "probe":
            module = importlib.import_module(modname)
        else:
            module = importlib.import_module("starter." + modname)
        obj = module
        for part in qual.split("."):
            obj = getattr(obj, part)
        return obj

    def resolve_ref(ref):
        obj = objects[ref.id]
        for kind, key in ref.path:
            obj = getattr(obj, key) if kind == "attr" else obj[key]
        return obj

    def materialise(value):
        if isinstance(value, WireRef):
            return resolve_ref(value)
        if isinstance(value, list):
            return [materialise(v) for v in value]
        if isinstance(value, tuple):
            return tuple(materialise(v) for v in value)
        if isinstance(value, dict):
            return {k: materialise(v) for k, v in value.items()}
        return value

    next_id = 0
    for line in req:
        n = line.strip()
        if not n:
            continue
        stem = f"resp{n}"
        r = {}
        try:
            r = load(reqdir, f"req{n}")
            op = r["op"]
            _reseed()
            if op == "call":
                fn = resolve(r["target"], r.get("kind", "student"))
                args = materialise(r.get("args", []))
                result = fn(*args, **materialise(r.get("kwargs", {})))
                if r.get("return_args"):
                    result = (result, list(args))
            elif op == "get":
                result = resolve_ref(r["target"])
            elif op == "setitem":
                resolve_ref(r["target"])[r["key"]] = materialise(r["value"])
                result = None
            elif op == "setattr":
                setattr(resolve_ref(r["target"]), r["key"], materialise(r["value"]))
                result = None
            else:
                raise ValueError(f"unknown op {op!r}")
            out = {"ok": True, "ref": None}
            if r.get("keep"):
                next_id += 1
                objects[next_id] = result
                out["ref"] = next_id
                out["value"] = None
            else:
                out["value"] = result
            try:
                dump(out, iodir, stem)
            except Exception as exc:  # the value cannot be sent back
                dump({"ok": False, "error": {"type": "WireError", "message": str(exc), "traceback": ""}}, iodir, stem)
        except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything
            tb, msg = _student_traceback(exc, sub_root)
            try:
                dump({"ok": False, "error": {"type": type(exc).__name__, "message": msg, "traceback": tb}}, iodir, stem)
            except Exception:
                pass
        sys.stdout.flush()
        sys.stderr.flush()
        resp.write(n + "\n")
        resp.flush()


if __name__ == "__main__":
    main(sys.argv)
    # no waiting for threads the student's code left running (the grader is done with us)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
