"""The collections rails' manifest: mandates, NACH debits and e-mandates, UPI AutoPay."""

from hub.platform.events import Event
from hub.platform.manifest import DemoPhase, DemoStep, DomainModule, Subscription

MODULE = DomainModule(
    name="collections",
    routers=("hub.collections.api:router", "hub.collections.upi.api:router"),
    pages=("hub.collections.nach.pages", "hub.collections.upi.pages"),
    templates=("hub.collections.nach", "hub.collections.upi"),
    tasks=("hub.collections.nach.tasks", "hub.collections.upi.tasks"),
    inbox_handlers=(
        "hub.collections.nach.responses",
        "hub.collections.nach.emandate_batch",
        "hub.collections.upi.webhooks",
    ),
    subscribers=(Subscription(Event.LOAN_CLOSED, "hub.collections.mandates:on_loan_closed"),),
    demo_steps=(
        DemoStep("collections.nach", DemoPhase.DAY, 200, "hub.collections.nach.demo:day_step"),
        DemoStep("collections.upi", DemoPhase.DAY, 210, "hub.collections.upi.demo:day_step"),
        DemoStep(
            "collections.summary", DemoPhase.END, 200, "hub.collections.upi.demo:summary_step"
        ),
    ),
)
