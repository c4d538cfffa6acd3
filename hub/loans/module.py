"""The loans domain's manifest: booking to closure, the loans' end-of-day, revolving lines."""

from hub.platform.manifest import (
    DemoPhase,
    DemoStep,
    DomainModule,
    EodOrder,
    EodPhase,
    EodStep,
)

MODULE = DomainModule(
    name="loans",
    public=("hub.loans.repayments", "hub.loans.bulk_repayments", "hub.loans.resync"),
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
    demo_steps=(
        DemoStep("loans.book", DemoPhase.SETUP, 100, "hub.loans.demo:book_step"),
        DemoStep("loans.lifecycle", DemoPhase.DAY, 100, "hub.loans.demo:lifecycle_step"),
        DemoStep("loans.dual_control", DemoPhase.DAY, 110, "hub.loans.demo:dual_control_step"),
        DemoStep("loans.collect", DemoPhase.DAY, 300, "hub.loans.demo:collect_step"),
        DemoStep("loans.summary", DemoPhase.END, 100, "hub.loans.demo:summary_step"),
    ),
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
