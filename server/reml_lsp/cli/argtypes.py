"""argparse ``type=`` checks for values that name things (docs/security.md): a resource or a
kernel name that looks like an option is a usage error (exit 3), never an option."""

from __future__ import annotations

import argparse

from reml_lsp.argcheck import name_problem, visa_resource_problem


def visa_resource(value: str) -> str:
    problem = visa_resource_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value
