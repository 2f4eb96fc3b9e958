"""Instructor workflow: nbgrader releases, autograding, Gradescope export, sample submissions.

Generic over homeworks: a homework takes part as soon as it has a grading suite
(``autograder/<hw>/__init__.py`` defining its suite object) and master notebooks
(``solutions/<hw>/notebooks/*.ipynb``) whose graded cells call
:func:`autograder.notebook.grade_cell`.

Modules: ``notebooks`` (what the master notebooks grade), ``release`` (``course release``),
``leaks`` (the scan that keeps reference code and hidden tests out of a release),
``nbgrader_course`` (the nbgrader course directory: config, submissions, autograde,
feedback, gradebook), ``gradescope`` (``course export gradescope`` and the runner inside
the zip), ``samples`` (sample submissions and their expected scores), ``hooks`` (data).
"""
