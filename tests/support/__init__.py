"""Helpers the tests share: synthetic images, the kill-and-resume harness, the JupyterLab driver."""
