#!/usr/bin/env python3
"""Fails when a file in the package cites a file that does not ship with it.

Lists the package (`cargo package --list`) and reads every shipped text file for
- paths that can never ship: `../shared` (beside the repository), `.ci/` (CI);
- this repository's files named by path (`docs/…`, `scripts/…`, `benches/…`, `c/…`, `tests/…`,
  `examples/…`, `src/…` with an extension, or a top-level `NAME.md`): each must be in the list.
`docs/STYLE.md` cites other projects' sources by their own paths (socket2's `src/sys/unix.rs`),
so only the first check applies to it.
"""
import os
import re
import subprocess
import sys

files = subprocess.run(["cargo", "package", "--list", "--allow-dirty", "--quiet"],
                       check=True, capture_output=True, text=True).stdout.split()
shipped = set(files)
never = re.compile(r"\.\./shared|\.ci/")
cited = re.compile(r"(?<![\w./-])((?:docs|scripts|benches|c|tests|examples|src)/[\w./-]*"
                   r"\.(?:md|py|sh|rs|cpp|c|h)|[A-Z][A-Z_-]+\.md)\b")
foreign = {"docs/STYLE.md"}
generated = {"Cargo.toml", "Cargo.lock", ".cargo_vcs_info.json"}
bad = []
for f in files:
    src = "Cargo.toml" if f == "Cargo.toml.orig" else f
    if f in generated or not os.path.isfile(src):
        continue
    try:
        text = open(src, encoding="utf-8").read()
    except UnicodeDecodeError:
        continue  # not text
    for n, line in enumerate(text.splitlines(), 1):
        for m in never.finditer(line):
            bad.append(f"{f}:{n}: cites {m.group(0)!r}: {line.strip()}")
        if f in foreign:
            continue
        for m in cited.finditer(line):
            if m.group(1) not in shipped and not os.path.isdir(m.group(1)):
                bad.append(f"{f}:{n}: cites {m.group(1)}, which is not in the package: "
                           f"{line.strip()}")
for b in bad:
    print(b)
if bad:
    sys.exit(f"{len(bad)} citation(s) of files outside the package")
print(f"{len(files)} files in the package; none cites a file outside it")
