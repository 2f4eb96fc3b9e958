"""Reading which students a class-wide `nbgrader autograde` failed, from its log."""
from autograder.instructor.nbgrader_course import failed_students

LOG = """\
[AutogradeApp | INFO] Copying /c/submitted/ann/example/README.md -> /c/autograded/ann/example/README.md
[AutogradeApp | INFO] Sanitizing /c/submitted/ann/example/example.ipynb
[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/ann/example
[AutogradeApp | ERROR] Traceback (most recent call last):
  File "nbgrader/converters/base.py", line 390, in convert_notebooks
    self.convert_single_notebook(notebook_filename)
nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{ this is not'
[AutogradeApp | WARNING] Removing failed assignment: /c/autograded/ann/example
[AutogradeApp | INFO] Sanitizing /c/submitted/bob/example/example.ipynb
[AutogradeApp | INFO] Writing 7647 bytes to /c/autograded/bob/example/example.ipynb
[AutogradeApp | ERROR] There was an error processing assignment 'example' for student 'ann'
[AutogradeApp | ERROR] Please see the the above traceback for details on the specific errors on the above failures.
"""


def test_the_failed_student_and_its_traceback_are_read_from_the_log():
    failed = failed_students(LOG, "example")
    assert list(failed) == ["ann"]
    assert failed["ann"].splitlines()[0].endswith("/c/submitted/ann/example")
    assert "NotJSONError" in failed["ann"] and "Removing failed" not in failed["ann"]
    assert "bob" not in failed["ann"]


def test_a_clean_log_or_another_homework_names_nobody():
    assert failed_students(LOG.replace("student 'ann'", "student 'ann' x"), "fms") == {}
    assert failed_students("[AutogradeApp | INFO] all fine\n", "example") == {}


def test_a_course_config_that_does_not_load_stops_nbgrader(tmp_path):
    """traitlets logs a failing config file and goes on with the defaults: nbgrader would then run
    students' notebooks in its plain python3 kernel. Course.nbgrader makes it an error instead."""
    import pytest

    from autograder.instructor.nbgrader_course import Course, NbgraderError

    course = Course(tmp_path / "course")
    course.init()
    course.nbgrader("db", "student", "list")  # the course's own config loads
    config = course.root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nraise RuntimeError('the config is broken here')\n")
    with pytest.raises(NbgraderError, match="the config is broken here"):
        course.nbgrader("db", "student", "list")
