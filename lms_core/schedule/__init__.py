"""Repayment schedules: loan terms in, frozen schedule lines out.

Start at :class:`LoanTerms`, check it with :func:`validate_terms` (every problem, as
values), build it with :func:`build_schedule`. The JSON contract over all this is
:mod:`lms_core.terms_json`.
"""

from lms_core.schedule.build import build_schedule
from lms_core.schedule.lines import Schedule, ScheduleLine, Totals
from lms_core.schedule.problems import Problem
from lms_core.schedule.terms import LoanTerms
from lms_core.schedule.validate import validate_terms

__all__ = [
    "LoanTerms",
    "Problem",
    "Schedule",
    "ScheduleLine",
    "Totals",
    "build_schedule",
    "validate_terms",
]
