"""Connectors: one package per external counterpart kind (NACH, UPI AutoPay, escrow bank ...).

A connector speaks a transport (SFTP, HTTP, webhook) and uses ``formats`` and
``mappings``; it holds no business rules.
"""
