"""Intent macro-F1 and entity F1 of the trained model on the peer evaluation set.

Usage: .venv/bin/python bench/nlu_eval.py [--model models/nurture.tar.gz] [--data ../shared/eval/peer_nlu.yml]
       [--workers 2] (processes parsing the set, each with its own copy of the model)
The peer set is evaluation only: it is never part of training. Prints JSON with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENTITY_TYPES = ("name", "company", "role")


def f1(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def per_intent_f1(gold: list[str], predicted: list[str | None]) -> dict[str, float]:
    """F1 of every gold intent but `inform` (inform examples still count as false positives)."""
    scores = {}
    for intent in sorted(set(gold) - {"inform"}):
        pairs = list(zip(gold, predicted, strict=True))
        tp = sum(1 for g, p in pairs if g == intent and p == intent)
        fp = sum(1 for g, p in pairs if g != intent and p == intent)
        fn = sum(1 for g, p in pairs if g == intent and p != intent)
        scores[intent] = round(f1(tp, fp, fn), 4)
    return scores


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", "", text.lower()).split())


def overlap(training: Path, data: Path) -> int:
    """Training examples (3 words or more) identical to an evaluation example, ignoring case, punctuation and
    entity marks: the evaluation must not be learnt. Short replies ("yes please") are everyone's vocabulary."""
    from rasa.shared.nlu.training_data.loading import load_data

    evaluation = {_words(m.get("text")) for m in load_data(str(data)).intent_examples}
    return sum(1 for m in load_data(str(training)).intent_examples
               if (w := _words(m.get("text"))).count(" ") >= 2 and w in evaluation)


def _shape(text: str, entity: dict, intent: str | None) -> str:
    """A text-free description of a gold entity mention: words, case, the message's gold intent."""
    span = text[entity["start"]:entity["end"]]
    case = "lower" if span == span.lower() else "title" if span[:1].isupper() else "mixed"
    words = min(len(span.split()), 3)
    return f"{words}w/{case}/{'inform' if intent == 'inform' else 'other'}"


def _count_misses(gold: list[dict], predicted: list[dict], counts: dict[str, Counter]) -> None:
    """Why entities are missed, as counts (no text): exact, boundary (same type, overlapping span),
    wrong_type (overlapping span, other type), missed; and predictions overlapping no gold entity."""
    def overlaps(a: dict, b: dict) -> bool:
        return a["start"] < b["end"] and b["start"] < a["end"]

    for g in gold:
        if g["entity"] not in counts:
            continue
        near = [p for p in predicted if overlaps(g, p)]
        if any(p["entity"] == g["entity"] and (p["start"], p["end"]) == (g["start"], g["end"]) for p in near):
            kind = "exact"
        elif any(p["entity"] == g["entity"] for p in near):
            kind = "boundary"
        elif near:
            kind = "wrong_type"
        else:
            kind = "missed"
        counts[g["entity"]][kind] += 1
    for p in predicted:
        if p["entity"] in counts and not any(overlaps(p, g) for g in gold):
            counts[p["entity"]]["spurious"] += 1


def _parse_part(model: str, texts: list[str]) -> tuple[list[dict[str, Any]], float]:
    """One worker process: the model loaded once, then each text parsed. Returns per text the intent, the top
    intent other than the fallback and the entities' spans, and the seconds the parsing took."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        logging.disable(logging.INFO)  # Rasa logs every parsed message; the evaluation texts stay out of the console
        return asyncio.run(_parse_all(model, texts))


async def _parse_all(model: str, texts: list[str]) -> tuple[list[dict[str, Any]], float]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    found = []
    started = time.perf_counter()
    for text in texts:
        parsed = await agent.parse_message(text)
        ranking = [r["name"] for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
        found.append({"intent": (parsed.get("intent") or {}).get("name"), "top": ranking[0] if ranking else None,
                      "entities": [{"entity": e["entity"], "start": e["start"], "end": e["end"]}
                                   for e in parsed.get("entities") or []]})
    return found, time.perf_counter() - started


def parse_in_workers(model: Path, texts: list[str], workers: int) -> tuple[list[dict[str, Any]], float]:
    """The texts parsed by `workers` processes, each with its own copy of the model (the machine's cores, not one
    event loop); results in the texts' order, and the parsing seconds per text per process."""
    if workers <= 1:
        found, seconds = _parse_part(str(model), texts)
        return found, seconds / max(1, len(texts))
    size = -(-len(texts) // workers)
    parts = [texts[i:i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=get_context("spawn")) as pool:
        done = list(pool.map(_parse_part, [str(model)] * len(parts), parts))
    return [x for found, _ in done for x in found], sum(seconds for _, seconds in done) / max(1, len(texts))


def evaluate(model: Path, data: Path, workers: int = 1) -> dict[str, object]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(data)).intent_examples
    parsed_all, seconds_per_text = parse_in_workers(model, [m.get("text") for m in examples], workers)
    gold_intents, predicted_intents, top_intents = [], [], []
    entity_counts = {t: Counter() for t in ENTITY_TYPES}
    entity_misses = {t: Counter() for t in ENTITY_TYPES}
    mention_shapes = {t: Counter() for t in ENTITY_TYPES}
    for message, parsed in zip(examples, parsed_all, strict=True):
        text = message.get("text")
        gold_intents.append(message.get("intent"))
        predicted_intents.append(parsed["intent"])
        top_intents.append(parsed["top"])
        gold = {(e["entity"], text[e["start"]:e["end"]].lower()) for e in message.get("entities") or []}
        pred = {(e["entity"], text[e["start"]:e["end"]].lower()) for e in parsed["entities"]}
        _count_misses(message.get("entities") or [], parsed["entities"], entity_misses)
        for e in message.get("entities") or []:
            if e["entity"] in ENTITY_TYPES:
                found = any(p["entity"] == e["entity"] and (p["start"], p["end"]) == (e["start"], e["end"])
                            for p in parsed["entities"])
                mention_shapes[e["entity"]][_shape(text, e, message.get("intent")) + ("" if found else " missed")] += 1
        for entity_type in ENTITY_TYPES:
            g = {x for x in gold if x[0] == entity_type}
            p = {x for x in pred if x[0] == entity_type}
            entity_counts[entity_type].update(tp=len(g & p), fp=len(p - g), fn=len(g - p))
    per_intent = per_intent_f1(gold_intents, predicted_intents)
    without_fallback = per_intent_f1(gold_intents, top_intents)
    entity_f1 = {t: round(f1(c["tp"], c["fp"], c["fn"]), 4) for t, c in entity_counts.items()}
    confusions = Counter((g, p) for g, p in zip(gold_intents, predicted_intents, strict=True) if g != p).most_common(20)
    return {
        "examples": len(examples),
        "intent_macro_f1_without_inform": round(sum(per_intent.values()) / len(per_intent), 4),
        "per_intent_f1": per_intent,
        "intent_macro_f1_without_fallback": round(sum(without_fallback.values()) / len(without_fallback), 4),
        "entity_f1": entity_f1,
        "entity_f1_mean": round(sum(entity_f1.values()) / len(entity_f1), 4),
        "entity_error_kinds": {t: dict(c) for t, c in entity_misses.items()},  # counts only
        "entity_mention_shapes": {t: dict(sorted(c.items())) for t, c in mention_shapes.items()},  # counts only
        "top_confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusions],  # counts only
        "parse_ms_per_message": round(1000 * seconds_per_text, 2),  # in one process, whatever the workers
        "training_examples_identical_to_evaluation": overlap(ROOT / "nlu_data", data),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "nurture.tar.gz"))
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "eval" / "peer_nlu.yml"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "nlu_eval.json"))
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes parsing the set, each with the model loaded (default: up to 2)")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"evaluation set not found: {args.data}", file=sys.stderr)
        return 2
    result = evaluate(Path(args.model), Path(args.data), args.workers)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in ("intent_macro_f1_without_inform",
                                                 "intent_macro_f1_without_fallback", "per_intent_f1", "entity_f1",
                                                 "entity_error_kinds",
                                                 "training_examples_identical_to_evaluation")},
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
