"""Homework `nist36`: 16-720 HW5, neural networks for recognition (NIST36 OCR)."""
