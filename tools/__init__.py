"""Maintainer tooling that assumes a checkout of the course (not part of the installed package)."""
