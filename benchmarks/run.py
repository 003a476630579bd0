"""Time every `dossier` command as a whole process on synthetic projects, and the naive way.

    python benchmarks/run.py                      # N = 1,000 and 10,000, 5 runs each
    python benchmarks/run.py --sizes 1000 --repeat 3
    python benchmarks/run.py --quick              # N = 200, 1 run: a smoke test

Each project is laid out as `dossier init` makes one (references/ with people and
productions, templates/), and every command runs in it as a user types it, without -r.
Each figure is the median (and the fastest) wall time of the repeats, and the median CPU time
(user + system, of the command and its children: on a machine shared with other work, wall
time grows with the load, CPU time much less), the cache warmed by a first
untimed run (the « à froid » rows bypass it); peak memory is the largest resident size of
those runs (GNU time; without it, of one more run). Commands the installed version lacks (check, list --bid, table --format
xlsx, import) are reported as absent instead of timed. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from make_library import make_fiches, make_project  # noqa: E402

DOSSIER = [sys.executable, "-m", "generator"]
TIMEOUT = 300  # seconds for one run of one command
BID = """titre: Accompagnement du NPNRU et concertation des habitants
acheteur: Ville de Bondy
date_limite: 2027-01-15
besoin: |
  Assistance à maîtrise d'ouvrage pour le pilotage du projet de renouvellement urbain,
  la concertation avec les habitants et l'accompagnement social des relogements.
"""


# Targets (seconds, median) of the rows that have one, at the size they are set for.
TARGETS = {
    ("dossier check", 10000): 1.5,
    ("dossier check --no-cache", 10000): 4.0,
    ("dossier list --type Concertation", 10000): 1.5,
    ("dossier list --type Concertation (à froid, sans cache)", 10000): 4.0,
    ("dossier list --bid … --explain --limit 10", 10000): 1.5,
    ("dossier build --limit 30", 1000): 1.0,
}


@dataclass
class Row:
    label: str
    size: int | None
    seconds: float | None = None
    fastest: float | None = None
    cpu: float | None = None
    peak_mb: float | None = None
    note: str = ""

    @property
    def target(self) -> float | None:
        return TARGETS.get((self.label, self.size))


class Runner:
    def __init__(self, work: Path, repeat: int):
        self.work = work
        self.repeat = repeat
        self.env = {**os.environ, "DOSSIER_CACHE_DIR": str(work / "cache"), "PYTHONPATH": str(ROOT)}
        self.env.pop("DOSSIER_NO_CACHE", None)
        # As once installed: modules compiled once, not at every start.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.time_tool = shutil.which("time") and Path("/usr/bin/time").exists()
        self._help: dict[tuple[str, ...], str | None] = {}

    def help_of(self, *command: str) -> str | None:
        """The --help text of a command, or None when this version does not have it."""
        if command not in self._help:
            done = subprocess.run([*DOSSIER, *command, "--help"], capture_output=True, text=True, env=self.env,
                                  cwd=self.work, stdin=subprocess.DEVNULL)
            self._help[command] = done.stdout if done.returncode == 0 else None
        return self._help[command]

    def _once(self, args: list[str], env: dict, cwd: Path) -> tuple[float, float, float | None, subprocess.CompletedProcess]:
        """Wall time, CPU time, peak memory when GNU time is there to tell it (its own cost is ~1 ms)."""
        report = self.work / "peak.txt"
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", str(report), *args] if self.time_tool else args
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        try:
            # No terminal: a command that would prompt fails at once instead of waiting.
            done = subprocess.run(wrapped, capture_output=True, text=True, env=env, cwd=cwd,
                                  stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            done = subprocess.CompletedProcess(wrapped, -1, "", f"plus de {TIMEOUT} s")
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        try:
            peak = int(report.read_text().split()[-1]) / 1024 if self.time_tool else None
        except (OSError, ValueError, IndexError):
            peak = None
        return seconds, cpu, peak, done

    def peak_mb(self, args: list[str], env: dict, cwd: Path) -> float | None:
        """Without GNU time: a fresh Python whose only child is the command."""
        probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env, cwd=cwd,
                              stdin=subprocess.DEVNULL)
        try:
            return int(done.stdout.split()[-1]) / 1024
        except (ValueError, IndexError):
            return None

    def time(self, label: str, size: int | None, args: list[str], *, cold: bool = False, cwd: Path | None = None,
             prepare=None, warm: bool = True, ok_codes: tuple[int, ...] = (0,)) -> Row:
        env = {**self.env, "DOSSIER_NO_CACHE": "1"} if cold else self.env
        cwd = cwd or self.work
        times, cpus, peaks = [], [], []
        for run in range(self.repeat + warm):
            if prepare:
                prepare()
            seconds, cpu, peak, done = self._once(args, env, cwd)
            if done.returncode not in ok_codes:
                last = (done.stderr.strip().splitlines() or ["?"])[-1]
                return Row(label, size, note=f"échec (code {done.returncode}) : {last[:90]}")
            if warm and run == 0:
                continue  # the first run fills the library cache and the OS file cache
            times.append(seconds)
            cpus.append(cpu)
            peaks.append(peak)
        if not self.time_tool:
            if prepare:
                prepare()
            peaks = [self.peak_mb(args, env, cwd)]
        note = f"code {done.returncode} : des problèmes signalés" if done.returncode else ""
        return Row(label, size, statistics.median(times), min(times), statistics.median(cpus),
                   max(peaks) if None not in peaks else None, note)


def absent(label: str, size: int | None, what: str) -> Row:
    return Row(label, size, note=f"absent de cette version ({what})")


def bench_library(runner: Runner, size: int, fiches_dir: Path, counts: list[int]) -> list[Row]:
    project = runner.work / f"projet-{size}"
    lib = project / "references"
    ids = sorted(p.stem for p in (lib / "missions").glob("*.yaml"))
    out = project / "outputs"  # files written outside the project are refused once they exist
    rows = []

    def time(label: str, args: list[str], **kw) -> Row:
        # Run in the project, as a user does: references/ and templates/ are found there.
        return runner.time(label, size, [*DOSSIER, *args], cwd=kw.pop("cwd", project), **kw)

    check = runner.help_of("check")
    if check is None:
        rows.append(absent("dossier check", size, "commande check"))
    else:
        # check exits 2 when it finds problems: the run still counts.
        rows.append(time("dossier check", ["check"], ok_codes=(0, 2)))
        if "--no-cache" in check:
            rows.append(time("dossier check --no-cache", ["check", "--no-cache"], ok_codes=(0, 2)))
    rows.append(time("dossier list --type Concertation", ["list", "--type", "Concertation"]))
    rows.append(time("dossier list --type Concertation (à froid, sans cache)", ["list", "--type", "Concertation"],
                     cold=True))
    if "--bid" not in (runner.help_of("list") or "") or "--explain" not in (runner.help_of("list") or ""):
        rows.append(absent("dossier list --bid … --explain", size, "options --bid / --explain"))
    else:
        bid = project / "appel.yaml"  # the example of `bid new` names people of another library
        bid.write_text(BID, encoding="utf-8")
        rows.append(time("dossier list --bid … --explain --limit 10",
                         ["list", "--bid", str(bid), "--explain", "--limit", "10"]))
    for count in counts:
        rows.append(time(f"dossier build --limit {count}",
                         ["build", "--limit", str(count), "-o", str(out / f"dossier-{count}.docx")]))
    if "xlsx" not in (runner.help_of("table") or ""):
        rows.append(absent("dossier table --format xlsx", size, "option --format xlsx"))
    else:
        rows.append(time("dossier table --format xlsx", ["table", "--format", "xlsx", "-o", str(out / "tableau.xlsx")]))
    if runner.help_of("import") is None:
        rows.append(absent("dossier import", size, "commande import"))
    else:
        # Imported into a copy of the library, emptied of earlier imports before every run.
        target = runner.work / "import-target"

        def fresh_copy():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(lib, target / "references")

        files = sorted(str(p) for p in fiches_dir.glob("*.txt"))
        rows.append(time(f"dossier import ({len(files)} fiches)", ["import", *files], cwd=target, prepare=fresh_copy))
        shutil.rmtree(target, ignore_errors=True)
    for count in counts:
        chosen = [arg for ident in ids[:count] for arg in ("--id", ident)]
        rows.append(time(f"dossier fiches --single ({count} fiches)",
                         ["fiches", "--single", *chosen, "-o", str(out / f"fiches-{count}.docx")]))
    return rows


def bench_naive(runner: Runner, lib: Path, size: int, counts: list[int]) -> list[Row]:
    ids = sorted(p.stem for p in (lib / "missions").glob("*.yaml"))
    return [
        runner.time(f"à la main : docxtpl × {count} + docxcompose", size,
                    [sys.executable, str(HERE / "naive.py"), str(lib), str(runner.work / f"naive-{count}.docx"), *ids[:count]], warm=False)
        for count in counts
    ]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cœurs ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def table(rows: list[Row]) -> str:
    lines = ["| commande | références | médiane (s) | min (s) | CPU médiane (s) | cible (s) | mémoire max (Mo) | note |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        seconds = f"{row.seconds:.2f}" if row.seconds is not None else "—"
        fastest = f"{row.fastest:.2f}" if row.fastest is not None else "—"
        cpu = f"{row.cpu:.2f}" if row.cpu is not None else "—"
        peak = f"{row.peak_mb:.0f}" if row.peak_mb is not None else "—"
        size = f"{row.size:,}".replace(",", " ") if row.size else "—"
        target = "—" if row.target is None else f"≤ {row.target:g}".replace(".", ",")
        if row.target is not None and row.seconds is not None and row.seconds > row.target:
            target += " (manquée)"
        lines.append(f"| {row.label} | {size} | {seconds} | {fastest} | {cpu} | {target} | {peak} | {row.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", help="library sizes (default: 1000 10000; 200 with --quick)")
    parser.add_argument("--fiches", type=int, nargs="+", default=[30, 100], help="references per dossier / fiches document")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run, N = 200 unless --sizes: checks that everything runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (libraries, outputs)")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([200] if args.quick else [1000, 10000])
    repeat = 1 if args.quick else args.repeat
    work = args.keep or Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        runner = Runner(work, repeat)
        fiches_dir = work / "fiches-txt"
        make_fiches(max(args.fiches), fiches_dir, args.seed)
        rows = [runner.time("dossier --help", None, [*DOSSIER, "--help"])]
        for size in sizes:
            print(f"… bibliothèque de {size} références", file=sys.stderr)
            make_project(size, work / f"projet-{size}", args.seed)
            time.sleep(2.1)  # files saved in the last 2 s are not cached yet (generator/library/cache.py)
            rows += bench_library(runner, size, fiches_dir, args.fiches)
        print("… à la main (docxtpl + docxcompose)", file=sys.stderr)
        naive = bench_naive(runner, work / f"projet-{sizes[0]}" / "references", sizes[0], args.fiches)
        rows += naive
        ours = {r.label: r for r in rows if r.size == sizes[0]}
        ratios = []
        for count, row in zip(args.fiches, naive):
            mine = ours.get(f"dossier fiches --single ({count} fiches)")
            if mine and mine.seconds and row.seconds:
                goal = " (cible : ≥ 20×)" if count == 100 else ""
                ratios.append(f"{count} fiches : {row.seconds / mine.seconds:.1f}× plus rapide que la méthode à la main{goal} "
                              f"({mine.seconds:.2f} s contre {row.seconds:.2f} s) ; en temps CPU {row.cpu / mine.cpu:.1f}× "
                              f"({mine.cpu:.2f} s contre {row.cpu:.2f} s)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Machine : {machine()}  \nDate : {when} ; médiane de {repeat} exécution(s) ; "
          f"durée du banc : {time.perf_counter() - started:.0f} s\n")
    print(table(rows))
    if ratios:
        print()
        for line in ratios:
            print(f"- {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
