"""Model artifacts: a fitted pipeline saved once as a skops file, loaded only after its sha256
matches and only when every type in it is on an allow-list kept here, in code.

Why an allow-list and a hash: skops refuses to build objects of types it does not trust, but
some types a fitted model needs (the tree arrays of random forests and gradient boosting) are
not trusted by skops by default, because a crafted file could hold out-of-range node indices
that crash ``predict``. Studio trusts them because it loads only files it wrote itself: the
sha256 recorded at save time (in the metadata DB, apart from the file) is checked on the bytes
before skops parses anything, so a file changed by anyone else is refused before it is read.
Everything else (functions, unknown classes, ``os.system``) stays refused. Pickle and joblib
are never used to load.

The allow-list is a union: the scikit-learn, numpy and LightGBM types below plus the names the
studio's own stages declare (``studio.features.TRUSTED_TYPES``, ``studio.training.TRUSTED_TYPES``),
passed in as ``trusted_extra`` (see ``trusted_types``).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import skops.io as sio
from skops.io.exceptions import UnsupportedTypeException, UntrustedTypesFoundException

from studio.errors import StudioError
from studio.lake import atomic_replace

# Types that skops does not trust by default and a studio model needs. skops already trusts
# every public scikit-learn estimator, numpy arrays and ufuncs, and plain containers.
BASE_TRUSTED_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "collections.OrderedDict",  # LightGBM keeps its parameters in one
    # tree storage of DecisionTree*, RandomForest*, ExtraTrees*, GradientBoosting*
    "sklearn.tree._tree.Tree",
    # tree storage of HistGradientBoosting*
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    # LightGBM's scikit-learn estimators and the booster they hold (its model is a text dump)
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.sklearn.LGBMRegressor",
)


def trusted_types(*extra: Iterable[str]) -> list[str]:
    """The allow-list: ``BASE_TRUSTED_TYPES`` plus every name in ``extra`` (for example
    ``trusted_types(features.TRUSTED_TYPES, training.TRUSTED_TYPES)``), sorted and unique."""
    names = set(BASE_TRUSTED_TYPES)
    for group in extra:
        names.update(str(name) for name in group)
    return sorted(names)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def artifact_bytes(obj: Any, trusted_extra: Iterable[str] = ()) -> bytes:
    """``obj`` as skops bytes (deflated), refused when it holds a type that ``load_artifact``
    would refuse, so a model that could not be loaded again is never stored."""
    try:
        data = sio.dumps(obj, compression=zipfile.ZIP_DEFLATED)
    except UnsupportedTypeException as error:
        raise StudioError(f"cannot save the model: {_first_line(error)}; keep only scikit-learn compatible objects in the pipeline") from None
    except TypeError as error:
        raise StudioError(f"cannot save the model: {_first_line(error)}; keep only scikit-learn compatible objects in the pipeline") from None
    refused = _refused_types(data, trusted_types(trusted_extra))
    if refused:
        raise StudioError(
            f"cannot save the model: it holds types outside the artifact allow-list ({', '.join(refused)}); "
            "add them to the TRUSTED_TYPES of the stage that defines them, or use supported estimators"
        )
    return data


def save_artifact(obj: Any, path: Path, trusted_extra: Iterable[str] = ()) -> str:
    """Write ``obj`` to ``path`` as a skops file, atomically (temp, fsync, rename), and return
    the sha256 of the file's bytes, which the caller records to pass to ``load_artifact``."""
    path = Path(path)
    data = artifact_bytes(obj, trusted_extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temp.write_bytes(data)
        atomic_replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return sha256_bytes(data)


def load_artifact(path: Path, sha256: str, trusted_extra: Iterable[str] = ()) -> Any:
    """The object saved at ``path``. The bytes are read once, their sha256 must equal
    ``sha256`` before skops parses them (so the file cannot change between check and load),
    and every type in the file must be on the allow-list."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StudioError(f"model artifact {path} is missing: restore it from a backup or register the model again") from None
    except OSError as error:
        raise StudioError(f"cannot read model artifact {path} ({error.strerror or error}): check the file's permissions") from None
    actual = sha256_bytes(data)
    if not hmac.compare_digest(actual, str(sha256).strip().lower()):
        raise StudioError(
            f"model artifact {path.name} does not match its recorded sha256 (expected {str(sha256)[:12]}…, found {actual[:12]}…): "
            "the file was changed or damaged; restore it or register the model again"
        )
    return load_artifact_bytes(data, trusted_types(trusted_extra), name=path.name)


def load_artifact_bytes(data: bytes, allowed: list[str], name: str = "model artifact") -> Any:
    """skops bytes already checked against their hash, loaded with the ``allowed`` types."""
    try:
        refused = _refused_types(data, allowed)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise StudioError(f"{name} is not a readable skops file ({_first_line(error)}): register the model again") from None
    if refused:
        raise StudioError(
            f"{name} holds types that are not allowed ({', '.join(refused)}): it was not written by the studio; "
            "register the model again from a trusted pipeline"
        )
    try:
        return sio.loads(data, trusted=allowed)
    except UntrustedTypesFoundException as error:
        raise StudioError(f"{name} holds types that are not allowed ({_first_line(error)}): register the model again from a trusted pipeline") from None
    except ModuleNotFoundError as error:
        raise StudioError(f"{name} needs the Python package {error.name!r}, which is not installed: install it and load again") from None
    except (AttributeError, ImportError, TypeError, ValueError) as error:
        raise StudioError(
            f"{name} cannot be rebuilt with the installed libraries ({_first_line(error)}): "
            "install the versions it was saved with, or train the model again"
        ) from None


def _refused_types(data: bytes, allowed: list[str]) -> list[str]:
    """The types in skops ``data`` that neither skops nor ``allowed`` trusts."""
    allowed_set = set(allowed)
    return [name for name in sio.get_untrusted_types(data=data) if name not in allowed_set]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
