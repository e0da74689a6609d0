"""Write a layout as a Word document: A4, real headings and tables, on the council's own base document if given."""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell

from permanence_core.documents.layout import Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.errors import ConfigError

#: The protective marking councils put on personal data about children (Government Security Classifications).
MARKING = "OFFICIAL-SENSITIVE"
_LABEL_SHADE = "E7E6E6"
_HEADER_SHADE = "D0CECE"
_LINE = Mm(5.5)
_HEADINGS = ("Heading 1", "Heading 2", "Heading 3")
# Word refuses a file whose property elements are out of schema order: these are the elements that must
# follow the ones this module adds (ECMA-376 part 1, CT_TblPr, CT_TcPr, CT_TrPr).
_TBL_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
_TC_AFTER_SHADING = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_TR_AFTER_CANT_SPLIT = ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden")
_TR_AFTER_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden")


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
        _house_style(document)
    _properties(document, layout, generated_on)
    _title(document, layout)
    for section in layout.sections:
        _section(document, section)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue(), generated_on)


def _open_base(base: Path) -> Document:
    try:
        return docx.Document(str(base))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError) as exc:
        raise ConfigError(str(base), f"the Word template cannot be used: {exc}") from None


def _house_style(document: Document) -> None:
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(18)
        section.top_margin = section.bottom_margin = Mm(18)
        section.header_distance = section.footer_distance = Mm(8)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
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
    document.add_heading(layout.title, level=1)
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


def _page_field(paragraph, instruction: str) -> None:
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
        if tag == "fldChar":
            run._r.append(_element("w:fldChar", fldCharType=value))
        else:
            node = OxmlElement(f"w:{tag}")
            node.set(qn("xml:space"), "preserve")
            node.text = value
            run._r.append(node)


def _section(document: Document, section: Section) -> None:
    heading = document.add_heading(section.title, level=section.level)
    if section.page_break:
        heading.paragraph_format.page_break_before = True
    for block in section.blocks:
        if isinstance(block, Note):
            _note(document, block)
            continue
        if isinstance(block, FieldTable):
            _field_table(document, block)
        else:
            _grid(document, block)
        # A paragraph between tables, or Word joins consecutive tables into one when the file is edited.
        document.add_paragraph().paragraph_format.space_after = Pt(2)


def _note(document: Document, note: Note) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(note.text)
    run.bold = note.emphasis


def _usable_width(document: Document) -> int:
    section = document.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def _field_table(document: Document, block: FieldTable) -> None:
    width = _usable_width(document)
    shares = (24, 26, 24, 26) if block.paired else (35, 65)
    widths = [width * s // 100 for s in shares]
    table = _new_table(document, widths)
    for fields in block.rows:
        row = table.add_row()
        cells = row.cells
        if block.paired and len(fields) == 1:
            merged = cells[1].merge(cells[3])
            cells = [cells[0], merged]
        for index, field in enumerate(fields):
            _label_cell(cells[2 * index], field)
            _value_cell(cells[2 * index + 1], field)
        row.height = _LINE * max(f.lines for f in fields)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        _keep_together(row)
    _cell_widths(table, widths)
    if block.keep_together:
        # Word keeps a table on one page when every row but the last is kept with the next.
        for row in table.rows[:-1]:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _grid(document: Document, grid: Grid) -> None:
    caption = document.add_paragraph()
    caption.add_run(grid.caption).bold = True
    caption.paragraph_format.keep_with_next = True
    if grid.note:
        note = document.add_paragraph()
        run = note.add_run(grid.note)
        run.italic = True
        run.font.size = Pt(8.5)
        note.paragraph_format.keep_with_next = True
    width = _usable_width(document)
    total = sum(grid.column_widths)
    widths = [width * w // total for w in grid.column_widths]
    table = _new_table(document, widths)
    header = table.add_row()
    _repeat_header(header)
    for cell, column in zip(header.cells, grid.columns, strict=True):
        cell.paragraphs[0].add_run(column).bold = True
        _shade(cell, _HEADER_SHADE)
    for values in grid.rows:
        row = table.add_row()
        _keep_together(row)
        for cell, value in zip(row.cells, values, strict=True):
            _set_text(cell, value)
    for _ in range(grid.blank_rows):
        row = table.add_row()
        row.height = _LINE * 2 if grid.writer is not Writer.RECORD else _LINE
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    _cell_widths(table, widths)


def _new_table(document: Document, widths: list[int]) -> Table:
    table = document.add_table(rows=0, cols=len(widths))
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


def _label_cell(cell: _Cell, field: Field) -> None:
    _shade(cell, _LABEL_SHADE)
    cell.paragraphs[0].add_run(field.label).bold = True
    if field.hint_text:
        run = cell.add_paragraph().add_run(field.hint_text)
        run.italic = True
        run.font.size = Pt(8)


def _value_cell(cell: _Cell, field: Field) -> None:
    _set_text(cell, field.value or "")


def _set_text(cell: _Cell, text: str) -> None:
    """Put ``text`` in ``cell``, one paragraph a line, replacing whatever the cell held."""
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    first = paragraphs[0]
    for run in first.runs:
        run._r.getparent().remove(run._r)
    for index, line in enumerate(text.split("\n")):
        paragraph = first if index == 0 else cell.add_paragraph()
        if line:
            paragraph.add_run(line)


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().insert_element_before(_element("w:tblHeader", val="true"), *_TR_AFTER_HEADER)


def _keep_together(row) -> None:
    """A box is not split over two pages (Word still splits a row taller than a page)."""
    row._tr.get_or_add_trPr().insert_element_before(_element("w:cantSplit", val="true"), *_TR_AFTER_CANT_SPLIT)


def _shade(cell: _Cell, fill: str) -> None:
    shading = _element("w:shd", val="clear", color="auto", fill=fill)
    cell._tc.get_or_add_tcPr().insert_element_before(shading, *_TC_AFTER_SHADING)


def _borders(table: Table) -> None:
    # Explicit borders rather than the "Table Grid" style, which a council's base document may not define.
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_element(f"w:{edge}", val="single", sz="4", space="0", color="595959"))
    table._tbl.tblPr.insert_element_before(borders, *_TBL_AFTER_BORDERS)


def _element(tag: str, **attributes: str):
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
