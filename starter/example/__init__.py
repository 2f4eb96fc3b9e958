"""A tiny practice homework used to exercise the grading engine end to end."""
