"""End-of-day: a tenant's business date closes in loan-id partitions, by ordered steps.

:mod:`hub.platform.eod.runner` creates a run, hands partitions to any number of workers
(:mod:`hub.platform.eod.tasks`) and advances the business date once. What a day-end
*does* is not written here: each domain contributes :class:`~hub.platform.manifest.EodStep`
entries in its ``module.py`` (the loans' accrual / billing / DPD / SMA-NPA day, the
revolving lines, and later co-lending splits, pool collections, invoice ageing, bureau
month-end cuts), and :mod:`hub.platform.eod.steps` runs them in order.
"""
