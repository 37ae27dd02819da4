"""Compile rrmm's core with mypyc into build/compiled (``make setup`` runs this).

The modules are listed in ``rrmm.compiled.MODULES``; the manifest written last records the
interpreter and each source's SHA-256, and rrmm uses the build only while they all match
(see ``rrmm.compiled``). Run from anywhere: ``.venv/bin/python scripts/compile_core.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from rrmm import compiled

GROUP = "rrmm_compiled"


def _setup_script(paths: list[str], work: Path, target: Path) -> str:
    return textwrap.dedent(
        f"""
        from setuptools import setup
        from mypyc.build import mypycify

        setup(
            name="{GROUP}",
            ext_modules=mypycify({paths!r}, group_name="{GROUP}", target_dir={str(work / "c")!r}),
            script_args=[
                "build_ext", "--build-lib", {str(target)!r}, "--build-temp", {str(work / "o")!r},
            ],
        )
        """
    )


def _module_name(file: Path, target: Path) -> str:
    relative = file.relative_to(target)
    return ".".join([*relative.parent.parts, relative.name.split(".")[0]])


def build(target: Path = compiled.BUILD) -> int:
    """Compile into ``target``; the manifest is written only after every module built."""
    started = time.perf_counter()
    before = compiled.fingerprint()
    work = target.with_name(target.name + "-work")
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    paths = [str(compiled.source_path(m)) for m in compiled.MODULES]
    script = work / "setup.py"
    script.write_text(_setup_script(paths, work, target), encoding="utf-8")
    log = work / "build.log"
    with log.open("w", encoding="utf-8") as sink:
        done = subprocess.run(
            [sys.executable, str(script)], cwd=work, stdout=sink, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        print(log.read_text(encoding="utf-8")[-4000:], file=sys.stderr)
        print(f"compile_core: mypyc failed (log: {log})", file=sys.stderr)
        return 1
    if compiled.fingerprint() != before:
        print("compile_core: sources changed while compiling; run it again", file=sys.stderr)
        return 1
    files = {
        _module_name(file, target): str(file.relative_to(target))
        for file in sorted(target.rglob("*.so"))
    }
    missing = sorted(set(compiled.MODULES) - set(files))
    if missing:
        print(f"compile_core: not built: {', '.join(missing)}", file=sys.stderr)
        return 1
    manifest = {"interpreter": compiled.interpreter(), "modules": before, "files": files}
    partial = target / (compiled.MANIFEST + ".tmp")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    partial.replace(target / compiled.MANIFEST)
    shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - started
    print(f"compiled {len(compiled.MODULES)} modules with mypyc into {target} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(build())
