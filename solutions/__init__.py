"""Reference solutions: one subpackage per homework."""
