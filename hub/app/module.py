"""The application shell's own pages: sign-in and the dashboard home."""

from hub.platform.manifest import DomainModule

MODULE = DomainModule(name="app", pages=("hub.app.pages.auth", "hub.app.pages.home"))
