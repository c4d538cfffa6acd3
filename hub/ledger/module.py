"""The ledger's manifest: chart, journals, balances and reversals over the API."""

from hub.platform.manifest import DomainModule

MODULE = DomainModule(name="ledger", routers=("hub.ledger.api:router",))
