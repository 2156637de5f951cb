"""argparse ``type=`` checks: values that name things (docs/security.md: a resource or a kernel
name that looks like an option is a usage error, exit 3, never an option) and counts."""

from __future__ import annotations

import argparse

from reml_lsp.argcheck import name_problem, visa_resource_problem
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode


def visa_resource(value: str) -> str:
    """A VISA resource name; otherwise ``instrument.bad_resource`` (exit 3), the code the
    instrument layer gives a name pyvisa cannot parse (argparse lets a CliError through)."""
    problem = visa_resource_problem(value)
    if problem:
        raise CliError("instrument.bad_resource", problem, ExitCode.USAGE, resource=value)
    return value


def name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def non_negative_int(value: str) -> int:
    """An option's count where 0 means "none" or "no limit"."""
    return _int_at_least(value, 0, "must be 0 or more")


def positive_int(value: str) -> int:
    return _int_at_least(value, 1, "must be at least 1")


def _int_at_least(value: str, minimum: int, problem: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < minimum:
        raise argparse.ArgumentTypeError(problem)
    return n
