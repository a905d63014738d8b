"""The model commands of ``clinical-ner``: corpus build, embeddings train, train, evaluate,
models. Thin: each parses its arguments and calls library functions."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from clinical_ner.errors import ClinicalNerError

logger = logging.getLogger("clinical_ner.cli")


def corpus_build_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from clinical_ner.corpora.build import build_corpus

    build_corpus(args.data, args.out, seed=args.seed)
    stdout.write((Path(args.out) / "CARD.md").read_text(encoding="utf-8"))
    return 0


def corpus_convert_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from clinical_ner.corpora.build import convert_corpus

    counts = convert_corpus(args.corpus, args.data, args.out)
    stdout.write(f"wrote {args.out}: {counts['spans']} mentions, "
                 f"{counts['boundary_inside_token']} off token boundaries\n")
    return 0


def _load_recipe(path: str) -> dict[str, Any]:
    """The recipe at ``path``; a file that is not JSON is the user's error, said in one line."""
    from clinical_ner.training.recipe import load_recipe

    try:
        return load_recipe(path)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClinicalNerError(f"recipe {path} is not a JSON file ({exc})") from None


def embeddings_train_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from clinical_ner.training.recipe import build_embeddings

    recipe = _load_recipe(args.config)
    for key in ("method", "dim", "epochs"):
        if getattr(args, key) is not None:
            recipe["embeddings"][key] = getattr(args, key)
    model = build_embeddings(recipe, Path(args.data), Path(args.corpus), Path(args.out))
    stdout.write(f"wrote {args.out}: {len(model.store)} words x {model.store.dim} dimensions\n")
    return 0


def train_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from clinical_ner.training.recipe import train_recipe

    recipe = _load_recipe(args.config)
    if args.max_epochs is not None:
        recipe["training"]["max_epochs"] = args.max_epochs
    if args.threads is not None:
        recipe["training"]["threads"] = args.threads
    # The trainer logs each epoch (loss, time, dev P/R/F1 per label) to stderr.
    report = train_recipe(recipe, args.data, args.out, progress=not args.quiet)
    test = report["scores"]["test"]
    for corpus, scores in test.items():
        stdout.write(
            f"test {corpus}: strict micro-F1 {scores['strict']['micro']['f1']:.4f}, "
            f"lenient {scores['lenient']['micro']['f1']:.4f}, token {scores['token']['micro']['f1']:.4f}\n"
        )
    stdout.write(f"model: {Path(args.out) / recipe.get('name', 'ner_clinical')}\n")
    return 0


def _rounded(scores: Any) -> Any:
    if isinstance(scores, float):
        return round(scores, 4)
    if isinstance(scores, dict):
        return {k: _rounded(v) for k, v in scores.items()}
    return scores


def evaluate_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from clinical_ner.corpora import read
    from clinical_ner.recipes import clinical_pipeline
    from clinical_ner.scoring import score_documents

    if args.task == "assertion":
        return _evaluate_assertion(args, stdout)
    if args.task != "ner":
        raise ClinicalNerError(f"task {args.task!r} is not available yet; use --task ner")
    documents = read(args.corpus, args.data)
    if args.split != "all":
        from clinical_ner.corpora.build import split_documents

        documents = split_documents(documents, 13)[args.split]
    pipeline = clinical_pipeline(args.model)
    _warn_unknown_labels(documents, pipeline)
    scores = score_documents(pipeline, documents)
    if args.json:
        stdout.write(json.dumps(_rounded(scores)) + "\n")
        return 0
    stdout.write(f"{scores['documents']} documents, {scores['gold']} gold and "
                 f"{scores['predicted']} predicted entities\n")
    stdout.write(f"{'':<12}{'strict P':>9}{'R':>7}{'F1':>7}   {'lenient P':>9}{'R':>7}{'F1':>7}\n")
    for label in [*[k for k in scores["strict"] if k not in ("micro", "macro")], "micro", "macro"]:
        s, le = scores["strict"][label], scores["lenient"][label]
        stdout.write(f"{label:<12}{s['precision']:>9.4f}{s['recall']:>7.4f}{s['f1']:>7.4f}   "
                     f"{le['precision']:>9.4f}{le['recall']:>7.4f}{le['f1']:>7.4f}\n")
    stdout.write(f"token-level micro-F1 {scores['token']['micro']['f1']:.4f}\n")
    return 0


def _warn_unknown_labels(documents, pipeline) -> None:
    """Gold labels the model cannot predict would score as misses without a word: say so."""
    ner = next((s for s in pipeline.stages if type(s).__name__ == "NerDLModel"), None)
    if ner is None:
        return
    known = {c.split("-", 1)[1] for c in ner.getClasses() if "-" in c}
    gold = {span.label for doc in documents for span in doc.spans}
    unknown = sorted(gold - known)
    if unknown:
        logger.warning(
            "the gold spans use labels this model does not predict: %s (it knows %s); they "
            "count as misses. Map them to the model's labels, or evaluate a model trained "
            "on them", ", ".join(unknown), ", ".join(sorted(known)))


def _evaluate_assertion(args: argparse.Namespace, stdout: TextIO) -> int:
    """``--task assertion``: ContextualAssertion on gold chunks (default) or on the
    pipeline's predicted chunks, against the corpus's assertion gold."""
    from clinical_ner.annotators.assertion_eval import (
        evaluate_gold_chunks,
        evaluate_predicted_chunks,
    )
    from clinical_ner.corpora.assertion_gold import read_assertion_gold
    from clinical_ner.corpora.build import split_documents

    documents = read_assertion_gold(args.corpus, args.data)
    if args.split != "all":
        documents = split_documents(documents, 13)[args.split]
    if args.chunks == "predicted":
        from clinical_ner.recipes import clinical_pipeline

        scores = evaluate_predicted_chunks(documents, clinical_pipeline(args.model, assertion=True))
    else:
        scores = evaluate_gold_chunks(documents)
    if args.json:
        stdout.write(json.dumps(_rounded(scores)) + "\n")
        return 0
    stdout.write(f"{scores['documents']} documents, {scores['chunks']} {args.chunks} PROBLEM "
                 f"chunks scored: accuracy {scores['accuracy']:.4f}, "
                 f"macro-F1 {scores['macro_f1']:.4f}\n")
    stdout.write(f"{'':<30}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}\n")
    for name, s in scores.items():
        if isinstance(s, dict):
            stdout.write(f"{name:<30}{s['precision']:>7.4f}{s['recall']:>7.4f}{s['f1']:>7.4f}"
                         f"{s['support']:>9}\n")
    return 0


def models_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from clinical_ner.resources import available

    for entry in available():
        stdout.write(f"{entry['name']:<24}{entry['lang']:<4}{entry['kind'] or '':<18}{entry['path']}\n")
    return 0


def add_model_commands(commands: argparse._SubParsersAction) -> None:
    """Register the model commands on the main parser's subcommands."""
    corpus = commands.add_parser("corpus", help="build the training corpus").add_subparsers(
        dest="corpus_command", required=True
    )
    build = corpus.add_parser("build", help="read, map, tokenize and split the public corpora")
    build.add_argument("--data", required=True, help="folder with maccrobat/, chia/, ...")
    build.add_argument("--out", required=True)
    build.add_argument("--seed", type=int, default=13)
    build.set_defaults(handler=corpus_build_command)
    convert = corpus.add_parser(
        "convert", help="tokenize any supported corpus folder (i2b2, brat, ...) into CoNLL"
    )
    convert.add_argument("--corpus", required=True, help="i2b2, brat, maccrobat, chia, ...")
    convert.add_argument("--data", required=True, help="folder of raw files")
    convert.add_argument("--out", required=True, help="CoNLL file to write")
    convert.set_defaults(handler=corpus_convert_command)

    embeddings = commands.add_parser("embeddings", help="word vectors").add_subparsers(
        dest="embeddings_command", required=True
    )
    emb = embeddings.add_parser("train", help="train word vectors (gensim)")
    emb.add_argument("--data", required=True, help="folder with mtsamples/")
    emb.add_argument("--corpus", required=True, help="a corpus build (its train split's texts)")
    emb.add_argument("--out", required=True)
    emb.add_argument("--config", default=str(default_recipe()))
    emb.add_argument("--method", choices=("word2vec", "fasttext"))
    emb.add_argument("--dim", type=int)
    emb.add_argument("--epochs", type=int)
    emb.set_defaults(handler=embeddings_train_command)

    train = commands.add_parser("train", help="reproduce a model from its recipe")
    train.add_argument("--config", default=str(default_recipe()), help="recipe JSON")
    train.add_argument("--data", required=True, help="the public corpora folder")
    train.add_argument("--out", required=True, help="output folder (resumable)")
    train.add_argument("--max-epochs", type=int)
    train.add_argument("--threads", type=int)
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=train_command)

    evaluate = commands.add_parser("evaluate", help="score a model on a corpus folder")
    evaluate.add_argument("--model", default="ner_clinical", help="name or folder")
    evaluate.add_argument("--corpus", required=True,
                          help="maccrobat, chia, bc5cdr, ncbi-disease, i2b2, conll or brat")
    evaluate.add_argument("--data", required=True, help="folder of raw files in that format")
    evaluate.add_argument("--task", default="ner", choices=("ner", "assertion"))
    evaluate.add_argument("--json", action="store_true", help="one JSON object")
    evaluate.add_argument("--split", default="all", choices=("all", "train", "dev", "test"),
                          help="only the documents of this split of the corpus build (seed 13; "
                          "the annotated MTSamples notes keep their shipped split)")
    evaluate.add_argument("--chunks", default="gold", choices=("gold", "predicted"),
                          help="assertion: score gold chunks or the model's predicted chunks")
    evaluate.set_defaults(handler=evaluate_command)

    models = commands.add_parser("models", help="list the pretrained resources found offline")
    models.set_defaults(handler=models_command)


def default_recipe() -> Path:
    """``configs/ner_clinical.json`` of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "configs" / "ner_clinical.json"


def configure_logging(stream: TextIO = sys.stderr, verbose: bool = False) -> None:
    """INFO logs of this library (counts and scores only, never note text) to stderr;
    with ``verbose`` also DEBUG lines, such as each corpus line dropped (file, line,
    reason)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger("clinical_ner").addHandler(handler)
    logging.getLogger("clinical_ner").setLevel(logging.DEBUG if verbose else logging.INFO)
