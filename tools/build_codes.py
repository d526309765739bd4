"""Build ``src/orbit/core/data/codes.json`` (country and currency codes) from the IATI codelists.

    python tools/build_codes.py ../shared/data/iati/codelists/json

Only codes and English names are kept, active ones only; the attribution travels with the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "orbit" / "core" / "data" / "codes.json"


def active(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {item["code"]: item["name"] for item in data["data"] if item.get("status", "active") == "active"}


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/iati/codelists/json")
    document = {
        "about": "Country codes (ISO 3166-1 alpha-2, with IATI's XA-XZ additions) and currency codes "
        "(ISO 4217), active entries only, with their English names.",
        "source": "IATI Standard (http://iatistandard.org/): codelists Country and Currency, version 2.03 "
        "(IATI-Codelists-NonEmbedded). The codes are ISO's; the names are as the IATI codelists give them.",
        "countries": active(folder / "Country.json"),
        "currencies": active(folder / "Currency.json"),
    }
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(document['countries'])} countries, {len(document['currencies'])} currencies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
