"""``formcheck batch`` (issue #14): inputs, atomic results and resume without inference;
then the real engine: a real ``LocalCluster``, and a separate ``dask scheduler`` with two
``dask worker`` processes on loopback, over sample clips (with their truth) and bad files
from the tester's corpus (``tests/corpus.py``). One worker is killed mid-batch, a batch is
interrupted and resumed: no result lost, no finished clip redone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from formcheck.batch import Defaults, Settings, collect, run_batch
from formcheck.batch.results import Index, atomic_write, finished
from formcheck.config import Config
from support.corpus import CASES, build

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_videos"
GOOD = ("sit_to_stand_portrait.mp4", "trunk_flexion_oblique.mp4", "five_times_sit_to_stand.mp4")
BAD = ("empty", "random bytes", "PNG named .mp4", "truncated (recording never finished)",
       "no person")  # fmt: skip
BIN = Path(sys.executable).parent


def _env(pose_model: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src")
    env["FORMCHECK_MODEL"] = str(pose_model)
    return env


def _bad_cases() -> list:  # type: ignore[type-arg]
    cases = {c.label: c for c in CASES}
    return [cases[label] for label in BAD]


def _folder(tmp: Path, good: tuple[str, ...] = GOOD, bad: bool = True) -> Path:
    """Sample clips (symlinked: read by path) plus the corpus's bad files, nested."""
    folder = tmp / "clips"
    (folder / "bad").mkdir(parents=True)
    for name in good:
        (folder / name).symlink_to(SAMPLES / name)
    if bad:
        for case in _bad_cases():
            build(case, folder / "bad")
    (folder / "bad" / "whole.mp4").unlink(missing_ok=True)  # a corpus builder's by-product
    (folder / "notes.md").write_text("not a clip\n")
    return folder


def _truth(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((SAMPLES / name).with_suffix(".json").read_text())


def _check_table(outdir: Path, good: tuple[str, ...], bad: bool = True) -> pd.DataFrame:
    """The results table agrees with the samples' truth and records every bad file."""
    table = pd.read_parquet(outdir / "results.parquet")
    csv = pd.read_csv(outdir / "results.csv")
    assert list(csv["clip"]) == list(table["clip"])
    rows = {r.clip: r for r in table.itertuples()}
    for name in good:
        truth, row = _truth(name), rows[name]
        assert row.status == "done", row.reason
        assert row.exercise == truth["exercise"], name
        assert row.rep_count == truth["rep_count"], name
        assert row.frames == truth["frames"], name
        assert 0.9 <= row.detection_rate <= 1.0
        report = json.loads((outdir / "reports" / f"{name}.json").read_text())
        assert report["rep_count"] == truth["rep_count"] and report["row"]["status"] == "done"
    if bad:
        for case in _bad_cases():
            row = rows[f"bad/{case.file_name}"]
            assert row.status == "failed", case.label
            assert case.expect in row.reason and case.file_name in row.reason, row.reason
    assert "notes.md" not in rows
    assert not list(outdir.rglob("*.part")), "a half-written file was left behind"
    return table


# -- without inference ---------------------------------------------------------------


def test_collect_folder_glob_and_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "a").mkdir(parents=True)
    for name in ("a/one.mp4", "two.MOV", "notes.txt", "truth.json"):
        (folder / name).write_bytes(b"x")
    jobs = collect(folder, Defaults(exercise="squat"))
    assert [j.name for j in jobs] == ["a/one.mp4", "two.MOV"]
    assert {j.exercise for j in jobs} == {"squat"}
    globbed = collect(str(folder / "**" / "*.txt"), Defaults())
    assert [j.path.name for j in globbed] == ["notes.txt"]  # named explicitly: kept
    manifest = folder / "m.csv"
    manifest.write_text("path,exercise,test,age,sex,patient_id\n"
                        "a/one.mp4,sit_to_stand,5xsts,70,f,P1\ntwo.MOV,,,,,\n")  # fmt: skip
    one, two = collect(manifest, Defaults(exercise="trunk_flexion", age=50))
    assert (one.exercise, one.test, one.age, one.sex, one.patient_id) == (
        "sit_to_stand", "5xsts", 70, "f", "P1")  # fmt: skip
    assert (two.exercise, two.age, two.path) == ("trunk_flexion", 50, folder / "two.MOV")


@pytest.mark.parametrize(
    ("text", "message"),
    [("path,exercise\nx.mp4,jumping\n", "line 2: exercise 'jumping'"),
     ("path,age\nx.mp4,old\n", "line 2: age 'old' is not a whole number"),
     ("clip\nx.mp4\n", "needs a 'path' column"),
     ("path,colour\nx.mp4,red\n", "unknown column")],
)  # fmt: skip
def test_bad_manifest_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    manifest = tmp_path / "batch.csv"
    manifest.write_text(text)
    with pytest.raises(ValueError, match=message) as err:
        collect(manifest, Defaults())
    assert str(manifest) in str(err.value)


def test_nothing_to_do_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no clips found"):
        collect(tmp_path, Defaults())
    with pytest.raises(ValueError, match="no such folder or file"):
        collect(tmp_path / "absent", Defaults())


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "r" / "x.json"
    atomic_write(target, "old")
    atomic_write(target, b"new")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]


def test_index_hashes_once_and_notices_changes(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"abc")
    index = Index(tmp_path / "index.json")
    first = index.sha256(clip)
    index.save()
    again = Index(tmp_path / "index.json")
    assert again.sha256(clip) == first
    clip.write_bytes(b"abcd")
    assert again.sha256(clip) != first


def test_failed_clips_do_not_stop_the_batch_and_resume_skips_them(tmp_path: Path) -> None:
    """Real engine (a one-worker LocalCluster), bad files only: no inference needed."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "holiday.mp4").write_bytes(np.random.default_rng(0).bytes(5000))
    out = tmp_path / "out"
    settings = Settings(config=Config())
    summary = run_batch(collect(folder, Defaults()), out, settings, workers=1, progress=False)
    assert (summary.done, summary.failed, summary.skipped) == (0, 2, 0)
    reasons = {r["clip"]: r["reason"] for r in summary.rows}
    assert "the file is empty" in reasons["empty.mp4"]
    assert "not a video file" in reasons["holiday.mp4"]
    again = run_batch(collect(folder, Defaults()), out, settings, workers=1, progress=False)
    assert (again.done, again.failed, again.skipped) == (0, 0, 2)
    assert finished(out, "empty.mp4", summary.rows[0]["sha256"], "other settings") is None


# -- real inference ------------------------------------------------------------------


@pytest.mark.slow
def test_held_landmarker_gives_a_fresh_extraction_s_landmarks(
    tmp_path: Path, pose_model: Path
) -> None:
    """A worker's landmarker, after another clip, gives what a fresh ``extract_pose`` gives."""
    from formcheck.batch.tasks import WorkerPose
    from formcheck.pose.extract import extract_pose

    cases = {c.label: c for c in CASES}
    first = build(cases["rotated (phone portrait)"], tmp_path)
    second = build(cases["mkv"], tmp_path)
    held = WorkerPose(str(pose_model))
    for clip in (first, second):
        factory = held.factory()
        seq = extract_pose(clip, workers=1, estimator_factory=factory)
        factory.close()
    fresh = extract_pose(second, workers=1, model_path=pose_model)
    assert held.sessions == 2 and len(held._poses) == 1  # one landmarker, two clips
    np.testing.assert_array_equal(seq.t, fresh.t)
    np.testing.assert_allclose(seq.image, fresh.image, atol=1e-6, equal_nan=True)


@pytest.mark.slow
def test_local_cluster_batch_matches_truth_and_rerun_skips(
    tmp_path: Path, pose_model: Path
) -> None:
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    cmd = [str(BIN / "formcheck"), "batch", str(folder), "-o", str(out), "--workers", "2",
           "--angles"]  # fmt: skip
    done = subprocess.run(cmd, env=_env(pose_model), capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{len(GOOD) + len(BAD)} clip(s): {len(GOOD)} done, {len(BAD)} failed" in done.stderr
    assert "Traceback" not in done.stderr
    _check_table(out, GOOD)
    angles = pd.read_csv(out / "angles" / f"{GOOD[0]}.csv")
    assert len(angles) == _truth(GOOD[0])["frames"]
    again = subprocess.run(cmd, env=_env(pose_model), capture_output=True, text=True,
                           timeout=300)  # fmt: skip
    assert f"0 done, 0 failed, {len(GOOD) + len(BAD)} skipped" in again.stderr, again.stderr
    _check_table(out, GOOD)


@pytest.fixture
def dask_cluster(tmp_path: Path, pose_model: Path) -> Iterator[tuple[str, list]]:  # type: ignore[type-arg]
    """A separate ``dask scheduler`` and two ``dask worker`` processes (no nanny) on loopback."""
    env = _env(pose_model)
    file = tmp_path / "scheduler.json"
    procs = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "dask"),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, procs
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()  # fmt: skip


@pytest.mark.slow
def test_scheduler_and_workers_survive_a_killed_worker(
    tmp_path: Path,
    pose_model: Path,
    dask_cluster: tuple[str, list],  # type: ignore[type-arg]
) -> None:
    """Killing a worker mid-clip loses nothing: its clip is redone on the other worker."""
    from distributed import Client

    address, _ = dask_cluster
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    cmd = [str(BIN / "formcheck"), "batch", str(folder), "-o", str(out), "--scheduler", address]
    batch = subprocess.Popen(cmd, env=_env(pose_model), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    killed = None
    with Client(address, timeout="30s") as client:
        deadline = time.monotonic() + 300
        while killed is None and time.monotonic() < deadline and batch.poll() is None:
            busy = {w: keys for w, keys in client.processing().items() if keys}
            running = [w for w, keys in busy.items()
                       if any(str(k).startswith("clip-") for k in keys)]  # fmt: skip
            if running:
                time.sleep(2.0)  # mid-clip: decoding and inference under way
                pid = client.run(os.getpid, workers=[running[0]])[running[0]]
                os.kill(pid, signal.SIGKILL)
                killed = running[0]
            time.sleep(0.2)
    stdout, stderr = batch.communicate(timeout=900)
    assert killed is not None, "no clip was seen running"
    assert batch.returncode == 0, stderr
    _check_table(out, GOOD)
    assert f"{len(GOOD)} done, {len(BAD)} failed" in stderr, stderr


@pytest.mark.slow
def test_interrupted_batch_resumes_without_redoing(tmp_path: Path, pose_model: Path) -> None:
    good = GOOD[:2]
    folder = _folder(tmp_path, good, bad=False)
    out = tmp_path / "out"
    cmd = [str(BIN / "formcheck"), "batch", str(folder), "-o", str(out), "--workers", "1"]
    batch = subprocess.Popen(cmd, env=_env(pose_model), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and batch.poll() is None:
        if list((out / "reports").glob("*.json")) if (out / "reports").is_dir() else []:
            break
        time.sleep(0.2)
    batch.send_signal(signal.SIGINT)
    _, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 130, stderr
    kept = sorted(p.name for p in (out / "reports").glob("*.json"))
    assert len(kept) == 1, kept  # interrupted after the first clip
    assert not list(out.rglob("*.part"))
    table = pd.read_csv(out / "results.csv")  # written on the way out too
    assert list(table["clip"]) == [k.removesuffix(".json") for k in kept]
    again = subprocess.run(cmd, env=_env(pose_model), capture_output=True, text=True,
                           timeout=900)  # fmt: skip
    assert "1 done, 0 failed, 1 skipped" in again.stderr, again.stderr
    _check_table(out, good, bad=False)


# -- --save: into the patient record ---------------------------------------------------


@pytest.mark.slow
def test_save_puts_analysed_clips_into_the_record_once(tmp_path: Path, pose_model: Path) -> None:
    """A manifest naming patients; ``--save`` twice: saved once, a patient the record lacks
    and a row without a patient are said, never invented; a real SQLite record file."""
    from formcheck.record.store import Record

    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("sit_to_stand_portrait.mp4", "trunk_flexion_oblique.mp4"):
        (clips / name).symlink_to(SAMPLES / name)
    (clips / "copy.mp4").symlink_to(SAMPLES / "sit_to_stand_portrait.mp4")
    manifest = tmp_path / "batch.csv"
    manifest.write_text("path,patient_id\nclips/sit_to_stand_portrait.mp4,P1\n"
                        "clips/trunk_flexion_oblique.mp4,NOBODY\nclips/copy.mp4,\n")  # fmt: skip
    db = tmp_path / "record.sqlite"
    with Record.open(str(db)) as record:
        record.add_patient("P1")
    cmd = [str(BIN / "formcheck"), "batch", str(manifest), "-o", str(tmp_path / "out"),
           "--workers", "1", "--save", "--db", str(db), "--quiet"]  # fmt: skip
    first = subprocess.run(cmd, env=_env(pose_model), capture_output=True, text=True,
                           timeout=900)  # fmt: skip
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr
    assert "record: 1 session(s) saved, 0 already in the record, 2 not saved" in first.stderr
    assert "patient NOBODY is not in the record" in first.stderr
    assert "copy.mp4: no patient_id in the manifest" in first.stderr
    again = subprocess.run(cmd, env=_env(pose_model), capture_output=True, text=True,
                           timeout=300)  # fmt: skip
    assert "record: 0 session(s) saved, 1 already in the record" in again.stderr, again.stderr
    with Record.open(str(db)) as record:
        (saved,) = record.sessions("P1")
        assert not record.has_patient("NOBODY")
    truth = _truth("sit_to_stand_portrait.mp4")
    assert (saved.exercise, saved.source, saved.clip_name) == (
        truth["exercise"], "batch", "sit_to_stand_portrait.mp4")
    assert saved.report["rep_count"] == truth["rep_count"] and "row" not in saved.report


def test_db_without_save_is_refused_in_one_line(tmp_path: Path) -> None:
    from formcheck.cli import main

    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "o"), "--db", "x.sqlite"]) == 2
