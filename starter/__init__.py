"""Student package: one subpackage per homework (generated from solutions/ by `course build`)."""
