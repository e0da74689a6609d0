"""Inline SVG built as lxml elements, so every label is escaped and the drawing needs nothing from the network."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree
from lxml.builder import ElementMaker
from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
E = ElementMaker(namespace=SVG_NS, nsmap={None: SVG_NS})


def number(value: float) -> str:
    """A coordinate with at most one decimal: enough for the screen, and it keeps the file small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def with_title(element: etree._Element, title: str) -> etree._Element:
    """Give ``element`` a tooltip (the SVG ``<title>`` child browsers and screen readers show)."""
    element.insert(0, E.title(title))
    return element


def drawing(width: float, height: float, label: str, children: Iterable[etree._Element], css_class: str) -> Markup:
    """A complete ``<svg>`` element, scaled to its container, announced to screen readers as ``label``."""
    svg = E.svg(
        E.title(label),
        *children,
        width=number(width),
        height=number(height),
        viewBox=f"0 0 {number(width)} {number(height)}",
        role="img",
        **{"class": css_class, "aria-label": label},
    )
    # Markup tells Jinja2 not to escape again: lxml has escaped every text and attribute already.
    return Markup(etree.tostring(svg, encoding="unicode"))
