"""The Excel template: exact round trip, all-or-nothing import with located errors, CLI and web."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import include, path, reverse
from openpyxl import load_workbook

from orbit import urls as root_urls
from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_unit, make_user
from orbit.results import excel
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, NodeLink, ResultNode, Target
from orbit.results.services import (
    actual_create,
    actual_update,
    dimension_create,
    framework_create,
    framework_update,
    indicator_create,
    node_archive,
    node_create,
    target_create,
)

# The pages are served under /results/excel/; this module's URLs add them if the project's do not yet.
urlpatterns = list(root_urls.urlpatterns)
if not any(getattr(pattern, "namespace", None) == "results_excel" for pattern in urlpatterns):
    urlpatterns.insert(0, path("results/excel/", include("orbit.results.excel_urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

Y2024 = {"period_type": "annual", "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 12, 31)}
Y2025 = {"period_type": "annual", "period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31)}
Q1_2024 = {"period_type": "quarter", "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 3, 31)}
LONG = Decimal("12345678901234.123456")  # more digits than a spreadsheet number (a double) holds


@pytest.fixture
def rich(tree, system_actor):
    """A closed framework with every measure, disaggregated values, qualitative scores and percentages."""
    actor = system_actor
    with audit_context(source="cli", reason="test data"):
        sex = dimension_create(
            actor=actor, code="SEX-T", kind="sex", name={"en": "Sex", "fr": "Sexe"},
            categories=[{"code": "f", "name": {"en": "Female", "fr": "Femmes"}}, {"code": "m", "name": {"en": "Male"}}],
        )  # fmt: skip
        fw = framework_create(
            actor=actor, owner_unit=tree.bdt, code="FWX", name={"en": "Plan X", "fr": "Plan X (fr)", "zh-hans": "计划"},
            description={"en": "About the plan"}, kind="action_plan", cycle_start=dt.date(2024, 1, 1),
            cycle_end=dt.date(2027, 12, 31), status="active", is_public=True,
            tiers=[{"en": "Objective", "fr": "Objectif"}, {"en": "Outcome"}, {"en": "Output", "ar": "ناتج"}],
            on_track_threshold=Decimal("0.85"), at_risk_threshold=Decimal("0.5"), source="Test data", is_sample=True,
        )  # fmt: skip
        a = node_create(actor=actor, framework=fw, title={"en": "Connect", "fr": "Connecter", "ar": "ربط"},
                        ref_code="D.1", description={"en": "First objective"})  # fmt: skip
        a1 = node_create(actor=actor, framework=fw, parent=a, title={"en": "Access", "zh-hans": "接入"})
        a2 = node_create(actor=actor, framework=fw, parent=a, title={"en": "Skills"}, status_note="gap", is_sample=True)
        b = node_create(actor=actor, framework=fw, title={"en": "Include"}, source="Somewhere")
        dropped = node_create(actor=actor, framework=fw, parent=b, title={"en": "Dropped"})
        b1 = node_create(actor=actor, framework=fw, parent=b, title={"en": "Policy"})
        node_archive(actor=actor, node=dropped, expected_version=1, reason="test")
        num = indicator_create(
            actor=actor, node=a1, code="I-NUM", title={"en": "Countries connected", "fr": "Pays connectés"},
            definition={"en": "Count of countries"}, unit_label="countries", baseline_value=Decimal("12"),
            baseline_date=dt.date(2024, 1, 1), baseline_note="From the 2023 survey", time_aggregation="cumulative",
            responsible_unit=tree.dept_a, dimension_codes=["SEX-T"], means_of_verification="Reports",
            data_source="Survey", collection_frequency="quarterly", direction="increase",
        )  # fmt: skip
        pct = indicator_create(
            actor=actor, node=a1, code="I-PCT", title={"en": "Share online"}, measure="percentage",
            unit_aggregation="ratio", numerator_le_denominator=True,
        )  # fmt: skip
        cur = indicator_create(
            actor=actor, node=a2, code="I-CUR", title={"en": "Funds"}, measure="currency", currency="CHF",
            baseline_value=Decimal("1234567.89"), direction="maintain", unit_aggregation="average",
        )  # fmt: skip
        qual = indicator_create(
            actor=actor, node=b1, code="I-QUAL", title={"en": "Policy adopted"}, measure="qualitative",
            unit_aggregation="none", time_aggregation="latest", baseline_value=Decimal(1),
            score_scale=[
                {"score": 1, "label": {"en": "Not started", "fr": "Pas commencé"}},
                {"score": 2, "label": {"en": "Under way"}},
                {"score": 3, "label": {"en": "Done", "zh-hans": "完成"}},
            ],
        )  # fmt: skip
        # The same code under another node: the Targets and Values sheets then need the node column.
        twin = indicator_create(actor=actor, node=b, code="I-NUM", title={"en": "Twin"}, is_sample=True)
        indicator_create(actor=actor, node=dropped, code="I-GONE", title={"en": "Under an archived node"})

        target_create(actor=actor, indicator=num, value=Decimal(20), **Y2024)
        target_create(actor=actor, indicator=num, value=Decimal("30.5"), note="stretch", **Y2025)
        target_create(actor=actor, indicator=num, unit=tree.dept_a, value=Decimal(10), **Y2024)
        target_create(actor=actor, indicator=num, dimension=sex, category="f", value=Decimal(10), **Y2024)
        target_create(actor=actor, indicator=pct, value=Decimal("75.5"), period_type="cycle",
                      period_start=fw.cycle_start, period_end=fw.cycle_end)  # fmt: skip
        target_create(actor=actor, indicator=cur, value=LONG, **Q1_2024)
        target_create(actor=actor, indicator=qual, score=3, is_sample=True, **Y2025)
        target_create(actor=actor, indicator=twin, value=Decimal("0.1"), **Y2025)

        actual_create(actor=actor, indicator=num, unit=tree.dept_a, value=Decimal(15), **Y2024)
        actual_create(actor=actor, indicator=num, unit=tree.dept_a, value=Decimal(7), dimension=sex, category="f",
                      **Y2024)  # fmt: skip
        actual_create(actor=actor, indicator=num, unit=tree.dept_a, value=Decimal(8), dimension=sex, category="m",
                      **Y2024)  # fmt: skip
        submitted = actual_create(actor=actor, indicator=num, unit=tree.div_a1, value=Decimal("0.1"), **Y2025)
        actual_update(actor=actor, actual=submitted, expected_version=1, status="submitted")
        actual_create(actor=actor, indicator=pct, unit=tree.dept_a, numerator=Decimal(45), denominator=Decimal(60),
                      **Y2024)  # fmt: skip
        actual_create(actor=actor, indicator=cur, unit=tree.dept_b, value=Decimal("1000.5"), narrative="Q1 funds",
                      **Q1_2024)  # fmt: skip
        approved = actual_create(actor=actor, indicator=qual, unit=tree.dept_a, score=2, narrative="Draft law",
                                 **Y2025)  # fmt: skip
        actual_update(actor=actor, actual=approved, expected_version=1, status="approved")
        actual_create(actor=actor, indicator=twin, unit=tree.dept_b, value=Decimal("-3.25"), **Y2025)
        fw = framework_update(actor=actor, framework=fw, expected_version=fw.version, status="closed")
    return fw


def workbook_rows(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def edited(data: bytes, changes) -> bytes:
    """Apply ``changes(book)`` to a copy of the workbook."""
    book = load_workbook(io.BytesIO(data))
    changes(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def col(ws, name: str) -> int:
    header = [cell.value for cell in ws[1]]
    return header.index(name) + 1


def letter(ws, name: str) -> str:
    return ws.cell(row=1, column=col(ws, name)).column_letter


def find_row(ws, **match) -> int:
    """The row number of the only row whose cells equal ``match``."""
    found = [
        row
        for row in range(2, ws.max_row + 1)
        if all(ws.cell(row=row, column=col(ws, name)).value == value for name, value in match.items())
    ]
    assert len(found) == 1, (match, found)
    return found[0]


def set_code(code: str):
    def change(book):
        book["Framework"]["A2"] = code

    return change


def model_data(framework: Framework) -> dict[str, list[tuple]]:
    """Every exported field of the framework's rows, by natural keys (no ids)."""
    nodes = ResultNode.objects.filter(framework=framework).select_related("parent").order_by("path")
    indicators = Indicator.objects.filter(node__framework=framework, node__archived_at__isnull=True).select_related(
        "node", "responsible_unit"
    )
    key = ("indicator__node__number", "indicator__code", "period_type", "period_start", "period_end", "unit__code",
           "dimension__code", "category")  # fmt: skip
    return {
        "framework": [
            (
                framework.name,
                framework.description,
                framework.kind,
                framework.cycle_start,
                framework.cycle_end,
                framework.owner_unit.code,
                framework.status,
                framework.tiers,
                framework.is_public,
                framework.on_track_threshold,
                framework.at_risk_threshold,
                framework.source,
                framework.is_sample,
            )
        ],
        "nodes": [
            (
                n.number,
                n.parent.number if n.parent else None,
                n.tier,
                n.ref_code,
                n.title,
                n.description,
                n.status_note,
                n.source,
                n.is_sample,
            )
            for n in nodes
        ],
        "indicators": sorted(
            (
                i.node.number,
                i.code,
                i.title,
                i.definition,
                i.unit_label,
                i.measure,
                i.currency,
                i.score_scale,
                i.numerator_le_denominator,
                i.direction,
                i.time_aggregation,
                i.unit_aggregation,
                i.baseline_value,
                i.baseline_date,
                i.baseline_note,
                i.means_of_verification,
                i.data_source,
                i.collection_frequency,
                i.responsible_unit.code if i.responsible_unit else None,
                i.dimension_codes,
                i.is_sample,
            )
            for i in indicators
        ),
        "targets": list(
            Target.objects.filter(indicator__node__framework=framework, indicator__node__archived_at__isnull=True)
            .order_by(*key)
            .values_list(*key, "value", "score", "note", "is_sample")
        ),
        "values": list(
            ActualValue.objects.filter(indicator__node__framework=framework, indicator__node__archived_at__isnull=True)
            .order_by(*key)
            .values_list(*key, "value", "numerator", "denominator", "score", "narrative", "status", "is_sample")
        ),
    }


def table_counts() -> dict[str, int]:
    models = (Framework, ResultNode, Indicator, Target, ActualValue, Dimension, NodeLink)
    counts = {model.__name__: model.all_objects.count() for model in models}
    counts["AuditEvent"] = AuditEvent.objects.count()
    return counts


# --- round trip -----------------------------------------------------------------------------------------------


def test_round_trip_is_exact(rich, system_actor, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        first = excel.export_framework(system_actor, rich)
    rows = workbook_rows(first)
    assert rows["Framework"][1][0] == "FWX"
    assert len(rows["Nodes"]) == 1 + 5  # the archived node is left out
    assert len(rows["Indicators"]) == 1 + 5
    assert len(rows["Targets"]) == 1 + 8 and len(rows["Values"]) == 1 + 8
    # Exact decimals: a number cell where a double holds the value, else the exact text.
    book = load_workbook(io.BytesIO(first))
    targets = book["Targets"]
    long_row = find_row(targets, indicator="I-CUR")
    stored = Target.objects.get(indicator__node__framework=rich, indicator__code="I-CUR").value
    cell = targets.cell(row=long_row, column=col(targets, "value")).value
    assert Decimal(str(cell)) == stored  # SQLite keeps about 15 digits of it, PostgreSQL all 20 (then as text)
    assert targets.cell(row=find_row(targets, node="2", indicator="I-NUM"), column=col(targets, "value")).value == 0.1
    assert book["Values"].cell(row=2, column=col(book["Values"], "period_start")).is_date
    assert book["Framework"].cell(row=2, column=col(book["Framework"], "on_track_threshold")).value == 0.85

    before = AuditEvent.objects.count()
    report = excel.import_workbook(edited(first, set_code("FWY")), actor=system_actor, reason="copy")
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts == {"frameworks": 1, "nodes": 5, "indicators": 5, "targets": 8, "values": 8}
    copy = Framework.objects.get(code="FWY")
    events = AuditEvent.objects.filter(seq__gt=AuditEvent.objects.order_by("seq")[before - 1].seq if before else 0)
    assert events.exists() and set(events.values_list("source", flat=True)) == {"import"}
    assert set(events.values_list("actor_username", flat=True)) == {"orbit-system"}
    assert set(events.values_list("reason", flat=True)) == {"copy"}

    second = excel.export_framework(system_actor, copy)
    again = workbook_rows(second)
    assert again["Framework"][1][0] == "FWY"
    again["Framework"][1] = ("FWX", *again["Framework"][1][1:])
    assert again == rows
    assert model_data(copy) == model_data(rich)
    assert Target.objects.get(indicator__node__framework=copy, indicator__code="I-CUR").value == stored


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (Decimal("12.500000"), 12.5),
        (Decimal("30"), 30),
        (Decimal("-0.000001"), -0.000001),
        (Decimal("0.1"), 0.1),
        (LONG, "12345678901234.123456"),
        (Decimal("99999999999999.999999"), "99999999999999.999999"),
        (None, None),
    ],
)
def test_number_cells_hold_the_exact_decimal(value, cell):
    written = excel._number_cell(value)
    assert written == cell and type(written) is type(cell)
    if value is not None:
        assert excel._number(written) == value  # and read back exactly


def test_export_query_count_does_not_grow_with_rows(rich, tree, system_actor, django_assert_max_num_queries):
    node = ResultNode.objects.get(framework=rich, number="1.1")
    with audit_context(source="cli"):
        rich = framework_update(actor=system_actor, framework=rich, expected_version=rich.version, status="active")
        for index in range(12):
            indicator = indicator_create(actor=system_actor, node=node, code=f"X{index}", title={"en": "x"})
            target_create(actor=system_actor, indicator=indicator, value=index, **Y2024)
            actual_create(actor=system_actor, indicator=indicator, unit=tree.dept_a, value=index, **Y2024)
    with django_assert_max_num_queries(6):
        data = excel.export_framework(system_actor, rich)
    assert len(workbook_rows(data)["Values"]) == 1 + 8 + 12


def test_blank_template_imports_nothing_but_reports_the_missing_framework(system_actor):
    data = excel.workbook_bytes(excel.blank_workbook())
    report = excel.import_workbook(data, actor=system_actor)
    assert [str(e) for e in report.errors] == ["Framework: give exactly one framework row (found 0)"]


# --- all or nothing -------------------------------------------------------------------------------------------


def test_workbook_with_errors_in_every_sheet_applies_nothing(rich, tree, system_actor):
    exported = excel.export_framework(system_actor, rich)
    expected: set[tuple[str, int, str]] = set()

    def break_it(book):
        book["Framework"]["A2"] = "FWBAD"
        nodes = book["Nodes"]
        last = nodes.max_row
        nodes.cell(row=last + 1, column=col(nodes, "key"), value="9")
        nodes.cell(row=last + 1, column=col(nodes, "parent"), value="77")
        nodes.cell(row=last + 1, column=col(nodes, "title_en"), value="Orphan")
        nodes.cell(row=last + 2, column=col(nodes, "key"), value="1")
        nodes.cell(row=last + 2, column=col(nodes, "title_en"), value="Twice")
        expected.update({("Nodes", last + 1, "parent"), ("Nodes", last + 2, "key")})

        indicators = book["Indicators"]
        row = find_row(indicators, code="I-CUR")
        indicators.cell(row=row, column=col(indicators, "measure"), value="percent")
        expected.add(("Indicators", row, "measure"))
        row = find_row(indicators, node="2", code="I-NUM")
        indicators.cell(row=row, column=col(indicators, "responsible_unit"), value="NOPE")
        expected.add(("Indicators", row, "responsible_unit"))

        targets = book["Targets"]
        row = find_row(targets, node="1.1", indicator="I-NUM", unit=None, dimension=None,
                       period_start=dt.datetime(2025, 1, 1))  # fmt: skip
        targets.cell(row=row, column=col(targets, "period_start"), value=dt.date(2030, 1, 1))
        targets.cell(row=row, column=col(targets, "period_end"), value=dt.date(2030, 12, 31))
        expected.add(("Targets", row, "period_start"))
        duplicate = find_row(targets, indicator="I-QUAL")
        last = targets.max_row + 1
        for column in range(1, targets.max_column + 1):
            targets.cell(row=last, column=column, value=targets.cell(row=duplicate, column=column).value)
        expected.add(("Targets", last, "period_start"))  # overlaps the row it copies

        values = book["Values"]
        row = find_row(values, indicator="I-NUM", unit="DIV-A1")
        values.cell(row=row, column=col(values, "value"), value="12 countries")
        expected.add(("Values", row, "value"))
        row = find_row(values, indicator="I-PCT")
        values.cell(row=row, column=col(values, "numerator"), value=70)
        expected.add(("Values", row, "numerator"))
        row = find_row(values, indicator="I-NUM", category="m")
        values.cell(row=row, column=col(values, "value"), value=9)  # 7 + 9 is not the total 15
        expected.add(("Values", row, "value"))
        row = find_row(values, node="2", indicator="I-NUM")
        values.cell(row=row, column=col(values, "unit"), value="NOWHERE")
        expected.add(("Values", row, "unit"))
        row = find_row(values, indicator="I-QUAL")
        values.cell(row=row, column=col(values, "period_end"), value="31/12/2025")
        expected.add(("Values", row, "period_end"))

    before = table_counts()
    report = excel.import_workbook(edited(exported, break_it), actor=system_actor, filename="bad.xlsx")
    assert table_counts() == before
    assert not report.ok and report.counts == {}
    found = {(e.sheet, e.row, e.column) for e in report.errors}
    assert expected <= found, sorted(expected - found)
    assert found <= expected, sorted(found - expected)
    messages = {str(e) for e in report.errors}
    measure = letter(load_workbook(io.BytesIO(exported))["Indicators"], "measure")
    assert any(
        re.fullmatch(rf"Indicators!{measure}\d+ \(measure\): 'percent' is not one of number, percentage, currency, "
                     r"qualitative", m)
        for m in messages
    ), messages  # fmt: skip
    assert any("'12 countries' is not a number" in m for m in messages)
    assert any("greater than the denominator" in m for m in messages)
    assert any("add up to" in m for m in messages)
    assert any("outside the framework's cycle" in m for m in messages)
    assert any("overlaps" in m for m in messages)
    assert any("no node has the key 77" in m for m in messages)
    assert any("no organisational unit has the code NOWHERE" in m for m in messages)
    assert not Framework.all_objects.filter(code="FWBAD").exists()


def test_existing_code_is_refused_but_the_rest_is_still_checked(rich, system_actor):
    exported = excel.export_framework(system_actor, rich)

    def change(book):
        values = book["Values"]
        values.cell(row=2, column=col(values, "period_type"), value="fortnight")

    before = table_counts()
    report = excel.import_workbook(edited(exported, change), actor=system_actor)
    assert table_counts() == before
    messages = [str(e) for e in report.errors]
    assert messages[0] == (
        "Framework!A2 (code): a framework with the code FWX exists already; an import creates a new framework, "
        "so give a new code"
    )
    assert any(m.startswith("Values!C2 (period_type): 'fortnight' is not one of annual") for m in messages)
    assert len(messages) == 2


def test_dry_run_changes_nothing(rich, system_actor):
    data = edited(excel.export_framework(system_actor, rich), set_code("FWDRY"))
    before = table_counts()
    report = excel.import_workbook(data, actor=system_actor, dry_run=True)
    assert report.ok and report.dry_run and not report.applied
    assert report.counts["values"] == 8
    assert table_counts() == before
    assert not Framework.all_objects.filter(code="FWDRY").exists()


def test_import_needs_the_rights_the_services_check(rich, tree, system_actor):
    data = edited(excel.export_framework(system_actor, rich), set_code("FWC"))
    contributor = make_user("contrib")
    grant(contributor, tree.bdt, "contributor")  # may change, not approve: cannot create a framework
    before = table_counts()
    report = excel.import_workbook(data, actor=contributor)
    assert table_counts() == before
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("Framework", 2, "")]
    assert "approve" in report.errors[0].message


def test_numbers_and_dates_may_be_text_but_not_free_text(rich, system_actor):
    def change(book):
        book["Framework"]["A2"] = "FWT"
        values = book["Values"]
        row = find_row(values, indicator="I-CUR")
        values.cell(row=row, column=col(values, "value"), value=" 1000.5 ")
        values.cell(row=row, column=col(values, "period_start"), value="2024-01-01")
        values.cell(row=row, column=col(values, "period_end"), value=None)  # a calendar quarter: derived

    report = excel.import_workbook(edited(excel.export_framework(system_actor, rich), change), actor=system_actor)
    assert report.ok, [str(e) for e in report.errors]
    value = ActualValue.objects.get(indicator__node__framework__code="FWT", indicator__code="I-CUR")
    assert (value.value, value.period_end) == (Decimal("1000.5"), dt.date(2024, 3, 31))


# --- unreadable files and structure ---------------------------------------------------------------------------


def zip_of(**files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"code,name\nFW,Plan\n", "plan.xlsx: not an Excel .xlsx workbook"),
        (b"", "plan.xlsx: not an Excel .xlsx workbook"),
        (zip_of(**{"hello.txt": "hi"}), "plan.xlsx: a damaged or unsupported .xlsx workbook"),
        (zip_of(**{"[Content_Types].xml": "<not xml", "xl/workbook.xml": "<"}), "plan.xlsx: a damaged or unsupported"),
    ],
)
def test_unreadable_files_are_refused_in_one_line(data, expected, system_actor):
    report = excel.import_workbook(data, actor=system_actor, filename="plan.xlsx")
    assert len(report.errors) == 1
    assert str(report.errors[0]).startswith(expected)
    assert "\n" not in str(report.errors[0])


def test_truncated_workbook_is_refused(rich, system_actor):
    data = excel.export_framework(system_actor, rich)
    report = excel.import_workbook(data[: len(data) // 2], actor=system_actor, filename="cut.xlsx")
    assert [str(e) for e in report.errors] == [
        "cut.xlsx: not an Excel .xlsx workbook (a CSV or an old .xls file must be saved as .xlsx first)"
    ]


def test_missing_sheets_and_columns_are_named(rich, system_actor):
    def change(book):
        del book["Values"]
        targets = book["Targets"]
        targets.delete_cols(col(targets, "indicator"))
        targets.cell(row=1, column=targets.max_column + 1, value="mesure")

    report = excel.import_workbook(edited(excel.export_framework(system_actor, rich), change), actor=system_actor)
    assert sorted(str(e) for e in report.errors) == sorted([
        "Values: the sheet Values is missing",
        "Targets row 1 (indicator): the sheet Targets has no column indicator",
        f"Targets!{letter_of(12)}1 (mesure): unknown column 'mesure' (see the template's columns)",
    ])  # fmt: skip


def letter_of(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def test_every_column_is_documented():
    text = (Path(__file__).resolve().parents[4] / "docs" / "excel-template.md").read_text(encoding="utf-8")
    for sheet, columns in excel.SHEETS.items():
        assert f"## {sheet}" in text
        for column in columns:
            name = column.name
            if name.split("_")[-1] in ("en", "fr", "es", "ru", "ar", "zh-hans") and "_" in name:
                name = name.rsplit("_", 1)[0] + "_<lang>"
            assert f"`{name}`" in text, (sheet, column.name)


# --- command line ---------------------------------------------------------------------------------------------


def test_cli_export_and_import(rich, tree, tmp_path, capsys):
    path = tmp_path / "fw.xlsx"
    call_command("export", "framework", str(path), "--framework", "FWX")
    assert "Exported FWX" in capsys.readouterr().out
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(edited(path.read_bytes(), set_code("FWCLI")))
    before = table_counts()
    call_command("import", "framework", str(copy), "--dry-run")
    assert "dry run" in capsys.readouterr().out and table_counts() == before
    call_command("import", "framework", str(copy), "--reason", "from the file")
    assert "Imported FWCLI" in capsys.readouterr().out
    assert AuditEvent.objects.filter(source="import", reason="from the file").count() > 20


def test_cli_import_prints_each_error_and_exits_non_zero(rich, tmp_path, capsys):
    path = tmp_path / "fw.xlsx"
    call_command("export", "framework", str(path), "--framework", "FWX")
    capsys.readouterr()

    def change(book):
        book["Framework"]["A2"] = "FWNEW"
        indicators = book["Indicators"]
        indicators.cell(row=2, column=col(indicators, "measure"), value="percent")
        values = book["Values"]
        values.cell(row=3, column=col(values, "value"), value="12 countries")

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edited(path.read_bytes(), change))
    before = table_counts()
    # Django's command runner exits with CommandError.returncode (1), printing the message last.
    with pytest.raises(CommandError, match="2 errors; nothing was imported") as failure:
        call_command("import", "framework", str(bad))
    assert failure.value.returncode == 1
    assert table_counts() == before
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("Indicators!O2 (measure): 'percent' is not one of number, percentage, currency")
    assert err[1] == "Values!I3 (value): '12 countries' is not a number"
    assert len([line for line in err if "!" in line]) == 2

    csv = tmp_path / "renamed.xlsx"
    csv.write_text("code,name\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 error; nothing was imported"):
        call_command("import", "framework", str(csv))
    assert "renamed.xlsx: not an Excel .xlsx workbook" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no results framework"):
        call_command("export", "framework", str(path), "--framework", "NOPE")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "framework", str(tmp_path / "absent.xlsx"))


# --- web ------------------------------------------------------------------------------------------------------


@pytest.fixture
def manager(tree):
    user = make_user("planner")
    grant(user, tree.bdt, "manager")
    return user


def test_web_export_is_scoped(rich, tree, client, manager, system_actor):
    client.force_login(manager)
    url = reverse("results_excel:export", args=[rich.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "FWX" in response["Content-Disposition"]
    assert workbook_rows(b"".join(response))["Framework"][1][0] == "FWX"
    page = client.get(reverse("results_excel:home"))
    assert page.status_code == 200 and url in page.content.decode()

    with audit_context(source="cli"):
        other = make_unit("OTHER-B", parent=tree.root, type="bureau")  # outside the manager's bureau
        hidden = framework_create(
            actor=system_actor, owner_unit=other, code="HID", name={"en": "Hidden"},
            cycle_start=dt.date(2024, 1, 1), cycle_end=dt.date(2024, 12, 31), tiers=[{"en": "Goal"}],
        )  # fmt: skip
    assert client.get(reverse("results_excel:export", args=[hidden.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_web_import_reports_errors_and_applies_nothing(rich, client, manager, system_actor):
    client.force_login(manager)
    exported = excel.export_framework(system_actor, rich)

    def change(book):
        book["Framework"]["A2"] = "FWWEB"
        indicators = book["Indicators"]
        indicators.cell(row=2, column=col(indicators, "measure"), value="percent")

    before = table_counts()
    upload = io.BytesIO(edited(exported, change))
    upload.name = "plan.xlsx"
    response = client.post(reverse("results_excel:import"), {"file": upload})
    assert response.status_code == 200
    assert table_counts() == before
    html = response.content.decode()
    assert "&#x27;percent&#x27; is not one of number, percentage, currency, qualitative" in html
    assert "<td" in html and "Indicators" in html

    csv = io.BytesIO(b"code,name\n")
    csv.name = "plan.xlsx"
    response = client.post(reverse("results_excel:import"), {"file": csv})
    assert response.status_code == 200
    assert "plan.xlsx: not an Excel .xlsx workbook" in response.content.decode()
    assert table_counts() == before

    ok = io.BytesIO(edited(exported, set_code("FWWEB")))
    ok.name = "plan.xlsx"
    response = client.post(reverse("results_excel:import"), {"file": ok, "dry_run": "on"})
    assert response.status_code == 200 and table_counts() == before
    assert "no errors" in response.content.decode().lower()

    ok.seek(0)
    response = client.post(reverse("results_excel:import"), {"file": ok, "reason": "web copy"})
    assert response.status_code == 200
    created = Framework.objects.get(code="FWWEB")
    assert ResultNode.objects.filter(framework=created).count() == 5
    assert set(AuditEvent.objects.filter(reason="web copy").values_list("source", flat=True)) == {"import"}
    assert set(AuditEvent.objects.filter(reason="web copy").values_list("actor_username", flat=True)) == {"planner"}


def test_web_import_without_a_file_is_a_form_error(client, manager):
    client.force_login(manager)
    response = client.post(reverse("results_excel:import"), {})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert client.get(reverse("results_excel:import")).status_code == 200
