#!/usr/bin/env python3
"""Fails when a locked dependency needs a newer Rust than Cargo.toml's `rust-version`.

Reads `cargo metadata --locked` (every package in Cargo.lock, dev-dependencies included: they
build with the same toolchain under `cargo test`). Without an older toolchain to build with,
this is the check that keeps `rust-version` true.
"""
import json
import subprocess
import sys


def version(v):
    """`1.85`, `1.85.0` or `1.85.0-nightly` as a comparable (major, minor, patch)."""
    parts = [int(x) for x in v.split("-")[0].split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked"],
    check=True, capture_output=True, text=True).stdout)
root = next(p for p in meta["packages"] if p["id"] in meta["workspace_members"])
ours = root.get("rust_version")
if not ours:
    sys.exit("Cargo.toml declares no rust-version")
deps = [p for p in meta["packages"] if p is not root and p.get("rust_version")]
over = sorted((version(p["rust_version"]), p["name"], p["version"], p["rust_version"])
              for p in deps if version(p["rust_version"]) > version(ours))
for _, name, ver, needs in over:
    print(f"{name} {ver} needs Rust {needs}")
if over:
    sys.exit(f"rust-version = \"{ours}\" in Cargo.toml is below what the locked dependencies "
             "need: raise it (or lock older versions)")
top = max(deps, key=lambda p: version(p["rust_version"]))
print(f"rust-version {ours} covers all {len(meta['packages']) - 1} locked dependencies "
      f"(the highest: {top['name']} {top['version']} needs {top['rust_version']})")
