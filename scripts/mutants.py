"""Apply named mutations of bot/ one at a time and check that their tests catch them.

The list lives in tests/mutations.toml. Each mutation is applied to a temporary copy of the repository (the working
tree is never touched), its tests run there with this interpreter, and a failing run counts as killed. The
unmutated copy runs every listed test first: a test that fails without a mutation proves nothing.

    python scripts/mutants.py                 # all mutations
    python scripts/mutants.py rsvp-toggles    # only the named ones
    python scripts/mutants.py --list

Exit status: 0 when every mutation was killed, 1 otherwise (survived, stale snippet or failing baseline).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LIST = ROOT / "tests" / "mutations.toml"
DEFAULT_SELECT = "not postgresql"
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")


@dataclass(frozen=True)
class Edit:
    file: str
    original: str
    replacement: str


@dataclass(frozen=True)
class Mutation:
    name: str
    why: str
    tests: tuple[str, ...]
    select: str
    edits: tuple[Edit, ...]


def load(path: Path) -> list[Mutation]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    mutations = [
        Mutation(
            name=entry["name"],
            why=entry.get("why", ""),
            tests=tuple(entry["tests"]),
            select=entry.get("select", DEFAULT_SELECT),
            edits=tuple(Edit(e["file"], e["original"], e["replacement"]) for e in entry["edit"]),
        )
        for entry in data["mutation"]
    ]
    names = [m.name for m in mutations]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate mutation names: {sorted(duplicates)}")
    return mutations


def run_tests(copy: Path, tests: tuple[str, ...], select: str, timeout: float) -> tuple[bool, float, str]:
    """(passed, seconds, tail of the output) for pytest in `copy`."""
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k", select, *tests]
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - started, "timed out"
    output = (done.stdout + done.stderr).strip().splitlines()
    # pytest: 0 all passed; 1 some failed. 5 (nothing collected) and the rest are problems, not kills.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"pytest exited {done.returncode}:\n" + "\n".join(output[-20:]))
    return done.returncode == 0, time.monotonic() - started, output[-1] if output else ""


def apply(copy: Path, mutation: Mutation) -> dict[Path, str] | str:
    """Apply every edit; the original texts to restore, or why the mutation is stale."""
    originals: dict[Path, str] = {}
    for edit in mutation.edits:
        path = copy / edit.file
        current = path.read_text(encoding="utf-8")
        originals.setdefault(path, current)
        count = current.count(edit.original)
        if count != 1:
            for restore, content in originals.items():
                restore.write_text(content, encoding="utf-8")
            return f"snippet found {count} times in {edit.file}"
        path.write_text(current.replace(edit.original, edit.replacement), encoding="utf-8")
    return originals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="run only these mutations")
    parser.add_argument("--file", type=Path, default=DEFAULT_LIST)
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per test run")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    args = parser.parse_args()

    mutations = load(args.file)
    if args.list:
        for m in mutations:
            print(f"{m.name:45} {m.why}")
        return 0
    if args.names:
        unknown = set(args.names) - {m.name for m in mutations}
        if unknown:
            raise SystemExit(f"unknown mutations: {sorted(unknown)}")
        mutations = [m for m in mutations if m.name in args.names]

    with tempfile.TemporaryDirectory(prefix="lunchlearn-mutants-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        probe = subprocess.run(
            [sys.executable, "-c", "import bot; print(bot.__file__)"],
            cwd=copy,
            env={**os.environ, "PYTHONPATH": str(copy)},
            capture_output=True,
            text=True,
            check=True,
        )
        if not probe.stdout.strip().startswith(str(copy)):
            raise SystemExit(f"the copy's bot/ is not the one imported ({probe.stdout.strip()})")

        if not args.no_baseline:
            for select in sorted({m.select for m in mutations}):
                tests = tuple(dict.fromkeys(t for m in mutations if m.select == select for t in m.tests))
                passed, seconds, tail = run_tests(copy, tests, select, args.timeout)
                print(f"baseline [{select}] {'passed' if passed else 'FAILED'} in {seconds:.0f}s: {tail}", flush=True)
                if not passed:
                    return 1

        killed, problems = 0, 0
        for mutation in mutations:
            applied = apply(copy, mutation)
            if isinstance(applied, str):
                problems += 1
                print(f"STALE     {mutation.name}: {applied}", flush=True)
                continue
            try:
                passed, seconds, tail = run_tests(copy, mutation.tests, mutation.select, args.timeout)
            finally:
                for path, content in applied.items():
                    path.write_text(content, encoding="utf-8")
            if passed:
                print(f"SURVIVED  {mutation.name} ({seconds:.0f}s): {mutation.why}", flush=True)
            else:
                killed += 1
                print(f"killed    {mutation.name} ({seconds:.0f}s): {tail}", flush=True)

    total = len(mutations)
    print(f"\nkilled {killed}/{total} mutations ({100 * killed / total:.0f}%)" if total else "no mutations")
    return 0 if killed == total and problems == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
