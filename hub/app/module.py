"""The application shell's own pages: sign-in and the dashboard home."""

from hub.platform.manifest import DemoPhase, DemoStep, DomainModule

MODULE = DomainModule(
    name="app",
    pages=("hub.app.pages.auth", "hub.app.pages.home"),
    demo_steps=(
        DemoStep("platform.end_of_days", DemoPhase.END, 150, "hub.app.demo.day:eod_summary_step"),
    ),
)
