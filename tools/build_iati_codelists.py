"""Build ``src/orbit/interop/data/iati_codelists.json`` (the IATI 2.03 codelists Orbit imports and exports with).

    python tools/build_iati_codelists.py ../shared/data/iati/codelists

Why a generated file: Orbit checks codes offline and names them in its own pages, and the repository must not
carry the shared data folder. The file keeps, for each codelist Orbit uses, the codes with their English names
(descriptions are left out to keep it small), whether the list is complete, and which codes IATI has withdrawn (kept,
so that an import can warn about them rather than refuse them). It also keeps the part of the official
``mapping.json`` (which attribute uses which codelist, under which vocabulary condition) that concerns those lists,
with the official validator's rule id and message for each entry when ``../validator`` beside the codelists folder
holds ``IATI-Validator-Codelists_codelist_rules.json``.

The output depends only on the input files: running the script twice gives the same bytes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src" / "orbit" / "interop" / "data" / "iati_codelists.json"
RULES_FILE = Path("..") / "validator" / "IATI-Validator-Codelists_codelist_rules.json"
ATTRIBUTION = "IATI Standard (http://iatistandard.org/)"

NEEDED = (
    "ActivityDateType",
    "ActivityScope",
    "ActivityStatus",
    "AidType",
    "AidTypeVocabulary",
    "BudgetStatus",
    "BudgetType",
    "CashandVoucherModalities",
    "Country",
    "Currency",
    "DescriptionType",
    "DocumentCategory",
    "EarmarkingCategory",
    "FileFormat",
    "IndicatorMeasure",
    "IndicatorVocabulary",
    "Language",
    "OrganisationRole",
    "OrganisationType",
    "Region",
    "RegionVocabulary",
    "ResultType",
    "ResultVocabulary",
    "Sector",
    "SectorCategory",
    "SectorVocabulary",
    "TagVocabulary",
    "TransactionType",
    "UNSDG-Goals",
    "UNSDG-Targets",
)
"""The lists Orbit reads or writes, plus the ones that the aid-type and sector vocabularies point to
(EarmarkingCategory, CashandVoucherModalities, SectorCategory), so that their codes can be checked too."""

_VOCABULARY = re.compile(r"@vocabulary\s*=\s*'([^']*)'")
_REPOSITORY = re.compile(
    r"https://github\.com/IATI/([\w-]+) branch `([^`]+)` @ ([0-9a-f]{40})(?: \((\d{4}-\d{2}-\d{2})\))?"
)


def versions(provenance: Path) -> list[dict[str, str]]:
    """The repositories, branches and commits the codelists were taken from, as PROVENANCE.md states them."""
    found = []
    for repository, branch, commit, day in _REPOSITORY.findall(provenance.read_text(encoding="utf-8")):
        entry = {"repository": f"https://github.com/IATI/{repository}", "branch": branch, "commit": commit}
        if day:
            entry["date"] = day
        found.append(entry)
    if not found:
        raise SystemExit(f"{provenance}: no repository, branch and commit found")
    return found


def codelist(path: Path) -> dict[str, Any]:
    """Codes and English names in IATI's order (meaningful: it is the order publishers see), and the withdrawn ones."""
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data["data"]
    codes = {item["code"]: (item.get("name") or "").strip() for item in items}
    withdrawn = sorted(item["code"] for item in items if item.get("status", "active") != "active")
    complete = data["attributes"].get("complete")
    return {
        "complete": complete != "0",
        "embedded": data["attributes"].get("embedded") == "1",
        "codes": codes,
        "withdrawn": withdrawn,
    }


def official_rule(rules: dict[str, Any], path: str, condition: str | None) -> dict[str, str] | None:
    """The validator's rule for one mapping entry: looked up by element path and attribute, then by vocabulary."""
    if path == "//@xml:lang":
        element, attribute = "/", "xml:lang"
    else:
        element, _, attribute = path.rpartition("/")
        element = "/iati-activities" + element[1:]
        attribute = attribute.removeprefix("@")
    found = rules.get(element, {}).get(attribute)
    if found is None:
        return None
    if "conditions" in found:
        match = _VOCABULARY.search(condition or "")
        found = found["conditions"]["mapping"].get(match.group(1)) if match else None
        if found is None:
            return None
    return {"rule": found["id"], "severity": found["severity"], "message": found["message"]}


def mapping(folder: Path, rules: dict[str, Any]) -> list[dict[str, str]]:
    """The activity entries of mapping.json whose codelist Orbit keeps, in the official order."""
    entries = []
    for entry in json.loads((folder / "mapping.json").read_text(encoding="utf-8")):
        path = entry["path"]
        if entry["codelist"] not in NEEDED or not (path.startswith("//iati-activity/") or path == "//@xml:lang"):
            continue
        kept = {"path": path, "codelist": entry["codelist"]}
        if entry.get("condition"):
            kept["condition"] = entry["condition"]
        official = official_rule(rules, path, entry.get("condition"))
        if official:
            kept.update(official)
        entries.append(kept)
    return entries


def build(folder: Path) -> str:
    """The whole file as text (JSON, one space indent, UTF-8 names, final newline)."""
    rules_path = (folder / RULES_FILE).resolve()
    rules = json.loads(rules_path.read_text(encoding="utf-8")) if rules_path.exists() else {}
    lists = {
        name: codelist(folder / "json" / f"{name}.json")
        for name in sorted(NEEDED)
        if (folder / "json" / f"{name}.json").exists()
    }
    document = {
        "about": "The IATI 2.03 codelists Orbit uses on import and export: codes with their English names, whether "
        "each list is complete (an incomplete list, such as Country, may lack a valid code), and the codes IATI has "
        "withdrawn. 'mapping' says which activity attribute takes which list, under which vocabulary condition, with "
        "the official validator's rule id and message. Generated by tools/build_iati_codelists.py; do not edit.",
        "source": {
            "attribution": ATTRIBUTION,
            "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/) for the codelist content. Names in "
            "externally sourced lists (ISO countries, currencies and languages, OECD DAC sectors, UN SDG goals and "
            "targets, IANA file formats) keep their owners' terms.",
            "version": "2.03",
            "codelists": versions(folder / "PROVENANCE.md"),
            "rules": "Rule ids and messages: IATI-Validator-Codelists, branch version-2.03, codelist_rules.json."
            if rules
            else "",
        },
        "codelists": lists,
        "mapping": mapping(folder, rules),
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None, out: Path = OUT) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "../shared/data/iati/codelists")
    text = build(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    document = json.loads(text)
    counts = f"{len(document['codelists'])} codelists, {len(document['mapping'])} mapped attributes"
    print(f"{out}: {counts}, {len(text)} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
