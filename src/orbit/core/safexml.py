"""What every reader of untrusted XML files does before it hands bytes to lxml (BPMN, IATI, …).

Decode the start of a file the way an XML parser guesses its encoding before the declaration (a byte order
mark, or the byte pattern of ``<`` in UTF-16/32), say what a file that is not XML looks like (so the message
is "a PNG image", not a parser error), and find a DOCTYPE before the root element: Orbit's readers refuse
every DOCTYPE, which closes entity expansion and external entities whatever the parser settings.
"""

from __future__ import annotations

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive, for example a Word, Excel or Visio file"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"{", "JSON"),
)
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
NO_BOM: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def head_text(head: bytes) -> str:
    """``head`` (the first bytes of a file) as text, decoded as an XML parser would guess before the declaration."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="replace")
    for start, codec in NO_BOM:
        if head.startswith(start):
            return head.decode(codec, errors="replace")
    return head.decode("utf-8", errors="replace")


def what_it_looks_like(head: bytes, text: str) -> str:
    """A plain description of a file that is not XML: a known signature, plain text or binary data."""
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            return what
    sample = text[:512]
    if sample and all(c.isprintable() or c in "\r\n\t" for c in sample):
        return "plain text"
    return "binary data"


def has_doctype(text: str) -> bool:
    """Whether a DOCTYPE comes before the root element (after the declaration, comments and instructions)."""
    pos, size = 0, len(text)
    while pos < size:
        while pos < size and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if text.startswith("<?", pos):
            closing = "?>"
        elif text.startswith("<!--", pos):
            closing = "-->"
        else:
            return text[pos : pos + 9].upper() == "<!DOCTYPE"
        end = text.find(closing, pos + 2)
        if end < 0:
            return False
        pos = end + len(closing)
    return False
