"""A council replaces any template through the templates hook: HTML by name, Word through its own base document."""

import io
import sys
import textwrap

import docx
import pytest
from documents_helpers import D, sample_record, sibling_record
from docx.oxml.ns import qn
from docx.shared import Mm

from permanence_core.documents import OutputFormat, meeting_record, pro_forma, read_form, render
from permanence_core.documents.templates import builtin_templates
from permanence_core.errors import ConfigError
from permanence_core.plugins.manager import Plugins

TODAY = D(2024, 5, 10)
RECORDS = {"C100": sample_record(), "C101": sibling_record()}
BUILT_IN = {"base.html", "macros.html", "pro-forma.html", "referral.html", "record.html", "panel-pack.html"}

COUNCIL_HTML = """\
{% extends "base.html" %}
{% import "macros.html" as m %}
{% block content %}
<p class="council">Anytown Borough Council – child {{ record.child_id }}</p>
{{ m.sections(layout.sections) }}
{% endblock %}
"""


def test_the_built_in_templates_are_registered_through_the_hook():
    assert set(builtin_templates()) == BUILT_IN
    assert set(Plugins().templates()) >= BUILT_IN


def council_base(path, header="Anytown Borough Council", without_headings=True):
    """A council's Word file: its own header, Letter paper, body text to be replaced, no heading styles."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = header
    document.sections[0].page_width, document.sections[0].page_height = Mm(216), Mm(279)
    document.add_paragraph("Template body to be replaced")
    if without_headings:
        for style in list(document.styles.element.iterchildren(qn("w:style"))):
            if style.get(qn("w:styleId")) in ("Heading1", "Heading2", "Heading3"):
                document.styles.element.remove(style)
    document.save(path)
    return path


@pytest.fixture
def council_plugin(tmp_path, monkeypatch):
    """Install a council's template plugin the way a real one is installed: a distribution with an entry point."""

    def install(templates):
        folder = tmp_path / "site"
        (folder / "anytown_templates-1.0.dist-info").mkdir(parents=True)
        (folder / "anytown_templates-1.0.dist-info" / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: anytown-templates\nVersion: 1.0\n"
        )
        (folder / "anytown_templates-1.0.dist-info" / "entry_points.txt").write_text(
            "[permanence_core.adapters]\nanytown = anytown_templates\n"
        )
        registrations = "\n".join(f"    register({name!r}, Path({str(path)!r}))" for name, path in templates.items())
        (folder / "anytown_templates.py").write_text(
            textwrap.dedent(
                """\
                from pathlib import Path

                from permanence_core.plugins import hookimpl


                @hookimpl
                def permanence_register_templates(register):
                """
            )
            + registrations
            + "\n"
        )
        monkeypatch.delitem(sys.modules, "anytown_templates", raising=False)
        monkeypatch.syspath_prepend(str(folder))
        return Plugins().templates()

    return install


def test_a_council_html_template_replaces_the_built_in_one(tmp_path, council_plugin):
    (tmp_path / "pro-forma.html").write_text(COUNCIL_HTML)
    templates = council_plugin({"pro-forma.html": tmp_path / "pro-forma.html"})
    assert templates["pro-forma.html"] == tmp_path / "pro-forma.html"
    assert templates["record.html"] == builtin_templates()["record.html"]
    layout = pro_forma(RECORDS["C100"], as_of=TODAY, records=RECORDS)
    page = render(
        layout, OutputFormat.HTML, generated_on=TODAY, templates=templates, context={"record": RECORDS["C100"]}
    )
    text = page.decode()
    assert '<p class="council">Anytown Borough Council – child C100</p>' in text
    assert "26. Child&#39;s views" in text  # the council's page still renders the built-in sections


def test_a_council_word_base_gives_its_header_paper_and_styles_and_the_form_still_reads_back(tmp_path, council_plugin):
    templates = council_plugin({"base.docx": council_base(tmp_path / "anytown.docx")})
    layout = meeting_record("ppm", "C100", RECORDS, meeting=RECORDS["C100"].meetings[0], generated_on=TODAY)
    data = render(layout, OutputFormat.DOCX, generated_on=TODAY, templates=templates)
    document = docx.Document(io.BytesIO(data))
    assert document.sections[0].header.paragraphs[0].text == "Anytown Borough Council"
    assert round(document.sections[0].page_width.mm) == 216
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Template body to be replaced" not in body
    assert [p.style.name for p in document.paragraphs if p.text == "Permanence Planning Meeting record"] == [
        "Heading 1"
    ]
    # The footer was empty in the council's file, so ours (form, child id, page) is added.
    assert "child ID C100" in document.sections[0].footer.paragraphs[0].text
    assert read_form(data, name="anytown.docx").meeting == RECORDS["C100"].meetings[0]


def test_a_form_specific_word_template_wins_over_the_councils_base(tmp_path, council_plugin):
    templates = council_plugin(
        {
            "base.docx": council_base(tmp_path / "base.docx", header="Anytown (all forms)"),
            "pro-forma.docx": council_base(tmp_path / "pf.docx", header="Anytown (pro-forma)", without_headings=False),
        }
    )
    pro = render(pro_forma(RECORDS["C100"], as_of=TODAY), OutputFormat.DOCX, generated_on=TODAY, templates=templates)
    other = render(
        meeting_record("ppm", "C100", RECORDS, generated_on=TODAY),
        OutputFormat.DOCX,
        generated_on=TODAY,
        templates=templates,
    )
    assert docx.Document(io.BytesIO(pro)).sections[0].header.paragraphs[0].text == "Anytown (pro-forma)"
    assert docx.Document(io.BytesIO(other)).sections[0].header.paragraphs[0].text == "Anytown (all forms)"


def test_a_broken_council_template_is_a_configuration_error_naming_the_file(tmp_path):
    broken = tmp_path / "pro-forma.html"
    broken.write_text('{% extends "base.html" %}\n{% block content %}{{ layout.title }\n{% endblock %}')
    templates = {**builtin_templates(), "pro-forma.html": broken}
    with pytest.raises(ConfigError) as info:
        render(pro_forma(RECORDS["C100"], as_of=TODAY), OutputFormat.HTML, generated_on=TODAY, templates=templates)
    assert str(broken) in str(info.value)
    assert "line 2" in str(info.value)


def test_a_template_using_a_variable_it_is_not_given_is_an_error(tmp_path):
    council = tmp_path / "record.html"
    council.write_text("{{ pack.panel_date }}")
    with pytest.raises(ConfigError, match="unknown variable"):
        render(
            meeting_record("ppm", "C100", RECORDS, generated_on=TODAY),
            OutputFormat.HTML,
            generated_on=TODAY,
            templates={"record.html": council},
        )


def test_a_missing_template_is_an_error():
    with pytest.raises(ConfigError, match=r"no HTML template 'macros\.html'"):
        render(
            pro_forma(RECORDS["C100"], as_of=TODAY),
            OutputFormat.HTML,
            generated_on=TODAY,
            templates={k: v for k, v in builtin_templates().items() if k != "macros.html"},
        )


def test_a_word_template_that_is_not_a_word_file_is_an_error(tmp_path):
    bad = tmp_path / "base.docx"
    bad.write_text("not a zip")
    with pytest.raises(ConfigError) as info:
        render(
            pro_forma(RECORDS["C100"], as_of=TODAY), OutputFormat.DOCX, generated_on=TODAY, templates={"base.docx": bad}
        )
    assert str(bad) in str(info.value)


def test_a_council_word_base_that_leaves_page_size_and_margins_to_word_still_writes_a_form(tmp_path, council_plugin):
    # A minimal Word file may have no w:pgSz or w:pgMar: python-docx then reports them as None (a TypeError before).
    path = council_base(tmp_path / "bare.docx")
    document = docx.Document(str(path))
    section_properties = document.sections[0]._sectPr
    for tag in ("w:pgSz", "w:pgMar"):
        for element in section_properties.findall(qn(tag)):
            section_properties.remove(element)
    document.save(path)
    templates = council_plugin({"base.docx": path})
    layout = meeting_record("ppm", "C100", RECORDS, meeting=RECORDS["C100"].meetings[0], generated_on=TODAY)
    data = render(layout, OutputFormat.DOCX, generated_on=TODAY, templates=templates)
    table = docx.Document(io.BytesIO(data)).tables[0]
    # The tables fill the house A4 page inside 18 mm margins: 174 mm.
    assert round(sum(column.width for column in table.columns) / Mm(1)) in (173, 174)
    assert read_form(data, name="bare.docx").meeting == RECORDS["C100"].meetings[0]
