"""Homework `lenet`: LeNet in numpy on MNIST (layers, SGD with momentum, toy CNN questions)."""
