"""NerDLModel: sentence + token + word_embeddings -> one IOB tag (``named_entity``) per token.

Inference batches the sentences of every row given to :meth:`transform_rows` together,
sorted by length so padding stays small, ``batchSize`` sentences at a time; only one
batch's activations exist at any time. It runs on CUDA when available (``setDevice``).

A model folder (written by :func:`clinical_ner.resources.write_model_folder`) holds
``config.json`` (the network and character vocabulary),
``labels.json``, ``weights.safetensors`` and ``metadata.json`` (training data, metrics,
sha256 of every file, checked on load).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np
import torch

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.section_detector import header_spans
from clinical_ner.errors import ConfigurationError
from clinical_ner.nn.features import CharVocabulary, length_sorted_batches, make_batch
from clinical_ner.nn.precision import environment_precision, measured_precision
from clinical_ner.nn.tagger import BiLstmCnnCrf
from clinical_ner.resources import CorruptModelError, resolve, verify, write_model_folder
from clinical_ner.stage import Param, Row, Transformer

CONFIG_FILE = "config.json"
LABELS_FILE = "labels.json"
WEIGHTS_FILE = "weights.safetensors"
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "float32", "bfloat16")


def pick_precision(name: str) -> torch.dtype | None:
    """The dtype of an explicit precision, or None for ``auto`` (decided by measurement on
    this machine for this network, see :mod:`clinical_ner.nn.precision`).

    float32 gives every text the same entities and confidences whatever other texts share
    its batch (a test checks a note alone against the same note in a batch of 64).
    bfloat16 rounding depends on the batch's shapes, so confidences (rarely a tag) can
    differ between batchings; the CRF always runs in float32."""
    if name == "auto":
        return None
    return torch.bfloat16 if name == "bfloat16" else torch.float32


def pick_device(name: str) -> torch.device:
    """``auto`` means CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError("device 'cuda' was asked for but torch sees no CUDA device")
    return torch.device(name)


# Sentences decoded by one CRF pass. The CRF steps through positions one at a time, so
# fewer, larger passes cost less; a bound keeps a pass's tensors a few MB for long sentences.
CRF_GROUP_SENTENCES = 128


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptModelError(f"{path}: cannot be read as JSON ({type(exc).__name__}: {exc})") from None


def _tag_headers_outside(tags: list[Annotation], headers: list[tuple[int, int]]) -> None:
    """Set every tag whose token lies in a header span to ``O`` (confidence 1), in place.

    Args:
        tags: one row's ``named_entity`` annotations, in text order.
        headers: ``(begin, end)`` character spans, end inclusive, sorted.
    """
    h = 0
    for tag in tags:
        while h < len(headers) and headers[h][1] < tag.begin:
            h += 1
        if h == len(headers):
            return
        if headers[h][0] <= tag.end and tag.begin <= headers[h][1]:
            tag.result = "O"
            if "confidence" in tag.metadata:
                tag.metadata["confidence"] = "1.0000"


def _replay(arrays: list[np.ndarray]):
    """A ``word_vectors`` callable for `make_batch` that hands out precomputed vectors,
    one sentence per call, in order."""
    remaining = iter(arrays)
    return lambda _tokens: next(remaining)


class NerDLModel(Transformer):
    """The BiLSTM-CNN-CRF tagger as a pipeline stage (Spark NLP's NerDLModel)."""

    #: LightPipeline's default plan sets torch's thread count for pipelines with this stage.
    USES_TORCH = True
    _verify: bool  # set by load(): whether load_state requires checksums
    PARAMS = (
        Param("batchSize", 64, "sentences per forward pass"),
        Param("includeConfidence", True, "write each token's tag probability"),
        Param("includeAllConfidenceScores", False, "write every tag's probability"),
        Param("storageRef", "embeddings_clinical", "the word vectors the model was trained on"),
        Param("device", "auto", f"one of {DEVICES}"),
        Param("precision", "auto",
              f"network arithmetic, one of {PRECISIONS}; auto measures which is faster here"),
        Param("headersAsOutside", True,
              "with a section column, tag the tokens of section headers O"),
        Param("convention", "",
              "the annotation convention to follow (see getConventions); '' is the model's "
              "default, its first"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT, AnnotatorType.TOKEN, AnnotatorType.WORD_EMBEDDINGS)
    #: With a ``section`` column (``setInputCols([..., "section"])``) header tokens are ``O``.
    OPTIONAL_INPUT_TYPES = (AnnotatorType.SECTION,)
    OUTPUT_TYPE = AnnotatorType.NAMED_ENTITY

    def __init__(
        self,
        network: BiLstmCnnCrf | None = None,
        char_vocabulary: CharVocabulary | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._network = network
        self._chars = char_vocabulary
        # (the float32 network it was made from, (device, dtype), the lower-precision copy)
        self._low_precision: tuple[BiLstmCnnCrf, tuple[torch.device, torch.dtype], BiLstmCnnCrf] | None = None
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._set(inputCols=["sentence", "token", "embeddings"], outputCol="ner")

    # ----- construction -----------------------------------------------------------------
    @classmethod
    def pretrained(
        cls, name: str = "ner_clinical", lang: str = "en", remote_loc: str | None = None
    ) -> NerDLModel:
        """Load a shipped or cached model by name, offline (see :mod:`clinical_ner.resources`)."""
        return cls.load(resolve(name, lang, remote_loc, kind="ner_dl"))

    @classmethod
    def load(cls, path: str | Path, verify: bool = True) -> NerDLModel:
        """Load a model folder written by :meth:`save`. Its checksums are verified and
        required; ``verify=False`` loads a folder without them (your own risk)."""
        model = cls()
        model._verify = verify
        model.load_state(Path(path))
        return model

    def save(self, path: str | Path, metadata: dict | None = None, overwrite: bool = False) -> Path:
        """Write a model folder loadable by :meth:`load` / :meth:`pretrained`."""
        meta = {
            "kind": "ner_dl",
            "lang": "en",
            "version": "1",
            "storage_ref": self.getOrDefault("storageRef"),
            **self.metadata,
            **(metadata or {}),
        }
        return write_model_folder(path, self._write_files, meta, overwrite=overwrite)

    def _write_files(self, folder: Path) -> None:
        network, chars = self._parts()
        config = {"network": network.to_config(), "char_vocabulary": chars.to_config()}
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")
        (folder / LABELS_FILE).write_text(json.dumps(network.labels), encoding="utf-8")
        network.save_weights(folder / WEIGHTS_FILE)

    def save_state(self, directory: Path) -> None:
        self.save(directory / "model")

    def load_state(self, directory: Path) -> None:
        folder = directory / "model" if (directory / "model").is_dir() else directory
        meta = verify(folder, checksums=getattr(self, "_verify", True))
        # A folder whose checksums match can still hold the wrong content (a file written
        # by another tool): every such failure names the file.
        config = _read_json(folder / CONFIG_FILE)
        labels = _read_json(folder / LABELS_FILE)
        try:
            if list(config["network"]["labels"]) != labels:
                raise CorruptModelError(f"{folder}: labels.json disagrees with config.json")
            network = BiLstmCnnCrf.from_config(config["network"])
            chars = CharVocabulary.from_config(config["char_vocabulary"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptModelError(
                f"{folder / CONFIG_FILE}: not a tagger configuration ({type(exc).__name__}: "
                f"{exc}); retrain or reinstall the model"
            ) from None
        try:
            network.load_weights(folder / WEIGHTS_FILE)
        except Exception as exc:  # safetensors and torch raise many kinds
            raise CorruptModelError(
                f"{folder / WEIGHTS_FILE}: the weights do not fit the network in config.json "
                f"({type(exc).__name__}); retrain or reinstall the model"
            ) from None
        network.eval()
        self._network = network
        self._chars = chars
        self.metadata = {k: v for k, v in meta.items() if k != "files"}
        self._set(storageRef=meta.get("storage_ref", "embeddings_clinical"))

    def _inference_network(self, device: torch.device, dtype: torch.dtype) -> BiLstmCnnCrf:
        """The network on ``device`` in ``dtype``. A lower precision works on a cached
        copy, so the float32 weights (the ones saved) are never rounded."""
        network, _ = self._parts()
        if dtype == torch.float32:
            if network.device != device:
                network.to(device)
            if network.training:  # a freshly trained network: no dropout at inference
                network.eval()
            return network
        cached = self._low_precision
        if cached is None or cached[0] is not network or cached[1] != (device, dtype):
            copy = BiLstmCnnCrf.from_config(network.to_config())
            copy.load_state_dict(network.state_dict())
            copy.to(device=device, dtype=dtype).eval()
            self._low_precision = (network, (device, dtype), copy)
            cached = self._low_precision
        return cached[2]

    def _precision(self, device: torch.device) -> torch.dtype:
        """The dtype to run in: the explicit one; for ``auto``, ``$CLINICAL_NER_PRECISION``
        when set, else bfloat16 where it measured at least `MIN_SPEEDUP` times faster than
        float32 on this machine (cached)."""
        explicit = pick_precision(self.getOrDefault("precision"))
        if explicit is not None:
            return explicit
        settled = environment_precision()
        if settled is not None:
            return pick_precision(settled) or torch.float32
        full = self._inference_network(device, torch.float32)
        entry = measured_precision(full, device, lambda: self._inference_network(device, torch.bfloat16))
        if entry["choice"] == "bfloat16":
            return torch.bfloat16
        self._low_precision = None  # measured slower here: the copy is not needed
        return torch.float32

    def getResolvedPrecision(self) -> str:
        """``float32`` or ``bfloat16``: what this model runs in on this machine now (for
        ``auto``, the measured choice, see :mod:`clinical_ner.nn.precision`)."""
        dtype = self._precision(pick_device(self.getOrDefault("device")))
        return "bfloat16" if dtype == torch.bfloat16 else "float32"

    def _parts(self) -> tuple[BiLstmCnnCrf, CharVocabulary]:
        if self._network is None or self._chars is None:
            raise ConfigurationError(
                "NerDLModel has no network; use NerDLModel.pretrained() or .load(path), or "
                "train one with NerDLApproach"
            )
        return self._network, self._chars

    # ----- setters ----------------------------------------------------------------------
    def setBatchSize(self, value: int) -> NerDLModel:
        if int(value) < 1:
            raise ConfigurationError("batchSize must be at least 1")
        return self._set(batchSize=int(value))

    def setIncludeConfidence(self, value: bool) -> NerDLModel:
        return self._set(includeConfidence=bool(value))

    def setIncludeAllConfidenceScores(self, value: bool) -> NerDLModel:
        return self._set(includeAllConfidenceScores=bool(value))

    def setStorageRef(self, value: str) -> NerDLModel:
        return self._set(storageRef=str(value))

    def setDevice(self, value: str) -> NerDLModel:
        if value not in DEVICES:
            raise ConfigurationError(f"device must be one of {DEVICES}")
        return self._set(device=value)

    def setPrecision(self, value: str) -> NerDLModel:
        """``float32``, ``bfloat16`` or ``auto`` (the default: bfloat16 where it measured
        faster on this machine, else float32; see :mod:`clinical_ner.nn.precision`).
        float32 gives results that do not depend on which texts share a batch."""
        if value not in PRECISIONS:
            raise ConfigurationError(f"precision must be one of {PRECISIONS}")
        return self._set(precision=value)

    def setHeadersAsOutside(self, value: bool) -> NerDLModel:
        """With a ``section`` input column, tag every token of a section header ``O`` with
        confidence 1 (default on), so no entity ever contains header text."""
        return self._set(headersAsOutside=bool(value))

    def setConvention(self, value: str) -> NerDLModel:
        """Follow the span rules of one of the model's training corpora (`getConventions`):
        ``""`` (the default) is its first, the clinical notes' i2b2 rules for the shipped
        model; ``"maccrobat"`` or ``"chia"`` give case-report or trial-criteria spans."""
        value = str(value)
        if value and self._network is not None and value not in self._network.conventions:
            known = ", ".join(self._network.conventions) or "none"
            raise ConfigurationError(f"unknown convention {value!r}; this model knows: {known}")
        return self._set(convention=value)

    def getConventions(self) -> list[str]:
        """The annotation conventions this model can follow, default first (empty for a
        model trained without them)."""
        return list(self._parts()[0].conventions)

    def getClasses(self) -> list[str]:
        """The tags this model predicts."""
        return list(self._parts()[0].labels)

    @property
    def network(self) -> BiLstmCnnCrf:
        return self._parts()[0]

    @property
    def char_vocabulary(self) -> CharVocabulary:
        return self._parts()[1]

    # ----- inference --------------------------------------------------------------------
    def tag_sentences(
        self, sentences: Sequence[Sequence[str]], vectors: Sequence[np.ndarray]
    ) -> tuple[list[list[str]], list[list[float]], list[np.ndarray] | None]:
        """Tags, confidences and (optionally) all tag probabilities of tokenized sentences.

        Args:
            sentences: ``N`` non-empty lists of token strings.
            vectors: per sentence, float32 ``[len(sentence), E]`` word vectors.
        """
        network, chars = self._parts()
        device = pick_device(self.getOrDefault("device"))
        network = self._inference_network(device, self._precision(device))
        all_scores = self.getOrDefault("includeAllConfidenceScores")
        convention = self._convention_id(network)
        tags: list[list[str]] = [[] for _ in sentences]
        confidences: list[list[float]] = [[] for _ in sentences]
        scores: list[np.ndarray] | None = [np.empty(0)] * len(sentences) if all_scores else None
        lengths = [len(s) for s in sentences]

        def decode(group: list[tuple[list[int], torch.Tensor]]) -> None:
            # One CRF pass over several BiLSTM batches (see BiLstmCnnCrf.decode_emissions).
            indices = [i for batch_indices, _ in group for i in batch_indices]
            first = group[0][1]
            width = max(e.size(1) for _, e in group)
            emissions = first.new_zeros(len(indices), width, first.size(2))
            row = 0
            for _, part in group:
                emissions[row : row + part.size(0), : part.size(1)] = part
                row += part.size(0)
            group_lengths = torch.tensor([lengths[i] for i in indices], device=emissions.device)
            mask = torch.arange(width, device=emissions.device)[None, :] < group_lengths[:, None]
            output = network.decode_emissions(emissions, mask, include_all_scores=all_scores)
            for j, i in enumerate(indices):
                tags[i] = output.tags[j]
                confidences[i] = output.confidences[j]
                if scores is not None and output.all_scores is not None:
                    scores[i] = output.all_scores[j].numpy()

        with torch.inference_mode():
            group: list[tuple[list[int], torch.Tensor]] = []
            pending = 0
            # Longest first, so each CRF group holds sentences of similar length.
            for indices in length_sorted_batches(lengths, self.getOrDefault("batchSize")):
                batch = make_batch(
                    [sentences[i] for i in indices],
                    chars,
                    _replay([vectors[i] for i in indices]),
                    device=device,
                    convention_ids=None if convention is None else [convention] * len(indices),
                )
                group.append((indices, network.emissions(batch)))
                pending += len(indices)
                if pending >= CRF_GROUP_SENTENCES:
                    decode(group)
                    group, pending = [], 0
            if group:
                decode(group)
        return tags, confidences, scores

    def _convention_id(self, network: BiLstmCnnCrf) -> int | None:
        """The id of the chosen convention, or None for a network without conventions."""
        name = self.getOrDefault("convention")
        if not network.conventions:
            if name:
                raise ConfigurationError(
                    f"convention {name!r} set, but this model was trained without conventions"
                )
            return None
        try:
            return network.convention_id(name)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None

    def transform_rows(self, rows: list[Row]) -> list[Row]:
        _, token_col, embeddings_col, *section_col = self.getInputCols()
        out_col = self.getOutputCol()
        network, _ = self._parts()
        # Every sentence of every row is one tagger input: (row, first token, end token).
        spans: list[tuple[int, int, int]] = []
        sentences: list[list[str]] = []
        vectors: list[np.ndarray] = []
        for r, row in enumerate(rows):
            tokens, embeddings = row[token_col], row[embeddings_col]
            if len(tokens) != len(embeddings):
                raise ConfigurationError(
                    f"NerDLModel got {len(tokens)} tokens but {len(embeddings)} embeddings; "
                    "the embeddings stage must read the same token column"
                )
            if not tokens:
                continue
            matrix = np.stack([e.embeddings for e in embeddings]).astype(np.float32, copy=False)
            if matrix.shape[1] != network.word_dim:
                raise ConfigurationError(
                    f"the embeddings column has {matrix.shape[1]}-dimensional vectors but this "
                    f"model was trained on {network.word_dim}-dimensional ones "
                    f"({self.getOrDefault('storageRef')}); use the same embeddings"
                )
            first = 0
            for _, run in groupby(t.metadata.get("sentence", "0") for t in tokens):
                stop = first + sum(1 for _ in run)
                spans.append((r, first, stop))
                sentences.append([t.result for t in tokens[first:stop]])
                vectors.append(matrix[first:stop])
                first = stop
        tags, confidences, scores = self.tag_sentences(sentences, vectors)
        include_confidence = self.getOrDefault("includeConfidence") or scores is not None
        labels = network.labels
        entity_type = AnnotatorType.NAMED_ENTITY
        for row in rows:
            row[out_col] = []
        for g, (r, first, stop) in enumerate(spans):
            tokens = rows[r][token_col][first:stop]
            sentence_id = tokens[0].metadata.get("sentence", "0")
            if include_confidence and scores is None:
                # The default output, built in one pass: this loop runs once per token.
                rows[r][out_col].extend([
                    Annotation(entity_type, t.begin, t.end, tag,
                               {"word": t.result, "sentence": sentence_id,
                                "confidence": f"{confidence:.4f}"})
                    for t, tag, confidence in zip(tokens, tags[g], confidences[g], strict=True)
                ])
                continue
            metadata = [{"word": t.result, "sentence": sentence_id} for t in tokens]
            if scores is not None:
                for k, token_scores in enumerate(scores[g].tolist()):
                    metadata[k].update(
                        {label: f"{p:.4f}" for label, p in zip(labels, token_scores, strict=True)}
                    )
            if include_confidence:
                for meta, confidence in zip(metadata, confidences[g], strict=True):
                    meta["confidence"] = f"{confidence:.4f}"
            rows[r][out_col].extend(
                Annotation(entity_type, t.begin, t.end, tag, meta)
                for t, tag, meta in zip(tokens, tags[g], metadata, strict=True)
            )
        if section_col and self.getOrDefault("headersAsOutside"):
            for row in rows:
                _tag_headers_outside(row[out_col], header_spans(row[section_col[0]]))
        return rows

    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        cols = self.getInputCols()
        row = dict(zip(cols, inputs, strict=True))
        return self.transform_rows([row])[0][self.getOutputCol()]
