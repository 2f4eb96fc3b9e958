"""Homework `fer`: dropout, fully-connected nets, CIFAR-10-style objects and FER-2013 faces."""
