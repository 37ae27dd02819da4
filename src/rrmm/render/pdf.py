"""HTML to PDF with WeasyPrint (no browser); charts are inline SVG."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_pdf"]


def write_pdf(html: str, target: Path) -> None:
    """Write ``html`` as an accessible PDF (PDF/UA-1) at ``target``."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html, base_url=None).write_pdf(target, pdf_variant="pdf/ua-1")
