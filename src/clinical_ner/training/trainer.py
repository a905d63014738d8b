"""The training loop of the BiLSTM-CNN-CRF tagger: a generator of per-epoch logs.

Recipe (Spark NLP's NerDLApproach, made explicit): Adam with learning rate
``lr / (1 + po * epoch)``, gradient-norm clipping, dropout, mini-batches of shuffled
sentences, validation after every epoch with entity-level P/R/F1 per label, early stopping
on the validation strict micro-F1 (or macro-F1: ``best_model_metric``), and the best epoch's
weights kept. Given ``test`` sentences, they are scored every epoch too and, as in Spark NLP,
they (not the validation sentences) select the best epoch and drive early stopping.

Deterministic on CPU for a fixed seed: the shuffle of epoch ``e`` depends only on
``(seed, e)``, and torch's RNG state (dropout) is saved in each checkpoint. A run with a
``checkpoint_dir`` saves weights, optimizer and RNG state after every epoch (atomically);
started again with the same data and config it resumes after the last finished epoch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from clinical_ner.embeddings.store import WordVectorStore
from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.evaluation import entity_scores, spans_from_tags, token_scores
from clinical_ner.nn.crf import partial_label_mask
from clinical_ner.nn.features import CharVocabulary, TaggerBatch, length_sorted_batches, make_batch
from clinical_ner.nn.tagger import BiLstmCnnCrf
from clinical_ner.resources import write_model_folder
from clinical_ner.training.data import TaggedSentence, entity_types, labels_for

logger = logging.getLogger(__name__)


@dataclass
class TrainingConfig:
    """Hyperparameters of one training run, and the one home of their defaults.

    ``NerDLApproach``'s parameters default to these values. They are general-purpose
    defaults, not the shipped model's: its recipe (``configs/ner_clinical.json``) sets its
    own values for several of them.
    """

    lr: float = 0.001
    po: float = 0.005
    batch_size: int = 32
    dropout: float = 0.5
    max_epochs: int = 30
    min_epochs: int = 0
    patience: int = 5
    clip: float = 5.0
    seed: int = 13
    lstm_hidden: int = 200
    lstm_layers: int = 1
    char_dim: int = 25
    char_filters: int = 50
    char_kernel_size: int = 3
    char_lstm_hidden: int = 0
    casing_dim: int = 8
    #: Annotation conventions (see `BiLstmCnnCrf`): the corpora whose span rules the network
    #: keeps apart, default first; empty: none. Sentences name theirs in `TaggedSentence`.
    conventions: list[str] = field(default_factory=list)
    convention_dim: int = 8
    max_word_length: int = 32
    use_best_model: bool = True
    #: "micro" or "macro": the strict entity F1 that selects the best epoch.
    best_model_metric: str = "micro"
    threads: int | None = None
    device: str = "cpu"

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainingConfig:
        """The settings of a recipe's ``"training"`` section.

        Raises:
            ConfigurationError: a key that is not a setting.
        """
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise ConfigurationError(
                f"unknown training settings {sorted(unknown)}; known: {sorted(known)}"
            )
        return cls(**values)

    def check(self) -> None:
        """Raise :class:`ConfigurationError` for a setting no run can use; the recipe check
        calls it too, so a bad value stops ``clinical-ner train`` before any work starts."""
        if self.best_model_metric not in ("micro", "macro"):
            raise ConfigurationError(
                f"best_model_metric must be 'micro' or 'macro', not {self.best_model_metric!r}"
            )


@dataclass
class EpochLog:
    """What one epoch did; ``validation`` is an :func:`entity_scores` result or None."""

    epoch: int
    loss: float
    seconds: float
    lr: float
    validation: dict[str, Any] | None
    is_best: bool
    stopped_early: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self, extended: bool = True) -> str:
        """One log line; ``extended`` adds P/R/F1 per label."""
        text = f"epoch {self.epoch}: loss {self.loss:.4f}, {self.seconds:.1f} s, lr {self.lr:.2e}"
        if self.extra.get("test"):
            text += f", test strict micro-F1 {self.extra['test']['strict']['micro']['f1']:.4f}"
        if self.validation:
            strict = self.validation["strict"]
            text += f", dev strict micro-F1 {strict['micro']['f1']:.4f}"
            for label, scores in strict.items() if extended else ():
                if label not in ("micro", "macro"):
                    text += (f" | {label} P {scores['precision']:.3f} R {scores['recall']:.3f}"
                             f" F1 {scores['f1']:.3f}")
        return text + (" (best)" if self.is_best else "")


class Trainer:
    """Trains a :class:`BiLstmCnnCrf` on tagged sentences with vectors from a store."""

    def __init__(
        self,
        config: TrainingConfig,
        train: Sequence[TaggedSentence],
        store: WordVectorStore,
        dev: Sequence[TaggedSentence] | None = None,
        checkpoint_dir: str | Path | None = None,
        progress: bool = True,
        extended_log: bool = True,
        test: Sequence[TaggedSentence] | None = None,
    ) -> None:
        if not train:
            raise InputError("no training sentences")
        config.check()
        self.config = config
        self.train = [s for s in train if s.tokens]
        self.dev = [s for s in (dev or []) if s.tokens]
        self.test = [s for s in (test or []) if s.tokens]
        self.store = store
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.progress = progress
        self.extended_log = extended_log
        self.labels = labels_for(entity_types(self.train))
        self.all_types = frozenset(label[2:] for label in self.labels if label != "O")
        self.chars = CharVocabulary.build(
            (s.tokens for s in self.train), max_word_length=config.max_word_length
        )
        torch.manual_seed(config.seed)
        self.device = torch.device(config.device)
        self.network = BiLstmCnnCrf(
            self.labels,
            word_dim=store.dim,
            num_chars=len(self.chars),
            char_dim=config.char_dim,
            char_filters=config.char_filters,
            char_kernel_size=config.char_kernel_size,
            char_lstm_hidden=config.char_lstm_hidden,
            casing_dim=config.casing_dim,
            lstm_hidden=config.lstm_hidden,
            lstm_layers=config.lstm_layers,
            dropout=config.dropout,
            conventions=config.conventions or None,
            convention_dim=config.convention_dim,
        ).to(self.device)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=config.lr)
        # The whole matrix in RAM as float32: a few tens of MB, gathered per batch.
        self._matrix = np.asarray(store.vectors, dtype=np.float32)
        self._train_rows = [store.rows_of(s.tokens) for s in self.train]
        self._dev_rows = [store.rows_of(s.tokens) for s in self.dev]
        self._test_rows = [store.rows_of(s.tokens) for s in self.test]
        self._label_index = {label: i for i, label in enumerate(self.labels)}
        self.best_state: dict[str, torch.Tensor] | None = None
        self.history: list[EpochLog] = []
        self._start_epoch = 0
        self._best_f1 = -1.0
        self._bad_epochs = 0

    # ----- batches ----------------------------------------------------------------------
    def _batch(self, sentences: Sequence[TaggedSentence], rows: Sequence[np.ndarray],
               with_tags: bool) -> TaggerBatch:
        vectors = iter([self._matrix[r] for r in rows])
        tag_ids = allowed = None
        if with_tags:
            tag_ids = [[self._label_index.get(t, 0) for t in s.tags] for s in sentences]
            if any(s.known_types is not None and s.known_types != self.all_types for s in sentences):
                allowed = []
                for s, ids in zip(sentences, tag_ids, strict=True):
                    known = self.all_types if s.known_types is None else s.known_types & self.all_types
                    allowed.append(
                        partial_label_mask(torch.tensor(ids), self.labels, known).numpy()
                    )
        conventions = None
        if self.network.conventions:
            conventions = [self.network.convention_id(s.convention) for s in sentences]
        return make_batch(
            [s.tokens for s in sentences],
            self.chars,
            lambda _tokens: next(vectors),
            tag_ids=tag_ids,
            allowed_tags=allowed,
            device=self.device,
            convention_ids=conventions,
        )

    def predict(self, sentences: Sequence[TaggedSentence], rows: Sequence[np.ndarray] | None = None,
                batch_size: int = 128) -> list[list[str]]:
        """Viterbi tags of ``sentences`` with the current weights."""
        if rows is None:
            rows = [self.store.rows_of(s.tokens) for s in sentences]
        tags: list[list[str]] = [[] for _ in sentences]
        with torch.inference_mode():
            for indices in length_sorted_batches([len(s.tokens) for s in sentences], batch_size):
                batch = self._batch([sentences[i] for i in indices], [rows[i] for i in indices], False)
                output = self.network.decode(batch)
                for j, i in enumerate(indices):
                    tags[i] = output.tags[j]
        return tags

    def evaluate(self, sentences: Sequence[TaggedSentence],
                 rows: Sequence[np.ndarray] | None = None) -> dict[str, Any]:
        """Entity scores (token-index spans) and token scores of ``sentences``."""
        predicted = self.predict(sentences, rows)
        types = sorted(self.all_types)
        gold_spans = [spans_from_tags(s.tags, [(i, i) for i in range(len(s.tags))]) for s in sentences]
        pred_spans = [spans_from_tags(p, [(i, i) for i in range(len(p))]) for p in predicted]
        scores = entity_scores(gold_spans, pred_spans, labels=types)
        scores["token"] = token_scores([s.tags for s in sentences], predicted)
        return scores

    # ----- the loop ---------------------------------------------------------------------
    def run(self) -> Iterator[EpochLog]:
        """Train, yielding one :class:`EpochLog` per finished epoch."""
        config = self.config
        if config.threads:
            torch.set_num_threads(config.threads)
        self._maybe_resume()
        for epoch in range(self._start_epoch, config.max_epochs):
            started = time.perf_counter()
            lr = config.lr / (1.0 + config.po * epoch)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            self.network.train()
            order = np.random.default_rng([config.seed, epoch]).permutation(len(self.train))
            batches = [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]
            total_loss = 0.0
            bar = tqdm(batches, desc=f"epoch {epoch + 1}", disable=not self.progress, leave=False)
            for indices in bar:
                batch = self._batch([self.train[i] for i in indices],
                                    [self._train_rows[i] for i in indices], True)
                loss = self.network.loss(batch)
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.network.parameters(), config.clip)
                self.optimizer.step()
                total_loss += float(loss.detach()) * len(indices)
            validation = self.evaluate(self.dev, self._dev_rows) if self.dev else None
            test = self.evaluate(self.test, self._test_rows) if self.test else None
            monitored = test if test is not None else validation
            f1 = (monitored["strict"][config.best_model_metric]["f1"] if monitored
                  else -float(total_loss))
            is_best = f1 > self._best_f1
            if is_best:
                self._best_f1 = f1
                self._bad_epochs = 0
                self.best_state = {k: v.detach().clone() for k, v in self.network.state_dict().items()}
            else:
                self._bad_epochs += 1
            stop = (epoch + 1 >= config.min_epochs and monitored is not None
                    and self._bad_epochs >= config.patience)
            log = EpochLog(epoch + 1, total_loss / len(self.train), time.perf_counter() - started,
                           lr, validation, is_best, stopped_early=stop,
                           extra={"test": test} if test is not None else {})
            self.history.append(log)
            logger.info(log.summary(self.extended_log))
            self._save_checkpoint(epoch + 1, finished=stop or epoch + 1 == config.max_epochs)
            yield log
            if stop:
                break
        if config.use_best_model and self.best_state is not None:
            self.network.load_state_dict(self.best_state)

    # ----- checkpoints ------------------------------------------------------------------
    def _fingerprint(self) -> str:
        payload = json.dumps(
            {"config": asdict(self.config), "labels": self.labels, "train": len(self.train),
             "dev": len(self.dev), "test": len(self.test), "chars": self.chars.to_config(),
             "dim": self.store.dim},
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def _save_checkpoint(self, epochs_done: int, finished: bool) -> None:
        if self.checkpoint_dir is None:
            return

        def write(folder: Path) -> None:
            save_file({k: v.detach().cpu().contiguous() for k, v in self.network.state_dict().items()},
                      str(folder / "last.safetensors"))
            if self.best_state is not None:
                save_file({k: v.cpu().contiguous() for k, v in self.best_state.items()},
                          str(folder / "best.safetensors"))
            optimizer_tensors = {}
            for index, state in self.optimizer.state_dict()["state"].items():
                for key, value in state.items():
                    tensor = value if torch.is_tensor(value) else torch.tensor(value)
                    optimizer_tensors[f"{index}.{key}"] = tensor.detach().cpu().contiguous()
            optimizer_tensors["torch_rng"] = torch.get_rng_state()
            save_file(optimizer_tensors, str(folder / "optimizer.safetensors"))
            state = {
                "fingerprint": self._fingerprint(),
                "epochs_done": epochs_done,
                "best_f1": self._best_f1,
                "bad_epochs": self._bad_epochs,
                "finished": finished,
                "history": [_log_to_json(h) for h in self.history],
            }
            (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")

        write_model_folder(self.checkpoint_dir, write, {"kind": "training_checkpoint"}, overwrite=True)

    def _maybe_resume(self) -> None:
        folder = self.checkpoint_dir
        if folder is None or not (folder / "state.json").is_file():
            return
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        if state["fingerprint"] != self._fingerprint():
            raise ConfigurationError(
                f"{folder} holds a checkpoint of a different run (other data or settings); "
                "use another checkpoint folder or delete it"
            )
        self.network.load_state_dict(load_file(str(folder / "last.safetensors"), device=str(self.device)))
        if (folder / "best.safetensors").is_file():
            self.best_state = load_file(str(folder / "best.safetensors"), device=str(self.device))
        tensors = load_file(str(folder / "optimizer.safetensors"))
        torch.set_rng_state(tensors.pop("torch_rng"))
        optimizer_state = self.optimizer.state_dict()
        restored: dict[int, dict[str, torch.Tensor]] = {}
        for name, tensor in tensors.items():
            index, key = name.split(".", 1)
            restored.setdefault(int(index), {})[key] = tensor.to(self.device) if key != "step" else tensor
        optimizer_state["state"] = restored
        self.optimizer.load_state_dict(optimizer_state)
        # A finished run (early stop or last epoch) is not trained further.
        self._start_epoch = self.config.max_epochs if state["finished"] else state["epochs_done"]
        self._best_f1 = state["best_f1"]
        self._bad_epochs = state["bad_epochs"]
        self.history = [_log_from_json(h) for h in state["history"]]
        logger.info("resuming after epoch %d from %s", self._start_epoch, folder)


def _log_to_json(log: EpochLog) -> dict[str, Any]:
    return asdict(log)


def _log_from_json(data: dict[str, Any]) -> EpochLog:
    return EpochLog(**data)
