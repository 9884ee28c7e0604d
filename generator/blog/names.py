"""Where a blog keeps the generator's settings: the names alone, so that the command line can tell whether it runs in
a blog without importing the blog adapters (an up-to-date build imports none of them)."""

from __future__ import annotations

import os

CONFIG_NAME = "_generator/config.yml"
LEGACY_CONFIG_NAME = "generator.yml"  # the name before: read still, published by Jekyll unless excluded


def config_path(root: str) -> str | None:
    """The blog's settings file: ``_generator/config.yml``, else a ``generator.yml`` from before; None if neither."""
    for name in (CONFIG_NAME, LEGACY_CONFIG_NAME):
        path = os.path.join(root, *name.split("/"))
        if os.path.isfile(path):
            return path
    return None
