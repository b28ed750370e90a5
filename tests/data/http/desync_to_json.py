#!/usr/bin/python3
"""Flattens aws/http-desync-guardian's YAML cases (desync/*.yaml) into desync_cases.json.

Run with Debian's /usr/bin/python3 (it has python3-yaml); C++ has no YAML library.
Each output case is {file, name, method, uri, version, headers: [[name, value], ...], tier}.
YAML escapes such as "\\x12" are already decoded by the YAML loader. Every output string
is a byte string written as characters U+0000..U+00FF, one per byte (the test converts
them back): a string whose characters all fit in a byte is taken byte for byte (so
"\\xa0" is the byte 0xA0, as the YAML author meant), any other (e.g. "Tran\u017ffer")
is encoded as UTF-8, which is what an HTTP client would put on the wire.
"""
import json
import pathlib
import yaml

HERE = pathlib.Path(__file__).resolve().parent


def text(value):
    s = "" if value is None else str(value)
    if any(ord(c) > 0xFF for c in s):
        return s.encode("utf-8").decode("latin-1")
    return s


def main():
    cases = []
    for path in sorted((HERE / "desync").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append({
                "file": path.name,
                "name": text(case["name"]),
                "method": text(case["method"]),
                "uri": text(case["uri"]),
                "version": text(case["version"]),
                "headers": [[text(h["name"]), text(h.get("value"))]
                            for h in case.get("headers") or []],
                "tier": case["expected"]["tier"],
            })
    out = HERE / "desync_cases.json"
    out.write_text(json.dumps(cases, indent=1, ensure_ascii=True) + "\n", encoding="ascii")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
