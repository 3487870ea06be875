#!/usr/bin/env python3
"""Regenerates the error-code table in src/README.md from src/code.rs (the `codes!` list).

tests/docs.rs fails when the table and `Code::ALL` disagree; run this to fix it:
    python3 scripts/readme-codes.py
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
source = (root / "src" / "code.rs").read_text()
# A variant's doc comment may span several `///` lines: join them into one table cell.
rows = [
    (" ".join(line.strip()[4:] for line in doc.strip().splitlines()), code)
    for doc, code in re.findall(r'((?:[ \t]*/// .*\n)+)[ \t]+\w+ = "(ERR_\w+)"', source)
]
table = "| code | meaning |\n|---|---|\n" + "".join(f"| `{code}` | {doc} |\n" for doc, code in rows)
readme_path = root / "src" / "README.md"
readme = readme_path.read_text()
start = readme.index("<!-- codes:start")
start = readme.index("\n", start) + 1
end = readme.index("<!-- codes:end -->")
readme_path.write_text(readme[:start] + table + readme[end:])
