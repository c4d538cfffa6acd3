"""The no-dues certificate (NOC): its wording, and a one-page PDF written with the stdlib.

Why no PDF library: the certificate is a page of text in a standard font, and the
format of such a page is small and fixed (PDF 1.4: catalog, page tree, one page, two
built-in Type 1 fonts, one content stream, cross-reference table). Writing it here
keeps the dependency list short and makes the bytes *deterministic* (no creation
timestamp), so the stored SHA-256 identifies the certificate's content: the same loan
closing the same way yields the same checksum.

Text is encoded WinAnsi (Latin-1); a character outside it (e.g. a Devanagari name)
becomes ``?`` in the PDF while the database keeps the name intact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
LEFT, TOP, LEADING = 56, 780, 16


@dataclass(frozen=True)
class NocContent:
    lender: str
    loan_number: str
    borrowers: tuple[str, ...]
    currency: str
    principal: str
    disbursed_on: date | None
    closed_on: date
    closure: str  # repaid, foreclosed, settled
    collateral: tuple[str, ...] = ()
    refundable_advance: str = "0.00"

    @property
    def reference(self) -> str:
        return f"NOC/{self.loan_number}/{self.closed_on.isoformat()}"

    @property
    def title(self) -> str:
        return "Settlement Closure Letter" if self.closure == "settled" else "No Dues Certificate"


def lines_of(c: NocContent) -> list[tuple[bool, str]]:
    """Return the certificate's lines as (bold, text)."""
    if c.closure == "settled":
        verdict = (
            "The loan has been closed under a one-time settlement. The settlement amount "
            "has been received in full and the balance was waived by the lender."
        )
    else:
        how = "foreclosed (repaid before maturity)" if c.closure == "foreclosed" else "repaid"
        verdict = (
            f"The loan has been {how} in full. No amount is due from the borrower(s) "
            "under this loan account as on the date of closure."
        )
    body = [
        (True, c.lender),
        (True, c.title),
        (False, f"Reference: {c.reference}"),
        (False, f"Date: {c.closed_on.isoformat()}"),
        (False, ""),
        (False, f"Loan account: {c.loan_number}"),
        (False, f"Borrower(s): {', '.join(c.borrowers) or '-'}"),
        (False, f"Amount financed: {c.currency} {c.principal}"),
        (False, f"Disbursed on: {c.disbursed_on.isoformat() if c.disbursed_on else '-'}"),
        (False, f"Closed on: {c.closed_on.isoformat()}"),
        (False, ""),
        *((False, part) for part in _wrap(verdict, 90)),
    ]
    if c.collateral:
        body += [(False, ""), (False, "Security released (charge / lien withdrawn):")]
        body += [(False, f"  - {item}") for item in c.collateral]
    if c.refundable_advance != "0.00":
        body += [
            (False, ""),
            (False, f"Excess received, refundable to the borrower: {c.currency} "),
            (False, f"  {c.refundable_advance}"),
        ]
    body += [
        (False, ""),
        (False, "Standing instructions (NACH / UPI AutoPay mandates) on this loan are"),
        (False, "being cancelled."),
        (False, ""),
        (False, "This is a system-generated certificate."),
    ]
    return body


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content_stream(lines: list[tuple[bool, str]]) -> bytes:
    out = [b"BT", f"{LEFT} {TOP} Td".encode(), f"{LEADING} TL".encode()]
    for bold, text in lines:
        font = b"/F2 13 Tf" if bold else b"/F1 11 Tf"
        out += [font, b"(" + _escape(text) + b") Tj", b"T*"]
    out.append(b"ET")
    return b"\n".join(out)


def render_pdf(title: str, lines: list[tuple[bool, str]]) -> bytes:
    """Return a one-page PDF showing ``lines`` (deterministic bytes: no timestamps)."""
    stream = _content_stream(lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
        b"<< /Title (" + _escape(title) + b") /Producer (Sangam) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def certificate(content: NocContent) -> tuple[bytes, str]:
    """Return the certificate PDF and its SHA-256 (hex)."""
    pdf = render_pdf(f"{content.title} {content.loan_number}", lines_of(content))
    return pdf, hashlib.sha256(pdf).hexdigest()
