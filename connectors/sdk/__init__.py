"""Connector framework: kind bases, the entry-point registry, counterparts and secrets.

See :mod:`connectors.sdk.base` for the bases a connector implements,
:mod:`connectors.sdk.registry` for how it is found by slug, and
:mod:`hub.integration.counterparts` for per-tenant configuration with encrypted secrets.
"""
