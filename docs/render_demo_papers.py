"""Regenerate the demo's panel papers (pack, forms, tracker) and render them to PDF and PNG for reading page by page.

Run from the repository root: ``.venv/bin/python docs/render_demo_papers.py [OUT_DIR]`` (default ``out/papers``).
The papers are always written; PDF and PNG need LibreOffice (``soffice``) and poppler (``pdftoppm``), the tracker's
screenshot Chromium. The closing lines count each paper's pages, the blank ones and those holding only a box.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

DEMO = ["--adapter", "ssda903", "--source", "src/permanence_core/demo_data"]
CHILD = "1000040"
AS_OF = "2026-11-02"
PANEL = "2026-11-05"
PROFILE = "panel-tor"
#: A page with fewer words than this, once its footer is left out, holds no more than a box's label.
LONE_BOX_WORDS = 12


def permanence(*args: str) -> None:
    """Run one ``permanence`` command; a failure stops the script with the command's own message."""
    command = [str(Path(sys.executable).with_name("permanence")), *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def papers(out: Path) -> list[Path]:
    """Write the demo pack, the three forms for the demo child and the tracker; the Word files to render."""
    ledger = out / "ledger.sqlite"
    ledger.unlink(missing_ok=True)
    at = ["--ledger", str(ledger)]
    permanence("ledger", "sync", *DEMO, "--profile", PROFILE, "--as-of", AS_OF, *at)
    permanence("panel", "schedule", PANEL, "--profile", PROFILE, *at)
    permanence("panel", "pack", "--panel", PANEL, *DEMO, "--profile", PROFILE, "--out", str(out / "pack.docx"), *at)
    for form in ("pro-forma", "referral", "record"):
        extra = ["--as-of", AS_OF] if form == "pro-forma" else []
        permanence("form", form, "--child", CHILD, *DEMO, *extra, "--out", str(out / f"{form}-{CHILD}.docx"))
    for suffix in ("html", "xlsx"):
        permanence("tracker", *DEMO, "--profile", PROFILE, "--as-of", AS_OF, "--out", str(out / f"tracker.{suffix}"))
    return [out / "pack.docx", *(out / f"{form}-{CHILD}.docx" for form in ("pro-forma", "referral", "record"))]


def render(document: Path) -> Path:
    """The document as PDF (LibreOffice) and one PNG a page (``<name>-<n>.png``, 60 dpi)."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(document.parent), str(document)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pdf = document.with_suffix(".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(document.with_suffix(""))], check=True)
    return pdf


def page_words(pdf: Path) -> list[int]:
    """The number of words on each page, its last line (the footer) left out."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    counts = []
    for page in text.split("\f")[:-1]:
        lines = [line for line in page.splitlines() if line.strip()]
        counts.append(sum(len(line.split()) for line in lines[:-1]))
    return counts


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/papers")
    out.mkdir(parents=True, exist_ok=True)
    documents = papers(out)
    if not (shutil.which("soffice") and shutil.which("pdftoppm") and shutil.which("pdftotext")):
        print(f"Papers written to {out}/; install LibreOffice and poppler to render them.")
        return
    for document in documents:
        counts = page_words(render(document))
        blank = [n for n, words in enumerate(counts, start=1) if words == 0]
        lone = [n for n, words in enumerate(counts, start=1) if 0 < words < LONE_BOX_WORDS]
        print(f"{document.name}: {len(counts)} pages, blank {blank or 'none'}, lone box {lone or 'none'}")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--hide-scrollbars",
                "--window-size=1280,900",
                f"--screenshot={out / 'tracker.png'}",
                (out / "tracker.html").resolve().as_uri(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    print(f"PDF and PNG pages in {out}/")


if __name__ == "__main__":
    main()
