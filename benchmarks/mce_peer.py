"""The peer of the whole-process `check` rows: msdrg's Medicare Code Editor over an encounter file.

`python -m benchmarks.mce_peer FILE` does what a script around CMS's editor
would: read the file, turn each encounter into an MCE claim (date, sex, age,
principal = first code, the rest secondary, dots removed), run
`MceEditor.edit` on each, and print the editor's answers as one JSON array.
The reading is plain and quick (a split and a few comparisons per line): the
editor's speed is what is compared, not a slow reader's.
"""

from __future__ import annotations

import json
import sys


def claims(text: str) -> list[dict]:
    out: list[dict] = []
    claim: dict | None = None
    for line in text.split("\n"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("encounter"):
            claim = {"discharge_date": 0, "age": 0, "sex": 0, "discharge_status": 1, "pdx": None, "sdx": [],
                     "procedures": []}
            out.append(claim)
            continue
        if claim is None:
            continue
        key, colon, value = line.partition(":")
        if colon and key in ("date", "sex", "age", "setting", "note"):
            value = value.strip()
            if key == "date":
                claim["discharge_date"] = int(value.replace("-", ""))
            elif key == "sex":
                claim["sex"] = 1 if value == "F" else 0
            elif key == "age":
                claim["age"] = int(value)
            continue
        code = {"code": line.split()[0].replace(".", "")}
        if claim["pdx"] is None:
            claim["pdx"] = code
        else:
            claim["sdx"].append(code)
    return [c for c in out if c["pdx"] is not None]


def main(path: str) -> int:
    import msdrg

    with open(path, encoding="utf-8") as stream:
        encounters = claims(stream.read())
    with msdrg.MceEditor() as editor:
        edit = editor.edit
        results = [edit(claim) for claim in encounters]
    sys.stdout.write(json.dumps(results))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
