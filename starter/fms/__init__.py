"""Homework fms (MDS189 / Functional Movement Screen): numpy FC layers and nets,
convolution and pooling by hand, and a PyTorch CNN on movement frames."""
