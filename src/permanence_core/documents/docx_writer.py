"""Write a layout as a Word document: A4, real headings and tables, on the council's own base document if given."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import cast

import docx
from docx.blkcntnr import BlockItemContainer
from docx.document import Document, _Body
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.document import CT_Body
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row, CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Length, Mm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from lxml import etree

from permanence_core.documents.layout import Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.errors import ConfigError

#: The protective marking councils put on personal data about children (Government Security Classifications).
MARKING = "OFFICIAL-SENSITIVE"
#: The grey of label cells; the reader prefers cells of this shade when it looks for a label.
LABEL_SHADE = "E7E6E6"
_HEADER_SHADE = "D0CECE"
#: The amber of a highlighted cell (days overdue).
_HIGHLIGHT = "FFE699"
_LINE = Mm(5.5)
_PAGE_WIDTH = Mm(210)
_MARGIN = Mm(18)
_HEADINGS = ("Heading 1", "Heading 2", "Heading 3")
# Word refuses a file whose property elements are out of schema order: these are the elements that must
# follow the ones this module adds (ECMA-376 part 1, CT_TblPr, CT_TcPr, CT_TrPr).
_TBL_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
_TC_AFTER_SHADING = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_TR_AFTER_CANT_SPLIT = ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden")
_TR_AFTER_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden")
# Text from case systems can hold control characters (vertical tabs, form feeds) that XML 1.0 forbids.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_docx(layout: Layout, *, generated_on: dt.date, base: Path | None = None) -> bytes:
    """Return the .docx bytes of ``layout``.

    ``base`` is a council's Word file (a template registered as ``<form>.docx`` or ``base.docx``): its
    styles, page setup, headers and footers are kept and its body replaced. Without it the document is
    built on python-docx's default template, set to A4 with Arial. The same layout and date give the same
    bytes, so re-sending an unchanged document to the case system is recognised as a duplicate.
    """
    document = _open_base(base) if base else docx.Document()
    if base:
        _clear_body(document)
        _ensure_styles(document)
    else:
        _house_style(document, layout.body_points)
    _properties(document, layout, generated_on)
    _title(document, layout)
    width = _usable_width(document)
    # Style ids looked up once: python-docx resolves a style name by searching the styles part each time.
    headings = {level: document.styles[f"Heading {level}"].style_id for level in (1, 2, 3)}
    for section in layout.sections:
        _section(document, section, width, headings)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue(), generated_on)


def _open_base(base: Path) -> Document:
    try:
        return docx.Document(str(base))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError) as exc:
        raise ConfigError(str(base), f"the Word template cannot be used: {exc}") from None


def _house_style(document: Document, body_points: float) -> None:
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = _PAGE_WIDTH, Mm(297)
        section.left_margin = section.right_margin = _MARGIN
        section.top_margin = section.bottom_margin = Mm(18)
        section.header_distance = section.footer_distance = Mm(8)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(body_points)
    normal.paragraph_format.space_after = Pt(3)
    # East-Asian font slot too, or Word falls back to the theme font for some characters.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Arial")
    for name, size in zip(_HEADINGS, (16, 13, 11.5), strict=True):
        style = document.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x1F, 0x1F)
        style.paragraph_format.space_before = Pt(10)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    for fonts in document.styles.element.iter(qn("w:rFonts")):
        # The default template's theme font attributes win over a named font in Word: one font, Arial.
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        for slot in ("w:ascii", "w:hAnsi"):
            fonts.set(qn(slot), "Arial")
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = MARKING
    header.runs[0].bold = True
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _clear_body(document: Document) -> None:
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _ensure_styles(document: Document) -> None:
    """A Word file holds only the styles it used; copy the headings from the default template if missing."""
    present = {style.name for style in document.styles}
    missing = [name for name in _HEADINGS if name not in present]
    if not missing:
        return
    default = docx.Document()
    for name in missing:
        document.styles.element.append(copy.deepcopy(default.styles[name].element))


def _properties(document: Document, layout: Layout, generated_on: dt.date) -> None:
    props = document.core_properties
    moment = dt.datetime.combine(generated_on, dt.time(), tzinfo=dt.UTC)
    props.identifier = layout.marker.to_text()
    props.title = layout.title
    props.subject = layout.form
    props.author = "permanence-core"
    props.last_modified_by = "permanence-core"
    props.comments = ""
    props.keywords = "permanence"
    props.category = "permanence-core form"
    props.language = "en-GB"
    props.created = props.modified = moment
    props.revision = 1


def _title(document: Document, layout: Layout) -> None:
    document.add_heading(_NOT_XML.sub("", layout.title), level=1)
    for note in layout.intro:
        _note(document, note)
    footer = document.sections[-1].footer
    # A council's base document keeps its own footer; ours names the form, the child id and the page.
    if not any(p.text.strip() for p in footer.paragraphs):
        paragraph = footer.paragraphs[0]
        paragraph.add_run(f"{layout.footer} · page ").font.size = Pt(8)
        _page_field(paragraph, "PAGE")
        paragraph.add_run(" of ").font.size = Pt(8)
        _page_field(paragraph, "NUMPAGES")


def _page_field(paragraph: Paragraph, instruction: str) -> None:
    """A PAGE or NUMPAGES field in Word's own five-run form, so the number takes the footer's small size."""
    parts = [
        ("fldChar", "begin"),
        ("instrText", f" {instruction} "),
        ("fldChar", "separate"),
        ("t", "1"),
        ("fldChar", "end"),
    ]
    for tag, value in parts:
        run = paragraph.add_run()
        run.font.size = Pt(8)
        # Plain lxml elements from here on: types-lxml would have a w:r take only w:r children.
        r: etree._Element = run._r
        if tag == "fldChar":
            r.append(_element("w:fldChar", fldCharType=value))
        else:
            node = OxmlElement(f"w:{tag}")
            node.set(qn("xml:space"), "preserve")
            node.text = value
            r.append(node)


def _section(document: Document, section: Section, width: int, headings: dict[int, str]) -> None:
    """Build the section in a detached body, then move it in before the final section properties.

    python-docx finds the insertion point by scanning the whole body for each paragraph or table it
    adds, so a panel pack of a thousand children built in place takes minutes; built apart, seconds.
    """
    body = OxmlElement("w:body")
    if not isinstance(body, CT_Body):
        raise TypeError("python-docx made no body element")  # a registered tag: never expected
    scratch = _Body(body, document)
    heading = scratch.add_paragraph(_NOT_XML.sub("", section.title))
    heading._p.style = headings[section.level]
    if section.page_break:
        heading.paragraph_format.page_break_before = True
    tables = [n for n, block in enumerate(section.blocks, start=1) if not isinstance(block, Note)]
    # The last box is kept with the table before it (and any note between them).
    keep_from = tables[-2] if len(tables) > 1 else len(section.blocks)
    tail = len(scratch._element)
    for number, block in enumerate(section.blocks, start=1):
        if number == keep_from:
            tail = len(scratch._element)
        if isinstance(block, Note):
            _note(scratch, block)
            continue
        if isinstance(block, FieldTable):
            _field_table(scratch, block, width)
        else:
            _grid(scratch, block, width)
        if number < len(section.blocks):
            # A paragraph between tables, or Word joins consecutive tables into one when the file is edited;
            # none after the last, where it could spill alone onto a page of its own.
            scratch.add_paragraph().paragraph_format.space_after = Pt(2)
    if section.keep_together:
        # The last box stays with the block before it: a page never holds a box alone. (Chaining the whole
        # section instead makes LibreOffice move each table to a page of its own once the section is too long.)
        paragraphs = [p for element in list(scratch._element)[tail:] for p in element.iter(qn("w:p"))]
        for p in paragraphs[:-1]:
            Paragraph(cast(CT_P, p), scratch).paragraph_format.keep_with_next = True
    end = document.element.body.sectPr
    for child in list(scratch._element):
        end.addprevious(child)


def _note(container: Document | BlockItemContainer, note: Note) -> None:
    paragraph = container.add_paragraph()
    run = paragraph.add_run(_NOT_XML.sub("", note.text))
    run.bold = note.emphasis


def _usable_width(document: Document) -> int:
    # A council's Word file may leave the page size or margins to Word's defaults: take the house A4 ones.
    section = document.sections[-1]
    page = section.page_width if section.page_width is not None else _PAGE_WIDTH
    left = section.left_margin if section.left_margin is not None else _MARGIN
    right = section.right_margin if section.right_margin is not None else _MARGIN
    return page - left - right


def _field_table(container: BlockItemContainer, block: FieldTable, width: int) -> None:
    # The label column is the same width in every table, so the boxes line up down the form.
    shares = (30, 20, 24, 26) if block.paired else (30, 70)
    widths = [width * s // 100 for s in shares]
    table = _new_table(container, widths)
    # Two prototype rows, shaded and sized once: two fields side by side, or one field whose box spans.
    pair = table.add_row()
    single = table.add_row()
    if block.paired:
        # The box spans three grid columns (python-docx's merge does the same, a hundred times slower).
        box, *spanned = single._tr.tc_lst[1:]
        for tc in spanned:
            single._tr.remove(tc)
        box.grid_span = 3
    for row in (pair, single):
        _keep_together(row)
        _shade(row.cells[0], LABEL_SHADE)
    if block.paired:
        _shade(pair.cells[2], LABEL_SHADE)
    _cell_widths(table, widths)
    prototypes = {2: pair._tr, 1: single._tr}
    for tr in prototypes.values():
        tr.getparent().remove(tr)
    for fields in block.rows:
        tr = copy.deepcopy(prototypes[len(fields)])
        table._tbl.append(tr)
        cells = tr.tc_lst
        for index, field in enumerate(fields):
            _fill_label(cells[2 * index], field)
            _fill(cells[2 * index + 1], field.value or "")
        row = _Row(tr, table)
        row.height = Length(_LINE * max(f.lines for f in fields))
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    if block.keep_together:
        # Word keeps a table on one page when every row but the last is kept with the next.
        for row in table.rows[:-1]:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _grid(container: BlockItemContainer, grid: Grid, width: int) -> None:
    caption = container.add_paragraph()
    caption.add_run(grid.caption).bold = True
    caption.paragraph_format.keep_with_next = True
    if grid.note:
        note = container.add_paragraph()
        run = note.add_run(grid.note)
        run.italic = True
        run.font.size = Pt(8.5)
        note.paragraph_format.keep_with_next = True
    total = sum(grid.column_widths)
    widths = [width * w // total for w in grid.column_widths]
    table = _new_table(container, widths)
    header = table.add_row()
    _repeat_header(header)
    for cell, column in zip(header.cells, grid.columns, strict=True):
        cell.paragraphs[0].add_run(column).bold = True
        _shade(cell, _HEADER_SHADE)
    # Rows are copied from one prototype: building each through python-docx is most of a large pack's time.
    prototype = table.add_row()
    _cell_widths(table, widths)
    plain = prototype._tr
    plain.getparent().remove(plain)
    for values in grid.rows:
        tr = copy.deepcopy(plain)
        _keep_together_tr(tr)
        for index, (tc, value) in enumerate(zip(tr.tc_lst, values, strict=True)):
            if grid.highlighted(index, value):
                _fill(tc, value, bold=True)
                _insert(
                    tc.get_or_add_tcPr(),
                    _element("w:shd", val="clear", color="auto", fill=_HIGHLIGHT),
                    _TC_AFTER_SHADING,
                )
            else:
                _fill(tc, value)
        table._tbl.append(tr)
    for _ in range(grid.blank_rows):
        tr = copy.deepcopy(plain)
        table._tbl.append(tr)
        row = _Row(tr, table)
        row.height = Length(_LINE * 2) if grid.writer is not Writer.RECORD else _LINE
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _new_table(container: BlockItemContainer, widths: list[int]) -> Table:
    table = container.add_table(rows=0, cols=len(widths), width=Length(sum(widths)))
    table.autofit = False
    _borders(table)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    return table


def _cell_widths(table: Table, widths: list[int]) -> None:
    """LibreOffice reads the column grid, Word each cell's own width: set both (a merged cell spans columns)."""
    for row in table.rows:
        column = 0
        for tc in row._tr.tc_lst:
            span = tc.grid_span
            tc.width = sum(widths[column : column + span])
            column += span


def _fill_label(tc: CT_Tc, field: Field) -> None:
    """The label in bold, and under it the hint (who fills the box) in small italics."""
    # Plain lxml elements: types-lxml would have a w:tc take only w:tc children.
    cell: etree._Element = tc
    label: etree._Element = tc.p_lst[0]
    label.append(_run(field.label, bold=True))
    if field.hint_text:
        hint = OxmlElement("w:p")
        hint.append(_run(field.hint_text, italic=True, half_points=16))
        cell.append(hint)


def _run(text: str, *, bold: bool = False, italic: bool = False, half_points: int | None = None) -> etree._Element:
    """A run element made directly: python-docx's property setters dominate the time of a large pack."""
    run = OxmlElement("w:r")
    if bold or italic or half_points:
        properties = OxmlElement("w:rPr")
        # Schema order within w:rPr: b, i, sz.
        if bold:
            properties.append(OxmlElement("w:b"))
        if italic:
            properties.append(OxmlElement("w:i"))
        if half_points:
            properties.append(_element("w:sz", val=str(half_points)))
        run.append(properties)
    node = OxmlElement("w:t")
    node.set(qn("xml:space"), "preserve")
    node.text = _NOT_XML.sub("", text)
    run.append(node)
    return run


def _repeat_header(row: _Row) -> None:
    _insert(row._tr.get_or_add_trPr(), _element("w:tblHeader", val="true"), _TR_AFTER_HEADER)


def _keep_together(row: _Row) -> None:
    """A box is not split over two pages (Word still splits a row taller than a page)."""
    _keep_together_tr(row._tr)


def _keep_together_tr(tr: CT_Row) -> None:
    _insert(tr.get_or_add_trPr(), _element("w:cantSplit", val="true"), _TR_AFTER_CANT_SPLIT)


def _fill(tc: CT_Tc, text: str, *, bold: bool = False) -> None:
    """Write ``text`` into an empty cell element, one paragraph a line."""
    # Plain lxml elements: types-lxml would have a w:tc take only w:tc children.
    cell: etree._Element = tc
    first: etree._Element = tc.p_lst[0]
    for index, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        paragraph = first if index == 0 else copy.deepcopy(first)
        if index:
            for run in paragraph.findall(qn("w:r")):
                paragraph.remove(run)
            cell.append(paragraph)
        if line:
            paragraph.append(_run(line, bold=bold))


def _shade(cell: _Cell, fill: str) -> None:
    shading = _element("w:shd", val="clear", color="auto", fill=fill)
    _insert(cell._tc.get_or_add_tcPr(), shading, _TC_AFTER_SHADING)


def _borders(table: Table) -> None:
    # Explicit borders rather than the "Table Grid" style, which a council's base document may not define.
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_element(f"w:{edge}", val="single", sz="4", space="0", color="595959"))
    _insert(table._tbl.tblPr, borders, _TBL_AFTER_BORDERS)


def _insert(parent: BaseOxmlElement, element: etree._Element, successors: tuple[str, ...]) -> None:
    """Insert ``element`` in schema order: before the first of ``successors`` present, else last."""
    # python-docx annotates the element as its own ElementBase, but inserts any lxml element (w:shd is not one).
    parent.insert_element_before(element, *successors)  # type: ignore[arg-type]


def _element(tag: str, **attributes: str) -> etree._Element:
    element = OxmlElement(tag)
    for key, value in attributes.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _stable_zip(data: bytes, generated_on: dt.date) -> bytes:
    """Re-pack with fixed member timestamps: python-docx stamps the current time on every member."""
    stamp = (max(generated_on.year, 1980), generated_on.month, generated_on.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
