"""The loans domain's manifest: booking to closure, the loans' end-of-day, revolving lines."""

from hub.platform.manifest import DomainModule, EodOrder, EodPhase, EodStep

MODULE = DomainModule(
    name="loans",
    routers=(
        "hub.loans.api.schedules:router",
        "hub.loans.api.loans:router",
        "hub.loans.api.lifecycle:router",
        "hub.loans.api.eod:router",
        "hub.loans.api.credit_lines:router",
    ),
    pages=("hub.loans.pages",),
    templates=("hub.loans",),
    inbox_handlers=("hub.loans.bulk_repayments_inbox",),
    approval_actions=("hub.loans.approvals:ACTIONS",),
    eod_steps=(
        EodStep(
            "loans.rate_resets",
            EodPhase.PARTITION,
            EodOrder.RATES,
            "hub.loans.day_close:rate_resets_step",
        ),
        EodStep(
            "loans.day_close",
            EodPhase.PARTITION,
            EodOrder.LOANS,
            "hub.loans.day_close:close_loans_step",
        ),
        EodStep(
            "loans.credit_lines",
            EodPhase.FINALISE,
            EodOrder.LOANS,
            "hub.loans.credit_lines:close_lines_step",
        ),
    ),
)
