"""Repayment schedules: loan terms in, frozen schedule lines out.

Start at :class:`~lms_core.schedule.terms.LoanTerms`, check it with
:func:`~lms_core.schedule.validate.validate_terms`, build it with
:func:`~lms_core.schedule.build.build_schedule`.
"""
