"""How well `dossier` picks references, on the graded set, against plain BM25 over the raw text.

    python benchmarks/relevance.py              # metrics on benchmarks/graded/
    python benchmarks/relevance.py --timing     # and the time of `list --bid --explain` at 1,000 and 10,000
    python benchmarks/relevance.py --detail     # each tender's kept list, with the grades

The graded set (benchmarks/graded/): tenders written as real notices (appels.yaml), each as
the bid file a bid manager would fill, and a library of references with decoys
(missions.yaml), the references a consultant would put forward graded by hand (3 ideal,
2 good, 1 partial). For each tender it computes, on the kept list (what a dossier would
contain) and on the full relevance order:

- top-1: the first reference is an ideal one;
- top-3: an ideal one is among the first three;
- precision@3: graded references among the first three, over min(3, graded references);
- nDCG@5: discounted gain 2^grade - 1 of the first five, over the ideal ordering's.

The baseline is plain BM25 (bm25s, French stop words, no stemming) over each mission file's
raw YAML, queried with the bid file's title, every lot and the need: what a search engine
pointed at the library would return. Tenders that nothing fits (hors-metier) are not scored;
what counts for them is that the answer says so, and that no other tender is flagged.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from generator.library.bid import load_bid  # noqa: E402
from generator.request import merge_criteria as bid_criteria  # noqa: E402
from generator.library.loader import load_library  # noqa: E402
from generator.library.yamlio import dump_yaml  # noqa: E402
from generator.selection.answer import answer  # noqa: E402
from generator.selection.criteria import Criteria  # noqa: E402
from generator.selection.ranking import load_concepts  # noqa: E402

GRADED = HERE / "graded"


def write_library(out: Path) -> Path:
    """The graded library as a user's references/ folder: one YAML file per mission."""
    missions = yaml.safe_load((GRADED / "missions.yaml").read_text(encoding="utf-8"))
    (out / "missions").mkdir(parents=True, exist_ok=True)
    for ident, data in missions.items():
        (out / "missions" / f"{ident}.yaml").write_text(dump_yaml(data), encoding="utf-8")
    return out


def tenders() -> dict[str, dict]:
    return yaml.safe_load((GRADED / "appels.yaml").read_text(encoding="utf-8"))


def dcg(gains: list[float]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


@dataclass
class Scores:
    top1: list[float] = field(default_factory=list)
    top3: list[float] = field(default_factory=list)
    p3: list[float] = field(default_factory=list)
    ndcg5: list[float] = field(default_factory=list)

    def add(self, order: list[str], grades: dict[str, int]) -> None:
        best = max(grades.values())
        got = [grades.get(i, 0) for i in order]
        self.top1.append(float(bool(got) and got[0] == best))
        self.top3.append(float(best in got[:3]))
        self.p3.append(sum(1 for g in got[:3] if g) / min(3, len(grades)))
        ideal = dcg(sorted(grades.values(), reverse=True)[:5])
        self.ndcg5.append(dcg(got[:5]) / ideal)

    def row(self) -> list[float]:
        return [statistics.mean(x) if x else float("nan") for x in (self.top1, self.top3, self.p3, self.ndcg5)]


@dataclass
class Outcome:
    kept: list[str]
    order: list[str]
    no_fit: bool


def run_tool(library, bid_path: Path, concepts) -> Outcome:
    """What `dossier list --bid FILE --explain` keeps, computed in process."""
    bid = load_bid(bid_path)
    result = answer(library.missions, bid_criteria(bid, Criteria()), bid.date_limite or date.today(), bid.text,
                    bid.inclure, concepts)
    order = [v.mission.id for v in sorted(result.verdicts, key=lambda v: (-v.score, v.mission.id))]
    return Outcome([v.mission.id for v in result.kept], order, result.no_fit)


class Baseline:
    """Plain BM25 over each mission file's raw text."""

    def __init__(self, root: Path):
        import bm25s

        paths = sorted((root / "missions").glob("*.yaml"))
        self.ids = [p.stem for p in paths]
        self.index = bm25s.BM25()
        self.index.index(bm25s.tokenize([p.read_text(encoding="utf-8") for p in paths], stopwords="fr",
                                        show_progress=False), show_progress=False)

    def order(self, bid: dict) -> list[str]:
        lots = [f"{lot.get('intitule', '')} {lot.get('texte', '')}" if isinstance(lot, dict) else str(lot)
                for lot in bid.get("lots") or []]
        text = "\n".join([bid.get("titre") or "", *lots, bid.get("besoin") or ""])
        known = self.index.vocab_dict
        scores = self.index.get_scores([t for t in _query_tokens(text) if t in known])
        return [self.ids[i] for i in sorted(range(len(self.ids)), key=lambda i: (-scores[i], self.ids[i]))]


def _query_tokens(text: str) -> list[str]:
    import bm25s

    tokenized = bm25s.tokenize(text, stopwords="fr", show_progress=False)
    words = {i: w for w, i in tokenized.vocab.items()}
    return [words[i] for i in tokenized.ids[0]]


def evaluate(detail: bool = False) -> dict:
    """Metrics of the tool and the baseline on the graded set, overall and by kind of tender."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_library(Path(tmp) / "references")
        library = load_library(root, use_cache=False)
        assert not [p for p in library.problems if p.is_error], library.problems
        concepts = load_concepts(root)
        baseline = Baseline(root)
        kinds: dict[str, dict[str, Scores]] = {}
        flags = {"hors-metier": [], "others": []}
        for name, tender in tenders().items():
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(dump_yaml(tender["bid"]), encoding="utf-8")
            outcome = run_tool(library, path, concepts)
            grades = tender["grades"] or {}
            if "hors-metier" in tender["kinds"]:
                flags["hors-metier"].append((name, outcome.no_fit))
                continue
            flags["others"].append((name, outcome.no_fit))
            plain = baseline.order(tender["bid"])
            for kind in ["tous", *tender["kinds"]]:
                scores = kinds.setdefault(kind, {"kept": Scores(), "order": Scores(), "plain": Scores()})
                scores["kept"].add(outcome.kept, grades)
                scores["order"].add(outcome.order, grades)
                scores["plain"].add(plain[:5], grades)
            if detail:
                marks = " ".join(f"{i}({grades.get(i, 0)})" for i in outcome.kept)
                plain_marks = " ".join(f"{i}({grades.get(i, 0)})" for i in plain[:5])
                print(f"{name}: {marks}\n    plain: {plain_marks}")
        return {"kinds": kinds, "flags": flags}


def print_report(figures: dict) -> None:
    print("| tenders | list | top-1 | top-3 | precision@3 | nDCG@5 |")
    print("|---|---|---|---|---|---|")
    for kind, scores in figures["kinds"].items():
        count = len(scores["kept"].top1)
        for label, key in (("kept (dossier)", "kept"), ("full order", "order"), ("plain BM25", "plain")):
            top1, top3, p3, ndcg = scores[key].row()
            print(f"| {kind} ({count}) | {label} | {top1:.0%} | {top3:.0%} | {p3:.2f} | {ndcg:.2f} |")
    outside = figures["flags"]["hors-metier"]
    wrong = [name for name, flagged in figures["flags"]["others"] if flagged]
    print(f"\nNothing fits: {sum(f for _, f in outside)} of {len(outside)} flagged "
          f"(missed: {', '.join(n for n, f in outside if not f) or 'none'}); "
          f"other tenders wrongly flagged: {', '.join(wrong) or 'none'}")


def timing(sizes=(1000, 10000), repeat: int = 3) -> dict[int, tuple[float, float]]:
    """Median wall and CPU time of `dossier list --bid … --explain` on synthetic libraries (cache warmed).

    The CPU time (user + system) is what the command costs whatever else the machine runs;
    on a busy shared machine the wall time is larger.
    """
    from make_library import make_library
    from run import BID

    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        bid = Path(tmp) / "appel.yaml"
        bid.write_text(BID + "nombre_references: 5\n", encoding="utf-8")
        for size in sizes:
            root = Path(tmp) / f"lib-{size}"
            make_library(size, root, seed=1)
            command = [sys.executable, "-m", "generator", "list", "--references", str(root), "--bid", str(bid), "--explain"]
            env = {**__import__("os").environ, "DOSSIER_CACHE_DIR": str(Path(tmp) / "cache"), "PYTHONPATH": str(ROOT)}
            subprocess.run(command, check=True, capture_output=True, env=env, cwd=tmp)  # warms the caches
            runs, cpu = [], []
            for _ in range(repeat):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, env=env, cwd=tmp)
                runs.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            times[size] = (statistics.median(runs), statistics.median(cpu))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timing", action="store_true", help="also time list --bid --explain at 1,000 and 10,000")
    parser.add_argument("--detail", action="store_true", help="print each tender's kept list with its grades")
    args = parser.parse_args()
    print_report(evaluate(args.detail))
    if args.timing:
        for size, (wall, cpu) in timing().items():
            print(f"list --bid … --explain at {size:,}: {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
