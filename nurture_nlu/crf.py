"""Rasa's CRF entity extractor, loaded as trained instead of trained again at every start.

Rasa 3.6's `CRFEntityExtractor` stores only its training tokens in the model and fits its CRFs again each time the
model is loaded: about 30 s of every Rasa start here (the action of `make run`, each end-to-end stack, the load test
and each NLU evaluation process), for the same weights every time. This subclass stores the fitted CRFs as well, as
crfsuite's own model files (no pickle), and opens them on load. A model trained before it (no stored CRFs) still
loads, the slow way. Training, features and predictions are Rasa's own, unchanged.
"""

from __future__ import annotations

import logging
import shutil
from collections import OrderedDict
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from rasa.shared.utils.io import read_json_file

logger = logging.getLogger(__name__)

FITTED = "fitted_crfs"
"""The folder of the component's model storage with one crfsuite model file per tag (entity, role, group)."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class StoredCRFEntityExtractor(CRFEntityExtractor):
    """`CRFEntityExtractor` whose fitted CRFs are part of the model (config.yml names it in its place)."""

    def persist(self, dataset: list[list[CRFToken]]) -> None:
        super().persist(dataset)  # the training tokens and the tag order, as Rasa stores them
        with self._model_storage.write_to(self._resource) as model_dir:
            folder = model_dir / FITTED
            folder.mkdir(exist_ok=True)
            for tag_name, crf in self.entity_taggers.items():
                shutil.copyfile(crf.modelfile.name, folder / f"{tag_name}.crfsuite")

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CRFEntityExtractor:
        try:
            with model_storage.read_from(resource) as model_dir:
                crf_order = list(read_json_file(model_dir / "crf_order.json"))
                taggers = OrderedDict((tag, _opened(model_dir / FITTED / f"{tag}.crfsuite")) for tag in crf_order)
        except (ValueError, FileNotFoundError) as exc:  # ValueError: not trained (no entity examples)
            logger.info("no fitted CRFs in the model (%s): Rasa's CRFEntityExtractor fits them again", exc)
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = crf_order
        return extractor


def _opened(path: Path) -> Any:
    """A fitted `sklearn_crfsuite.CRF` read from a crfsuite model file. Its tagger is opened now: crfsuite reads the
    whole file, so the model storage's temporary copy may go once loading ends."""
    import sklearn_crfsuite

    if not path.is_file():
        raise FileNotFoundError(path)
    crf = sklearn_crfsuite.CRF(model_filename=str(path))
    crf.tagger_  # noqa: B018 (the property opens the tagger)
    return crf
