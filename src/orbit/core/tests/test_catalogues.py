"""The committed translation catalogues are complete, faithful to their messages, and compiled.

Each non-English catalogue (src/orbit/locale/<lang>/LC_MESSAGES/django.po) is read with the small
reader below, so the check needs neither the gettext tools nor a third-party package:

* every message is translated, no translation is marked fuzzy;
* a translation keeps the placeholders (``%(name)s``, ``%s``, ``{name}``), the HTML tags and the
  leading/trailing newlines of its message;
* a plural message has as many forms as the catalogue's Plural-Forms header says;
* the committed .mo holds exactly the .po's translations (a .mo that was not recompiled after the
  .po changed differs from it). File times are not compared: git does not keep them.

When the gettext tools are installed, ``msgfmt --check`` must accept each catalogue too.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import orbit

LOCALE_DIR = Path(orbit.__file__).resolve().parent / "locale"
LANGUAGES = ["fr", "zh_Hans", "es", "ru", "ar"]

PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{\w*\}")
HTML = re.compile(r"</?[a-zA-Z][^<>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        context = f" [{self.msgctxt}]" if self.msgctxt is not None else ""
        return f"line {self.line}{context}: {self.msgid[:70]!r}"


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")

    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        if char not in ESCAPES:
            raise ValueError(f"{path}:{number}: unknown escape \\{char}")
        return ESCAPES[char]

    return re.sub(r"\\(.)", replace, text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included (msgid ""); obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines append to
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
                target = None
            continue
        if line.startswith("#,"):
            finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            name, index = target
            value = _unquote(line, path, number)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            finish()
        if current is None:
            current = Entry(line=number, flags=pending_flags)
            pending_flags = set()
        value = _unquote(rest, path, number)
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, value)
            target = (keyword, 0)
        elif keyword == "msgstr":
            current.msgstr[0] = value
            target = ("msgstr", 0)
        elif match:
            index = int(match.group(1))
            current.msgstr[index] = value
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


def header_of(entries: list[Entry]) -> dict[str, str]:
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    assert header is not None, "the catalogue has no header entry"
    fields = {}
    for row in header.msgstr.get(0, "").splitlines():
        name, _, value = row.partition(":")
        if value:
            fields[name.strip()] = value.strip()
    return fields


def nplurals(entries: list[Entry]) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header_of(entries).get("Plural-Forms", ""))
    assert match, "the catalogue's header has no Plural-Forms with nplurals"
    return int(match.group(1))


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None)]


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def positional_count(text: str) -> int:
    return sum(1 for p in PLACEHOLDER.findall(text) if p.startswith("%") and not p.startswith("%("))


def edge_newlines(text: str) -> tuple[bool, bool]:
    return text.startswith("\n"), text.endswith("\n")


def problems_of(entry: Entry, forms: int) -> list[str]:
    problems: list[str] = []
    if "fuzzy" in entry.flags:
        problems.append("fuzzy")
    if entry.msgid_plural is None:
        sources = [entry.msgid]
        expected_forms = [0]
    else:
        sources = [entry.msgid, entry.msgid_plural]
        expected_forms = list(range(forms))
    if sorted(entry.msgstr) != expected_forms:
        problems.append(f"has forms {sorted(entry.msgstr)}, expected {expected_forms}")
    wanted = set().union(*(placeholders(s) for s in sources))
    for index, text in sorted(entry.msgstr.items()):
        where = f"msgstr[{index}]" if entry.msgid_plural is not None else "msgstr"
        if not text:
            problems.append(f"{where} untranslated")
            continue
        if placeholders(text) != wanted:
            problems.append(f"{where} placeholders {sorted(placeholders(text))} != {sorted(wanted)}")
        source = sources[min(index, len(sources) - 1)]
        if positional_count(text) != positional_count(source):
            counts = (positional_count(text), positional_count(source))
            problems.append(f"{where} has {counts[0]} positional placeholders, not {counts[1]}")
        if sorted(HTML.findall(text)) != sorted(HTML.findall(source)):
            problems.append(f"{where} HTML tags or entities differ")
        if edge_newlines(text) != edge_newlines(source):
            problems.append(f"{where} leading/trailing newline differs")
    return problems


# --- the reader itself ----------------------------------------------------------------------------


def test_the_reader_sees_untranslated_fuzzy_and_plural_entries(tmp_path):
    sample = tmp_path / "django.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: xx\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        '#: a.py:1\nmsgid "Hello %(name)s"\nmsgstr "Salut %(who)s"\n\n'
        '#, fuzzy, python-format\nmsgctxt "greeting"\nmsgid "Bye"\nmsgstr "Au revoir"\n\n'
        'msgid "%(n)d file"\nmsgid_plural "%(n)d files"\nmsgstr[0] "%(n)d fichier"\nmsgstr[1] ""\n\n'
        'msgid ""\n"Two\\n"\n"lines"\nmsgstr "Deux\\nlignes"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Vieux"\n',
        encoding="utf-8",
    )
    entries = read_po(sample)
    assert nplurals(entries) == 2
    found = {e.msgid: e for e in messages(entries)}
    assert sorted(found) == ["%(n)d file", "Bye", "Hello %(name)s", "Two\nlines"]
    assert found["Bye"].msgctxt == "greeting" and "fuzzy" in found["Bye"].flags
    assert found["Two\nlines"].msgstr == {0: "Deux\nlignes"}
    assert any("placeholders" in p for p in problems_of(found["Hello %(name)s"], 2))
    assert problems_of(found["Bye"], 2) == ["fuzzy"]
    assert problems_of(found["%(n)d file"], 2) == ["msgstr[1] untranslated"]
    assert problems_of(found["%(n)d file"], 3) == [
        "has forms [0, 1], expected [0, 1, 2]",
        "msgstr[1] untranslated",
    ]
    assert problems_of(found["Two\nlines"], 2) == []


# --- the committed catalogues ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_keeps_its_placeholders(language):
    entries = read_po(po_path(language))
    forms = nplurals(entries)
    found = messages(entries)
    assert found, f"{language}: the catalogue has no messages"
    failures = [f"{e.label}: {problem}" for e in found for problem in problems_of(e, forms)]
    assert not failures, f"{language}: {len(failures)} problem(s):\n" + "\n".join(failures[:50])


def test_every_language_has_the_same_messages():
    keys = {
        language: {(e.msgctxt, e.msgid, e.msgid_plural) for e in messages(read_po(po_path(language)))}
        for language in LANGUAGES
    }
    reference = keys["fr"]
    for language, own in keys.items():
        missing, extra = reference - own, own - reference
        shown = sorted(map(str, missing))[:10], sorted(map(str, extra))[:10]
        assert not missing and not extra, f"{language} differs from fr: missing {shown[0]}, extra {shown[1]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_po(language):
    entries = messages(read_po(po_path(language)))
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run orbit compilemessages"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in entries:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(key, index)] = text
    compiled = {k: v for k, v in compiled.items() if k != ""}  # the header
    stale = sorted(str(k)[:70] for k in expected if compiled.get(k) != expected[k])
    extra = sorted(str(k)[:70] for k in compiled if k not in expected)
    assert not stale and not extra, (
        f"{language}: the .mo is not compiled from the current .po ({len(stale)} differ or are missing, "
        f"{len(extra)} extra), e.g. {(stale + extra)[:5]}; run orbit compilemessages"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalogue(language, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("msgfmt (GNU gettext) is not installed, and CI=true requires it")
        print("msgfmt (GNU gettext) is not installed: the msgfmt --check step is skipped")
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(po_path(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{language}: msgfmt --check failed:\n{result.stderr}"
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
