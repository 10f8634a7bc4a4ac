"""The exceptions nougat-align raises, in one place.

Library functions raise these for input they cannot use at all (a file that is not LaTeXML
HTML, a corrupt or encrypted PDF, a missing tool); problems with single pages are never
exceptions, they are recorded as drop reasons in the result.  ``str(error)`` is always one
line that a user can act on; the CLI prints it and exits with ``exit_code``.
"""
from __future__ import annotations


class NougatAlignError(Exception):
    """Base class. The message is one line."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class InputError(NougatAlignError):
    """An input file is unusable: not LaTeXML HTML, empty, truncated, corrupt, encrypted."""

    exit_code = 2


class ToolError(NougatAlignError):
    """An external tool (latexmlc, pdflatex) is missing, failed or timed out."""

    exit_code = 2
