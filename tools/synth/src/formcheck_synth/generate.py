"""Render one synthetic clip and its ground-truth file (needs the ``synth`` extra).

``render_clip(spec, out_dir)`` writes ``<name>.mp4`` (H.264 yuv420p) and
``<name>.json`` (see :mod:`formcheck_synth.truth` for the angle conventions).
``squash_clip(squash, source, out_dir)`` re-encodes a rendered clip squashed to
another frame shape, as a careless re-encode does, with its truth.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck_synth.camera import Camera, place_camera
from formcheck_synth.motion import sample_tracks
from formcheck_synth.script import PLANE_EXERCISES, SEATED, ClipSpec, SquashSpec, choreograph
from formcheck_synth.truth import (
    ANGLE_NAMES,
    CONVENTIONS,
    PLANE_CONVENTIONS,
    WORLD_FORWARD,
    camera_side,
    image_angles,
    plane_angles,
    world_angles,
)

__all__ = ["TRUTH_FORMAT", "build_truth", "render_clip", "squash_clip"]

TRUTH_FORMAT = 1


def _r(values: NDArray[np.float64], digits: int = 1) -> list[float]:
    return [round(float(v), digits) for v in values]


def facing_in_image(camera: Camera, hip: NDArray[np.float64]) -> int:
    """+1 when the person (facing +Z) faces image right from ``camera``, else -1."""
    a, b = camera.project(np.stack([hip, hip + 0.3 * WORLD_FORWARD]))
    return 1 if b[0] >= a[0] else -1


def framing_frame(spec: ClipSpec) -> int:
    """First frame the camera is framed on: 0, or where a walk-in stops."""
    if not spec.walk_in_s:
        return 0
    return int(np.ceil((spec.walk_in_s - spec.start_at_s) * spec.fps - 1e-9))


def seated_frame(spec: ClipSpec) -> int:
    """A frame where a sit-to-stand person sits (the chair is built under it): frame 0,
    or the end of a rep already under way at frame 0."""
    partial = choreograph(spec).partial
    return int(np.ceil(partial[-1].end * spec.fps - 1e-9)) if partial else 0


def build_truth(spec: ClipSpec, t: NDArray[np.float64], joints: dict[str, NDArray[np.float64]],
                camera: Camera, subject: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The truth-file object for a clip: reps, faults and per-frame angles (image and world).

    ``reps`` and ``rep_count`` are the complete reps; a clip with ``spec.note`` also gets
    ``note``, ``start`` (and ``partial_reps``, ``walk_in``, ``conventions_extra``), see
    :func:`robustness_fields`.
    """
    side = camera_side(camera.position)
    ref = framing_frame(spec)
    hip0 = (joints["left_hip"][ref] + joints["right_hip"][ref]) / 2
    facing = facing_in_image(camera, hip0)
    pixels = {name: camera.project(p) for name, p in joints.items()}
    image = image_angles(pixels, side, facing)
    world = world_angles(joints, side)
    chor = choreograph(spec)
    reps = chor.complete
    truth = {
        "format": TRUTH_FORMAT,
        "conventions": CONVENTIONS,
        "clip": f"{spec.name}.mp4",
        "exercise": spec.exercise,
        "test": spec.test,
        "view": spec.camera.view,
        "side": side,
        "facing": "right" if facing > 0 else "left",
        "fps": spec.fps,
        "width": spec.width,
        "height": spec.height,
        "frames": int(len(t)),
        "duration_s": round(float(len(t) / spec.fps), 3),
        "subject": {"body": spec.body, **subject},
        "camera": {**_camera_entry(spec), "distance_used_m": _camera_distance(camera, hip0)},
        "clothing": {
            "shirt": spec.shirt,
            "trousers": spec.trousers,
            "wall": spec.wall,
            "floor": spec.floor,
        },  # fmt: skip
        "seed": spec.seed,
        "rep_count": len(reps),
        "reps": [_rep_entry(i, r, t, image) for i, r in enumerate(reps)],
        "faults": [{"rep": i, "kind": r.fault} for i, r in enumerate(reps) if r.fault],
        "angles": {
            "image": {k: _r(image[k]) for k in ANGLE_NAMES},
            "world": {k: _r(world[k]) for k in ANGLE_NAMES},
        },
        "joints_px": {
            k: np.round(v, 1).tolist()
            for k, v in pixels.items()
            if k.startswith(side) and not k.endswith(("elbow", "wrist"))
        },  # fmt: skip
    }
    if spec.note:
        truth.update(robustness_fields(spec, t, pixels, camera))
    if chor.tug is not None:
        truth["tug"] = tug_fields(reps[0], chor.tug)
    if spec.exercise in PLANE_EXERCISES:
        plane_fields(truth, spec, t, joints)
    return truth


def tug_fields(rep: Any, walk: Any) -> dict[str, Any]:
    """The exact phase times (s) of a TUG clip: its one rep (``RepTimes``) and its walk
    (``TugWalk``). Rise onset: the rep's movement starts; seat contact: the hips back on
    the seat (``RepTimes.seat``); seated: the trunk upright again (the rep's end)."""
    _, turn, turned, back, sit = walk.events
    events = {"rise_onset_s": rep.start, "standing_s": rep.extreme, "turn_start_s": turn,
              "turn_end_s": turned, "walk_back_end_s": back, "sit_onset_s": sit,
              "seat_s": rep.seat, "seated_s": rep.end}  # fmt: skip
    bounds = [rep.start, rep.extreme, turn, turned, back, rep.seat]
    names = ("rise", "walk_out", "turn", "walk_back", "turn_and_sit")
    return {
        **{k: round(v, 3) for k, v in events.items()},
        "total_s": round(rep.seat - rep.start, 3),
        "distance_m": walk.distance_m,
        "phases": [{"name": n, "start_s": round(a, 3), "end_s": round(b, 3)}
                   for n, a, b in zip(names, bounds, bounds[1:], strict=False)],  # fmt: skip
        "note": "standing_s: the rise's top reached; the walk starts there. turn_and_sit: "
        "the second 180 deg turn (to sit_onset_s), then sitting down until seated (seat_s)",
    }


PLANE_ROM = {"lateral_flexion": "side_bend", "trunk_rotation": "trunk_twist"}
"""The world angle whose per-rep range is the rep's ROM, per plane exercise."""


def plane_fields(truth: dict[str, Any], spec: ClipSpec, t: NDArray[np.float64],
                 joints: dict[str, NDArray[np.float64]]) -> None:  # fmt: skip
    """Add the side bend and trunk twist to a side-bending or rotation clip's truth: per
    frame (``angles.world``) and per rep (``side``, ``rom_deg`` of ``PLANE_ROM``'s angle:
    its largest change from the rep's start within the rep)."""
    plane = plane_angles(joints)
    truth["angles"]["world"].update({k: _r(v) for k, v in plane.items()})
    truth["conventions_plane"] = PLANE_CONVENTIONS
    angle = plane[PLANE_ROM[spec.exercise]]
    for entry, rep in zip(truth["reps"], choreograph(spec).complete, strict=True):
        i0, i1 = (int(np.argmin(np.abs(t - x))) for x in (rep.start, rep.end))
        change = angle[i0 : i1 + 1] - angle[i0]
        peak = change[int(np.argmax(np.abs(change)))]
        entry["side"] = "left" if rep.side > 0 else "right"
        entry["rom_deg"] = round(float(abs(peak)), 2)
        entry["rom_side"] = "left" if peak > 0 else "right"


def _camera_entry(spec: ClipSpec) -> dict[str, Any]:
    entry = asdict(spec.camera)
    if entry["aim_x"] == 0.5:  # the default: kept out so older truth files stay as they were
        del entry["aim_x"]
    return entry


def camera_pitch_deg(camera: Camera) -> float:
    """The camera's tilt, degrees: + looking up, - looking down."""
    view = -camera.pose[:3, 2]
    return round(float(np.degrees(np.arcsin(np.clip(view[1], -1.0, 1.0)))), 1)


def _in_view_from(spec: ClipSpec, t: NDArray, pixels: dict[str, NDArray]) -> float | None:
    """First time (s) at which every joint centre projects inside the frame, or None."""
    pts = np.stack(list(pixels.values()), axis=1)  # (T, J, 2)
    inside = np.all((pts >= 0) & (pts <= [spec.width, spec.height]), axis=(1, 2))
    return round(float(t[int(np.argmax(inside))]), 3) if inside.any() else None


def _start_posture(spec: ClipSpec) -> str:
    chor = choreograph(spec)
    if chor.walk is not None:
        return "walking in"
    if chor.partial:
        rep = chor.partial[0]
        if spec.exercise == "sit_to_stand":
            return "rising (mid-rep)" if rep.extreme > 0 else "standing or sitting down (mid-rep)"
        return "mid-rep"
    return "seated" if spec.exercise in SEATED else "standing"


def robustness_fields(spec: ClipSpec, t: NDArray[np.float64], pixels: dict[str, NDArray],
                      camera: Camera) -> dict[str, Any]:  # fmt: skip
    """Truth fields of the robustness clips: how the clip starts, cut reps, a walk-in."""
    chor = choreograph(spec)
    moving_at = 0.0 if (chor.walk or chor.partial) else chor.reps[0].start
    fields: dict[str, Any] = {
        "note": spec.note,
        "start": {
            "posture": _start_posture(spec),
            "still_s": round(moving_at, 3),
            "in_view_from_s": _in_view_from(spec, t, pixels),
        },
        "camera_pitch_deg": camera_pitch_deg(camera),
    }
    if chor.partial:
        fields["partial_reps"] = [
            {"start_s": round(r.start, 3), "extreme_s": round(r.extreme, 3),
             "end_s": round(r.end, 3), "complete": False}  # fmt: skip
            for r in chor.partial
        ]
        fields["complete_reps_after_partial"] = len(chor.complete)
    if chor.walk is not None:
        w = chor.walk
        fields["walk_in"] = {"start_s": 0.0, "stop_s": round(w.stop_s, 3),
                             "speed_m_s": w.speed_m_s, "slow_s": w.slow_s,
                             "distance_m": round(float(-w.displacement(0.0)), 3)}  # fmt: skip
    extra = {}
    if spec.exercise == "squat":
        extra["squat"] = "extreme_s: the bottom reached; hold_s: held there; end_s: standing again"
    if spec.camera.view != "side":
        extra["image"] = ("image angles outside a side view are the projected joint centres' "
                          "2D angles, not the sagittal ones: compare with 'world'")  # fmt: skip
    if chor.partial:
        extra["partial_reps"] = ("reps already under way at frame 0 (start_s < 0: before the "
                                 "clip); not complete, not in reps[] nor rep_count")  # fmt: skip
    if extra:
        fields["conventions_extra"] = extra
    return fields


def _camera_distance(camera: Camera, target: NDArray[np.float64]) -> float:
    d = camera.position - target
    return round(float(np.hypot(d[0], d[2])), 3)


def _rep_entry(i: int, rep: Any, t: NDArray[np.float64], image: dict[str, NDArray]) -> dict:
    at = int(np.argmin(np.abs(t - (rep.extreme + rep.hold_s / 2))))
    return {
        "index": i,
        "start_s": round(rep.start, 3),
        "extreme_s": round(rep.extreme, 3),
        "hold_s": round(rep.hold_s, 3),
        "end_s": round(rep.end, 3),
        "fault": rep.fault,
        "extreme_image": {k: round(float(image[k][at]), 1) for k in ANGLE_NAMES},
    }


def pose_clip(spec: ClipSpec) -> tuple[NDArray[np.float64], Any]:
    """Frame times (T,) s and the posed body (``formcheck_synth.body.PosedBody``)."""
    from formcheck_synth.body import load_body

    chor = choreograph(spec)
    t = spec.frame_times()
    body = load_body(spec.body)
    return t, body.pose(sample_tracks(chor.tracks, t), chor.arms)


def render_clip(
    spec: ClipSpec, out_dir: Path, *, log: Callable[[str], None] | None = None
) -> tuple[Path, Path]:
    """Render ``spec`` to ``out_dir/<name>.mp4`` and write ``out_dir/<name>.json``."""
    from formcheck_synth.body import BODY_SHAPES, load_body
    from formcheck_synth.encode import write_h264
    from formcheck_synth.scene import SKIN, render_frames

    start = time.perf_counter()
    t, posed = pose_clip(spec)
    sample = posed.vertices[framing_frame(spec) :: 4, ::7].reshape(-1, 3).astype(np.float64)
    camera = place_camera(spec.camera, sample, spec.width, spec.height)
    colours = {"skin": SKIN[spec.body], "shirt": spec.shirt, "trousers": spec.trousers,
               "shoes": spec.shoes, "wall": spec.wall, "floor": spec.floor}  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{spec.name}.mp4"
    frames = render_frames(posed, camera, colours=colours, chair=spec.exercise in SEATED,
                           chair_frame=seated_frame(spec))  # fmt: skip
    n = write_h264(frames, video, spec.fps)
    subject = {"height_m": round(load_body(spec.body).height_m, 3),
               "anny_phenotype": BODY_SHAPES[spec.body]}  # fmt: skip
    truth = build_truth(spec, t, posed.joints, camera, subject)
    truth_path = out_dir / f"{spec.name}.json"
    truth_path.write_text(json.dumps(truth, separators=(",", ":")) + "\n")
    if log:
        took = time.perf_counter() - start
        log(f"{video.name}: {n} frames in {took:.1f} s ({1000 * took / max(n, 1):.0f} ms/frame)")
    return video, truth_path


def _squashed_frames(source: Path, width: int, height: int) -> Iterator[NDArray[np.uint8]]:
    """Frames of ``source`` decoded and scaled to ``width`` x ``height`` (RGB, bilinear)."""
    import av

    with av.open(str(source)) as box:
        for frame in box.decode(video=0):
            scaled = frame.reformat(width=width, height=height, format="rgb24",
                                    interpolation="BILINEAR")  # fmt: skip
            yield np.asarray(scaled.to_ndarray(), dtype=np.uint8)


def squash_clip(squash: SquashSpec, source: ClipSpec, out_dir: Path, *,
                log: Callable[[str], None] | None = None) -> tuple[Path, Path]:  # fmt: skip
    """Re-encode ``out_dir/<source>.mp4`` squashed to ``squash``'s frame size (square
    pixels, no aspect metadata: the distortion is in the pixels) and write its truth.

    The truth is the source's with the new ``clip``, ``width``, ``height``;
    ``joints_px`` scaled to the new frame; ``angles.image`` kept as the *unsquashed*
    image's (the person's true 2D angles) and ``angles.image_as_encoded`` added, read
    off the squashed pixels; and a ``squashed`` entry saying so. Needs anny (the source
    is posed again for the full set of joint centres), not the renderer.
    """
    from formcheck_synth.encode import write_h264

    start = time.perf_counter()
    src_truth = json.loads((out_dir / f"{source.name}.json").read_text())
    scale = np.array([squash.width / source.width, squash.height / source.height])
    video = out_dir / f"{squash.name}.mp4"
    n = write_h264(_squashed_frames(out_dir / f"{source.name}.mp4", squash.width, squash.height),
                   video, source.fps)  # fmt: skip
    t, posed = pose_clip(source)
    sample = posed.vertices[framing_frame(source) :: 4, ::7].reshape(-1, 3).astype(np.float64)
    camera = place_camera(source.camera, sample, source.width, source.height)
    squashed = {k: camera.project(p) * scale for k, p in posed.joints.items()}
    facing = 1 if src_truth["facing"] == "right" else -1
    as_encoded = image_angles(squashed, src_truth["side"], facing)
    truth = dict(src_truth, clip=video.name, width=squash.width, height=squash.height)
    truth["note"] = squash.note
    truth["squashed"] = {
        "from": src_truth["clip"], "from_width": source.width, "from_height": source.height,
        "scale_x": round(float(scale[0]), 6), "scale_y": round(float(scale[1]), 6),
        "how": "decoded, scaled bilinear to the new size, re-encoded (H.264, CRF 26); square "
        "pixels, no aspect-ratio metadata",
        "angles": "angles.image are of the UNSQUASHED image (the person's true 2D angles); "
        "angles.image_as_encoded are read off the squashed pixels; joints_px are in the "
        "squashed frame; times and world angles are unchanged",
    }  # fmt: skip
    encoded = {k: _r(as_encoded[k]) for k in ANGLE_NAMES}
    truth["angles"] = dict(src_truth["angles"], image_as_encoded=encoded)
    truth["joints_px"] = {k: np.round(squashed[k], 1).tolist() for k in src_truth["joints_px"]}
    truth_path = out_dir / f"{squash.name}.json"
    truth_path.write_text(json.dumps(truth, separators=(",", ":")) + "\n")
    if log:
        log(f"{video.name}: {n} frames squashed in {time.perf_counter() - start:.1f} s")
    return video, truth_path
