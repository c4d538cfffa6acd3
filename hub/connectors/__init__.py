"""Connector framework: kind bases, the entry-point registry, counterparts and secrets.

See :mod:`hub.connectors.base` for the bases a connector implements,
:mod:`hub.connectors.registry` for how it is found by slug, and
:mod:`hub.connectors.counterparts` for per-tenant configuration with encrypted secrets.
"""
