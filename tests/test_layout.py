"""Import names: the project never shadows well-known packages, nor is shadowed."""
import subprocess
import sys

import tests


def test_project_tests_package_is_ours(repo):
    assert tests.__file__.startswith(str(repo)), tests.__file__


def test_import_datasets_does_not_resolve_to_the_project(repo, tmp_path):
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.find_spec('datasets')\n"
        "locs = list(spec.submodule_search_locations or []) + [spec.origin or ''] if spec else []\n"
        "print('\\n'.join(map(str, locs)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert str(repo) not in out.stdout


def test_top_level_layout(repo):
    for d in ("assignments", "starter", "solutions", "autograder", "datasets", "tests"):
        assert (repo / d).is_dir(), d
    assert (repo / "README.md").is_file()
