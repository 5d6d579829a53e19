"""Fennec's version: the one place it is written. The release workflow sets it from the tag
(packaging/stamp_version) before building; pyproject and the bundles read it from here."""

__version__ = "0.1.0"
