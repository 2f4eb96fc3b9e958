"""Homework pose: 3D human pose from video (CNN + LSTM in PyTorch)."""
