"""Reference frameworks: the data files, the Chinese punctuation, the idempotent loader and the demo plan."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import shared_path

from orbit.governance.models import AuditEvent
from orbit.organisation.reference import load_units
from orbit.results.demo import CODE as DEMO_CODE
from orbit.results.demo import LINK_NOTE, load_demo_results
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, NodeLink, ResultNode, Target
from orbit.results.reference import (
    DATA_DIR,
    DIMENSIONS_FILE,
    FRAMEWORK_FILES,
    ascii_punctuation_between_cjk,
    framework_status,
    load_reference_frameworks,
    read_data,
    restore_cjk_punctuation,
    sdg_goal_short_titles,
)

HAN = re.compile(r"[\u4e00-\u9fff]")


# --- the punctuation function ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "restored"),
    [
        ("到2030年,在全球", "到2030年，在全球"),
        ("方式改善水质:减少污染", "方式改善水质：减少污染"),
        ("多样性;根据", "多样性；根据"),
        ("12例,5岁以下", "12例，5岁以下"),  # Chinese before, digit after
        ("宣言》,努力", "宣言》，努力"),  # after a Chinese closing title mark
        ("包括(金融)服务", "包括（金融）服务"),  # Chinese inside and around
        ("国家(SIDS)的", "国家（SIDS）的"),  # Latin inside, Chinese around
        ("年, 在", "年，在"),  # the space after a restored comma goes
        ("1,000人", "1,000人"),  # thousands separator between digits stays
        ("0.7%的", "0.7%的"),  # decimal point and per cent stay
        ("A, B (C): D; E", "A, B (C): D; E"),  # Latin-only text is untouched
        ("", ""),
    ],
)
def test_restore_cjk_punctuation(raw, restored):
    assert restore_cjk_punctuation(raw) == restored


def test_restore_is_idempotent_and_leaves_no_ascii_between_han():
    text = "到2030年,在全球所有人口中消除极端贫困;目标(一):减少"
    once = restore_cjk_punctuation(text)
    assert ascii_punctuation_between_cjk(text)
    assert ascii_punctuation_between_cjk(once) == []
    assert restore_cjk_punctuation(once) == once


# --- the data files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FRAMEWORK_FILES)
def test_framework_files_are_well_formed(name):
    data = read_data(name)
    assert data["sources"] and isinstance(data["gaps"], list)
    assert all(source.get("seen") for source in data["sources"].values())
    spec = data["framework"]
    assert set(spec["sources"]) <= set(data["sources"])
    assert dt.date.fromisoformat(spec["cycle_start"]) < dt.date.fromisoformat(spec["cycle_end"])
    seen: set[str] = set()
    for node in data["nodes"]:
        assert node["key"] not in seen, node["key"]
        assert node.get("parent") is None or node["parent"] in seen, f"{node['key']}: parent comes later"
        seen.add(node["key"])
        assert node["title"], node["key"]
        assert node["sources"] and set(node["sources"]) <= set(data["sources"]), node["key"]
        for text in [*node["title"].values(), *node.get("description", {}).values()]:
            assert ascii_punctuation_between_cjk(text) == [], (node["key"], text)


def test_sdg_file_has_17_goals_and_169_targets_in_three_languages():
    nodes = read_data("sdg.json")["nodes"]
    goals = [n for n in nodes if n["parent"] is None]
    targets = [n for n in nodes if n["parent"] is not None]
    assert (len(goals), len(targets)) == (17, 169)
    for node in nodes:
        assert {"en", "fr", "zh-hans"} <= set(node["title"]), node["ref_code"]
        assert HAN.search(node["title"]["zh-hans"]), node["ref_code"]
        assert not any("zh" in key and "short" in key for key in node), "unofficial Chinese short titles are left out"
    assert "，" in "".join(n["title"]["zh-hans"] for n in targets)
    assert sdg_goal_short_titles()["1"] == "No poverty"
    assert len(sdg_goal_short_titles()) == 17


def test_sdg_file_matches_the_shared_reference_data():
    shared = json.loads(shared_path("data", "reference", "sdg_goals_targets.json").read_text(encoding="utf-8"))
    ours = {n["ref_code"]: n for n in read_data("sdg.json")["nodes"]}
    expected = {g["code"]: (g["title_en"], g["title_fr"], g["title_zh"]) for g in shared["goals"]}
    expected |= {t["code"]: (t["text_en"], t["text_fr"], t["text_zh"]) for t in shared["targets"]}
    assert set(ours) == set(expected)
    for code, (en, fr, zh) in expected.items():
        title = ours[code]["title"]
        assert (title["en"], title["fr"]) == (en, fr), code
        assert title["zh-hans"] == restore_cjk_punctuation(zh), code
        # Only punctuation changed: dropping every comma, semicolon, colon and parenthesis gives the same text.
        assert re.sub(r"[,;:()，；：（） ]", "", title["zh-hans"]) == re.sub(r"[,;:() ]", "", zh), code


def test_wtdc17_chinese_titles_are_those_of_the_seed():
    seed = shared_path("seeds", "000_2a72f59323befb4d.txt").read_text(encoding="utf-8")
    section = seed[seed.index("4.2\t") : seed.index("4.3\t")]
    from_seed = dict(re.findall(r"部门目标(\d) – ([^：]+)：", section))
    objectives = [n for n in read_data("wtdc17.json")["nodes"] if n["parent"] is None]
    assert {n["ref_code"]: n["title"]["zh-hans"] for n in objectives} == from_seed
    assert all("en" not in n["title"] for n in objectives), "no English objective title is verified"
    assert "draft" in objectives[1]["description"]["en"] and "draft" in objectives[1]["status"]


def test_only_verified_sp_targets_and_complete_itud_outcomes():
    sp = read_data("itu_sp_2020_2023.json")["nodes"]
    assert [n["ref_code"] for n in sp if n["parent"]] == ["2.1", "3.2", "3.3", "4.1", "5.1"]
    assert all(n["status"].startswith("verified") or n["parent"] is None for n in sp)
    itud = read_data("itu_d_2016_2019.json")["nodes"]
    counts = {o["ref_code"]: sum(1 for n in itud if n["parent"] == o["key"]) for o in itud if o["parent"] is None}
    assert counts == {"D.1": 14, "D.2": 7, "D.3": 6, "D.4": 10}


def test_dimensions_say_where_their_categories_come_from():
    data = read_data(DIMENSIONS_FILE)
    sex = next(d for d in data["dimensions"] if d["code"] == "sex")
    assert [c["code"] for c in sex["categories"]] == ["female", "male"] and sex["exhaustive"] is False
    assert all(d["origin"] and set(d["sources"]) <= set(data["sources"]) for d in data["dimensions"])


def test_data_files_need_nothing_outside_the_project():
    for path in DATA_DIR.glob("*.json"):
        assert "/work/" not in path.read_text(encoding="utf-8") and "../shared" not in path.read_text(encoding="utf-8")


# --- loading --------------------------------------------------------------------------------------------------


@pytest.fixture
def units(system_actor, cli_context):
    load_units(actor=system_actor)


@pytest.mark.django_db
def test_load_creates_public_frameworks_and_a_second_run_writes_nothing(
    units, system_actor, cli_context, django_assert_max_num_queries
):
    today = dt.date(2026, 11, 1)
    report = load_reference_frameworks(actor=system_actor, today=today)
    assert report.frameworks_created == 5 and report.dimensions_created == 2
    frameworks = {f.code: f for f in Framework.objects.select_related("owner_unit")}
    assert all(f.is_public and not f.is_sample for f in frameworks.values())
    assert frameworks["SDG"].status == "active" and frameworks["WTDC-17-BAAP"].status == "closed"
    assert frameworks["SDG"].owner_unit.code == "ITU" and frameworks["ITU-D-2016-2019"].owner_unit.code == "BDT"
    sdg = ResultNode.objects.filter(framework=frameworks["SDG"])
    assert sdg.filter(tier=0).count() == 17 and sdg.filter(tier=1).count() == 169
    target = sdg.get(ref_code="9.c")
    assert target.number == "9.8" and target.code == "9.c" and "S-IATI" in target.source
    assert "，" in target.title["zh-hans"]
    assert report.nodes_created == ResultNode.objects.count()
    events = AuditEvent.objects.count()
    with django_assert_max_num_queries(6):
        again = load_reference_frameworks(actor=system_actor, today=today)
    assert again.writes == 0 and again.nodes_unchanged == report.nodes_created
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_changed_file_updates_only_what_changed(units, system_actor, cli_context, tmp_path):
    for name in (*FRAMEWORK_FILES, DIMENSIONS_FILE):
        (tmp_path / name).write_text((DATA_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    load_reference_frameworks(actor=system_actor, data_dir=tmp_path, today=dt.date(2026, 1, 1))
    data = read_data("itu_d_2016_2019.json")
    data["nodes"][1]["title"]["fr"] = "Projet de plan stratégique"
    (tmp_path / "itu_d_2016_2019.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = load_reference_frameworks(actor=system_actor, data_dir=tmp_path, today=dt.date(2026, 1, 1))
    assert (report.nodes_updated, report.nodes_created) == (1, 0)
    node = ResultNode.objects.get(framework__code="ITU-D-2016-2019", ref_code="D.1-1")
    assert node.title["fr"] == "Projet de plan stratégique" and node.version == 2
    framework = Framework.objects.get(code="ITU-D-2016-2019")
    assert framework.status == "closed", "reopened for the change, closed again"


@pytest.mark.django_db
def test_gaps_are_loaded_visibly_empty(units, system_actor, cli_context):
    load_reference_frameworks(actor=system_actor)
    gaps = list(ResultNode.objects.filter(status_note="gap").select_related("framework"))
    assert gaps
    for node in gaps:
        assert "not yet available" in node.title["en"], node.title
        assert not node.indicators.exists()
    wtdc = ResultNode.objects.filter(framework__code="WTDC-17-BAAP")
    assert wtdc.filter(tier=0).count() == 4
    assert all(wtdc.filter(parent__tier=0, parent__ref_code=str(i), status_note="gap").exists() for i in range(1, 5))
    assert set(wtdc.filter(ref_code__in=["2.1", "2.2"]).values_list("status_note", flat=True)) == {"gap"}
    truncated = ResultNode.objects.get(framework__code="ITU-D-2016-2019", ref_code="D.2-7")
    assert truncated.status_note == "gap" and "integr" in truncated.description["en"]
    ris = ResultNode.objects.filter(framework__code="WTDC-17-RI", tier=1)
    assert ris.get(ref_code="AFR1").status_note == ""
    assert ris.get(ref_code="CIS1").status_note.startswith("corroborated")
    assert ris.get(ref_code="EUR1").status_note == "gap"


def test_framework_status_follows_the_cycle():
    assert framework_status(dt.date(2021, 12, 31), dt.date(2026, 1, 1)) == "closed"
    assert framework_status(dt.date(2030, 12, 31), dt.date(2026, 1, 1)) == "active"


# --- the demo plan --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_plan_is_sample_data_and_loads_once(units, system_actor, cli_context):
    load_reference_frameworks(actor=system_actor)
    report = load_demo_results(actor=system_actor)
    assert report.created and report.indicators >= 8
    framework = Framework.objects.get(code=DEMO_CODE)
    assert framework.is_sample and "sample" in framework.name["en"].lower()
    assert "Sample" in framework.description["en"]
    for model, lookup in (
        (ResultNode, "framework"), (Indicator, "node__framework"), (Target, "indicator__node__framework"),
        (ActualValue, "indicator__node__framework"),
    ):  # fmt: skip
        rows = model.objects.filter(**{lookup: framework})
        assert rows.exists() and not rows.filter(is_sample=False).exists(), model
    indicators = Indicator.objects.filter(node__framework=framework)
    assert set(indicators.values_list("measure", flat=True)) == {"number", "percentage", "currency", "qualitative"}
    assert set(indicators.values_list("time_aggregation", flat=True)) == {"sum", "cumulative", "latest", "average"}
    values = ActualValue.objects.filter(indicator__node__framework=framework)
    assert set(values.values_list("status", flat=True)) == {"draft", "submitted", "approved"}
    assert values.values("unit").distinct().count() >= 3
    links = NodeLink.objects.filter(source__framework=framework).select_related("target__framework")
    assert {link.target.framework.code for link in links} == {"SDG", "WTDC-17-BAAP"}
    assert all(link.note == LINK_NOTE for link in links)
    events = AuditEvent.objects.count()
    assert not load_demo_results(actor=system_actor).created
    assert AuditEvent.objects.count() == events
    assert Dimension.objects.filter(code="sex", is_sample=False).exists()


@pytest.mark.django_db
def test_demo_roll_ups_show_every_status(units, system_actor, cli_context):
    from orbit.results.selectors import framework_tree

    load_reference_frameworks(actor=system_actor)
    load_demo_results(actor=system_actor)
    tree = framework_tree(system_actor, Framework.objects.get(code=DEMO_CODE), as_of=dt.date(2026, 11, 15))
    assert tree.totals["on_track"] and tree.totals["at_risk"] and tree.totals["off_track"]
