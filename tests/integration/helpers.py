"""Small builders shared by the hub tests: a UTR-feed CSV and its staged-CSV handler."""

from __future__ import annotations

from hub.integration.inbox.handlers import HandlerRegistry
from hub.integration.inbox.staged_csv import StagedCsvHandler
from mappings import load_mapping, mapping_path

UTR_HEADER = "UTR,Amount,Value Date,Remitter Name,Remitter Account,Virtual Account,Status"
KIND = "utr_feed"
DOC = "utr_csv"


def utr_line(n: int, amount: str = "1000.00", status: str = "SUCCESS") -> str:
    return (
        f"UTRN2024{n:08d},{amount},05-04-2024,Asha Traders,501000{n:04d},SANGAMVA{n:04d},{status}"
    )


def utr_csv(*lines: str) -> bytes:
    return ("\n".join((UTR_HEADER, *lines)) + "\n").encode()


def utr_handler() -> StagedCsvHandler:
    mapping = load_mapping(mapping_path("utr_feed", "default"))
    return StagedCsvHandler(mapping, document_kind=DOC, key_fields=("utr",), amount_field="amount")


def registry_with_utr() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(KIND, DOC, utr_handler())
    return registry
