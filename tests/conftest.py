"""Shared test helpers.

``require_tool("latexmlc")`` skips a test on a developer machine that lacks the tool, but
fails it in CI (``CI=true``): CI must never pass by skipping.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PAPERS = FIXTURES / "papers"


def require_tool(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} (run `make tools`)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)
