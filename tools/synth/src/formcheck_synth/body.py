"""Posed anny bodies: vertices and joint centres for a choreography (needs torch + anny).

World frame used by the whole synth package (metres, right-handed): **Y up,
the person faces +Z, the person's left is +X**, the floor is Y = 0 and the
ankles stay over X = Z = 0 (feet flat). anny's own frame is Z up, facing -Y;
:data:`ANNY_TO_WORLD` converts.

Each degree of freedom of :mod:`formcheck_synth.script` sets the *world*
orientation of a body segment (anny's ``world-orient`` pose
parameterisation), so a trunk command never accumulates through the legs.
Segment pitches are calibrated so that 0 makes the line between the joint
centres vertical (anny's rest pose bends the knee ~9° between joint centres).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckError

__all__ = [
    "ANNY_TO_WORLD",
    "BODY_SHAPES",
    "CALIBRATION_SHAPES",
    "JOINTS",
    "SYNTH_EXTRA_HINT",
    "Body",
    "PosedBody",
    "load_body",
    "rot_between",
    "rot_x",
    "two_link",
]

ANNY_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])

BODY_SHAPES: dict[str, dict[str, float]] = {
    "older_heavy_man": {"gender": 0.0, "age": 0.97, "muscle": 0.35, "weight": 0.9,
                        "height": 0.38, "proportions": 0.5},
    "small_older_woman": {"gender": 1.0, "age": 0.95, "muscle": 0.3, "weight": 0.45,
                          "height": 0.27, "proportions": 0.5},
    "tall_young_adult": {"gender": 0.3, "age": 0.68, "muscle": 0.6, "weight": 0.4,
                         "height": 0.53, "proportions": 0.3},
}  # fmt: skip

CALIBRATION_SHAPES: dict[str, dict[str, float]] = {
    "heavy_woman": {"gender": 1.0, "age": 0.85, "muscle": 0.4, "weight": 0.85,
                    "height": 0.35, "proportions": 0.5},
    "slim_older_man": {"gender": 0.0, "age": 0.9, "muscle": 0.4, "weight": 0.25,
                       "height": 0.45, "proportions": 0.6},
    "middle_aged_adult": {"gender": 0.6, "age": 0.8, "muscle": 0.5, "weight": 0.6,
                          "height": 0.42, "proportions": 0.45},
    "muscular_young_man": {"gender": 0.0, "age": 0.6, "muscle": 0.8, "weight": 0.55,
                           "height": 0.6, "proportions": 0.4},
    "young_slim_woman": {"gender": 0.85, "age": 0.6, "muscle": 0.45, "weight": 0.3,
                         "height": 0.45, "proportions": 0.5},
    "older_stout_man": {"gender": 0.15, "age": 0.95, "muscle": 0.35, "weight": 0.75,
                        "height": 0.35, "proportions": 0.5},
    "tall_woman": {"gender": 0.85, "age": 0.75, "muscle": 0.5, "weight": 0.55,
                   "height": 0.62, "proportions": 0.45},
    "short_young_man": {"gender": 0.15, "age": 0.55, "muscle": 0.55, "weight": 0.4,
                        "height": 0.25, "proportions": 0.55},
}  # fmt: skip
"""Bodies used only to fit the joint-centre estimate (``formcheck_synth.calibrate``):
none of them appears in the sample set, so the samples test the fit on new bodies."""
BODY_SHAPES.update(CALIBRATION_SHAPES)

# Joint centres saved with each frame: name -> anny bone whose head it is.
JOINTS: dict[str, str] = {
    "left_hip": "upperleg01.L", "right_hip": "upperleg01.R",
    "left_knee": "lowerleg01.L", "right_knee": "lowerleg01.R",
    "left_ankle": "foot.L", "right_ankle": "foot.R",
    "left_shoulder": "upperarm01.L", "right_shoulder": "upperarm01.R",
    "left_elbow": "lowerarm01.L", "right_elbow": "lowerarm01.R",
    "left_wrist": "wrist.L", "right_wrist": "wrist.R",
    "head": "head", "neck": "neck01",
}  # fmt: skip

_SEGMENT_PREFIXES: dict[str, tuple[str, ...]] = {
    "pelvis": ("root", "pelvis", "spine05"),
    "lumbar": ("spine04", "spine03"),
    "thorax": ("spine02", "spine01", "clavicle", "shoulder01", "neck", "head", "eye"),
    "thigh": ("upperleg",),
    "shank": ("lowerleg",),
    "foot": ("foot", "toe"),
    "upperarm": ("upperarm",),
    "forearm": ("lowerarm", "wrist", "finger", "metacarpal"),
}


def _segment_of(bone: str) -> tuple[str, str]:
    """(segment, side) of an anny bone label; side is '', 'L' or 'R'."""
    side = bone[-1] if bone[-2:] in (".L", ".R") else ""
    for segment, prefixes in _SEGMENT_PREFIXES.items():
        if bone.startswith(prefixes):
            return segment, side
    raise ValueError(f"anny bone {bone!r} belongs to no segment")


def rot_x(deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) degrees -> (T, 3, 3) rotations about the world X axis (+: top tips forward)."""
    a = np.radians(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    out[..., 0, 0] = 1.0
    out[..., 1, 1], out[..., 1, 2] = c, -s
    out[..., 2, 1], out[..., 2, 2] = s, c
    return out


def rot_z(deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) degrees -> (T, 3, 3) rotations about the world Z axis (the way the person
    faces); + tips a segment's top towards the person's left (+X)."""
    a = np.radians(-np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    out[..., 0, 0], out[..., 0, 1] = c, -s
    out[..., 1, 0], out[..., 1, 1] = s, c
    out[..., 2, 2] = 1.0
    return out


def rot_y(deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) degrees -> (T, 3, 3) rotations about the world vertical; + turns the front
    (+Z) towards the person's left (+X)."""
    a = np.radians(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    out[..., 0, 0], out[..., 0, 2] = c, s
    out[..., 1, 1] = 1.0
    out[..., 2, 0], out[..., 2, 2] = -s, c
    return out


def rot_between(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Smallest rotations taking unit vectors ``a`` (..., 3) onto ``b`` (..., 3) -> (..., 3, 3)."""
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    v = np.cross(a, b)
    c = np.sum(a * b, axis=-1)[..., None, None]
    vx = np.zeros(v.shape + (3,))
    vx[..., 0, 1], vx[..., 0, 2] = -v[..., 2], v[..., 1]
    vx[..., 1, 0], vx[..., 1, 2] = v[..., 2], -v[..., 0]
    vx[..., 2, 0], vx[..., 2, 1] = -v[..., 1], v[..., 0]
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


@dataclass(frozen=True)
class PosedBody:
    """A body over T frames in the world frame.

    ``vertices`` (T, V, 3) float32 metres; ``faces`` (F, 3) int; ``joints``
    name -> (T, 3) float64 metres (see :data:`JOINTS`); ``region`` (V,) int8:
    0 skin, 1 shirt, 2 trousers, 3 shoes.
    """

    vertices: NDArray[np.float32]
    faces: NDArray[np.int64]
    joints: dict[str, NDArray[np.float64]]
    region: NDArray[np.int8]


SYNTH_EXTRA_HINT = (
    'install the synth extra: pip install -e ".[synth]" && pip install "PyOpenGL>=3.1.7" '
    "(and apt-get install libosmesa6); see sample_videos/README.md"
)


@functools.cache
def _model() -> Any:
    try:
        import anny
        import torch
    except ImportError as err:
        raise FormcheckError(f"rendering needs {err.name}: {SYNTH_EXTRA_HINT}") from err
    return anny.Anny().to(dtype=torch.float32)


class Body:
    """One anny body shape (a key of :data:`BODY_SHAPES`), posed by segment pitches."""

    def __init__(self, shape: str) -> None:
        if shape not in BODY_SHAPES:
            raise ValueError(f"unknown body shape {shape!r}; choose one of {tuple(BODY_SHAPES)}")
        import torch

        self._torch = torch
        self.model = _model()
        self.labels: list[str] = list(self.model.bone_labels)
        self.phenotype = {k: torch.tensor([v]) for k, v in BODY_SHAPES[shape].items()}
        eye = torch.eye(4)[None, None].repeat(1, self.model.bone_count, 1, 1)
        with torch.no_grad():
            rest = self.model(pose_parameters=eye, phenotype_kwargs=self.phenotype)
        self.rest_rot = rest["rest_bone_poses"][0, :, :3, :3].double().numpy()
        self.rest_heads = rest["rest_bone_heads"][0].double().numpy() @ ANNY_TO_WORLD.T
        self.segments = [_segment_of(b) for b in self.labels]
        self.region = self._regions()
        self.offsets = self._calibrate()
        rest = self._rest_vertices()
        self.height_m = float(rest[:, 1].max() - rest[:, 1].min())

    def head(self, bone: str) -> NDArray[np.float64]:
        """Rest position (3,) of a bone's head in the world frame."""
        return self.rest_heads[self.labels.index(bone)]

    def _pitch_of(self, top: NDArray[np.float64], bottom: NDArray[np.float64]) -> float:
        d = top - bottom
        return float(np.degrees(np.arctan2(d[2], d[1])))

    def _calibrate(self) -> dict[str, float]:
        """Pitch (deg) to add to each segment so that 0 makes the joint-centre line vertical."""
        mid = lambda a, b: (self.head(a) + self.head(b)) / 2  # noqa: E731
        hip = mid("upperleg01.L", "upperleg01.R")
        shoulder = mid("upperarm01.L", "upperarm01.R")
        trunk = -self._pitch_of(shoulder, hip)
        thigh = -self._pitch_of(self.head("upperleg01.L"), self.head("lowerleg01.L"))
        shank = -self._pitch_of(self.head("lowerleg01.L"), self.head("foot.L"))
        return {"pelvis": trunk, "lumbar": trunk, "thorax": trunk, "thigh": thigh,
                "shank": shank, "foot": 0.0}  # fmt: skip

    def _regions(self) -> NDArray[np.int8]:
        weights = self.model.vertex_bone_weights.numpy()
        bones = self.model.vertex_bone_indices.numpy()
        main = bones[np.arange(len(bones)), weights.argmax(axis=1)]
        code = {"pelvis": 2, "lumbar": 1, "thorax": 1, "thigh": 2, "shank": 2, "foot": 3,
                "upperarm": 1, "forearm": 0}  # fmt: skip
        per_bone = np.array([code[seg] for seg, _ in self.segments], dtype=np.int8)
        region = per_bone[main]
        neck_head = [i for i, b in enumerate(self.labels) if b.startswith(("neck", "head", "eye"))]
        region[np.isin(main, neck_head)] = 0
        return region

    # --- posing ---------------------------------------------------------------------------

    def _rest_dir(self, a: str, b: str) -> NDArray[np.float64]:
        d = self.head(b) - self.head(a)
        return d / np.linalg.norm(d)

    def _trunk_rotations(self, dofs: dict[str, NDArray[np.float64]]) -> dict[str, NDArray]:
        rot = {seg: rot_x(dofs.get(seg, 0.0 * dofs["thigh"]) + off)
               for seg, off in self.offsets.items()}  # fmt: skip
        return _plane_rotations(rot, dofs) if "lean" in dofs else rot

    def _arm_dirs(
        self, arms: str, side: float, thorax: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Upper-arm and forearm world directions (T, 3) for an arm position."""
        n = len(thorax)
        if arms == "hang":
            up, fore = np.array([0.12 * side, -1.0, 0.05]), np.array([0.08 * side, -1.0, 0.2])
            return np.tile(up, (n, 1)), np.tile(fore, (n, 1))
        if arms == "forward":  # held out level in front (a squat's counterbalance), whatever
            # the trunk does
            up, fore = np.array([0.1 * side, -0.08, 1.0]), np.array([-0.06 * side, -0.02, 1.0])
            return np.tile(up, (n, 1)), np.tile(fore, (n, 1))
        if arms == "crossed":
            lift = 0.3 if side > 0 else 0.5
            up, fore = np.array([0.1 * side, -0.85, 0.5]), np.array([-0.9 * side, lift, 0.3])
        elif arms == "hips":
            up, fore = np.array([0.55 * side, -0.8, -0.3]), np.array([-0.3 * side, -0.6, 0.45])
        else:
            raise ValueError(f"unknown arm position {arms!r}")
        return thorax @ up, thorax @ fore

    def _pose_once(
        self, rotations: dict[tuple[str, str], NDArray[np.float64]]
    ) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
        """Vertices (T, V, 3) and bone heads (T, B, 3), world frame, root at its rest place."""
        torch = self._torch
        a = ANNY_TO_WORLD
        g = np.stack([rotations[seg] if seg in rotations else rotations[(seg[0], "")]
                      for seg in self.segments], axis=1)  # fmt: skip
        g_anny = a.T @ g @ a
        delta = np.zeros(g.shape[:2] + (4, 4))
        delta[..., :3, :3] = g_anny @ self.rest_rot
        delta[..., 3, 3] = 1.0
        delta[:, 0, :3, 3] = self.rest_heads[0] @ a
        with torch.no_grad():
            out = self.model(
                pose_parameters=torch.as_tensor(delta, dtype=torch.float32),
                phenotype_kwargs={k: v.expand(len(delta)) for k, v in self.phenotype.items()},
                pose_parameterization="world-orient",
            )
        verts = out["vertices"].numpy() @ a.T.astype(np.float32)
        heads = out["bone_poses"][..., :3, 3].double().numpy() @ a.T
        return verts, heads

    def _segment_rotations(
        self, dofs: dict[str, NDArray[np.float64]], arms: str, heads: NDArray[np.float64] | None
    ) -> dict[tuple[str, str], NDArray[np.float64]]:
        trunk = self._trunk_rotations(dofs)
        rot: dict[tuple[str, str], NDArray[np.float64]] = {}
        for seg, r in trunk.items():
            for side in ("", "L", "R"):
                rot[(seg, side)] = r
        if "thigh_l" in dofs:  # walking in, or one knee raised: each leg by its own offset
            for side, key in (("L", "l"), ("R", "r")):
                for seg in ("thigh", "shank"):
                    rot[(seg, side)] = rot_x(dofs[seg] + dofs[f"{seg}_{key}"] + self.offsets[seg])
        for side, sign in (("L", 1.0), ("R", -1.0)):
            up, fore = self._arm_dirs(arms, sign, trunk["thorax"])
            if heads is not None and np.any(dofs["push"] > 0):
                up, fore = self._blend_push(up, fore, side, sign, heads, dofs["push"])
            rot[("upperarm", side)] = rot_between(
                self._rest_dir(f"upperarm01.{side}", f"lowerarm01.{side}"), up
            )
            rot[("forearm", side)] = rot_between(
                self._rest_dir(f"lowerarm01.{side}", f"wrist.{side}"), fore
            )
        return rot

    def _blend_push(self, up, fore, side, sign, heads, push):  # type: ignore[no-untyped-def]
        """Arm directions blended towards hands pushing on the same-side thigh."""
        idx = {n: self.labels.index(f"{n}.{side}") for n in
               ("upperarm01", "lowerarm01", "wrist", "upperleg01", "lowerleg01")}  # fmt: skip
        la = np.linalg.norm(self.head(f"lowerarm01.{side}") - self.head(f"upperarm01.{side}"))
        lb = np.linalg.norm(self.head(f"wrist.{side}") - self.head(f"lowerarm01.{side}"))
        s = heads[:, idx["upperarm01"]]
        hip, knee = heads[:, idx["upperleg01"]], heads[:, idx["lowerleg01"]]
        target = hip + 0.65 * (knee - hip) + np.array([0.0, 0.09, 0.0])
        p_up, p_fore = two_link(s, target, la, lb, np.array([sign, 0.0, -0.6]))
        w = push[:, None]
        return (1 - w) * up + w * p_up, (1 - w) * fore + w * p_fore

    def pose(self, dofs: dict[str, NDArray[np.float64]], arms: str, chunk: int = 128
             ) -> PosedBody:  # fmt: skip
        """Pose the body for T frames of degree-of-freedom values (see ``script.DOFS``).

        Frames go through anny ``chunk`` at a time (same result, bounded memory).
        """
        n = len(dofs["thigh"])
        parts = [self._pose_chunk({k: v[i : i + chunk] for k, v in dofs.items()}, arms)
                 for i in range(0, n, chunk)]  # fmt: skip
        verts = np.concatenate([p[0] for p in parts])
        heads = np.concatenate([p[1] for p in parts])
        return self._anchor(verts, heads, dofs.get("walk"), dofs.get("heading"),
                            "thigh_l" in dofs)

    def _pose_chunk(
        self, dofs: dict[str, NDArray[np.float64]], arms: str
    ) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
        rot = self._segment_rotations(dofs, arms, None)
        verts, heads = self._pose_once(rot)
        if np.any(dofs["push"] > 0):
            rot = self._segment_rotations(dofs, arms, heads)
            verts, heads = self._pose_once(rot)
        return verts, heads

    def _anchor(self, verts: NDArray[np.float32], heads: NDArray[np.float64],
                walk: NDArray[np.float64] | None = None,
                heading: NDArray[np.float64] | None = None, one_leg: bool = False
                ) -> PosedBody:  # fmt: skip
        """Translate every frame so the feet stay flat on the floor (Y = 0) at X = Z = 0.

        With ``walk`` (T,) metres (walking in): the mid-ankle goes to Z = ``walk`` and
        the lower ankle's sole to the floor (the swinging foot is lifted). With
        ``heading`` (T,) degrees (a TUG's turns): each frame is then turned about the
        vertical through its mid-ankle. With ``one_leg`` (a knee raised, no walk): the
        foot that stays down (the one whose height varies least over the clip) stays
        where it stands at rest.
        """
        ankles = [self.labels.index("foot.L"), self.labels.index("foot.R")]
        foot = self.region == 3
        rest_sole = float(np.min(self._rest_vertices()[foot][:, 1]))
        ankle_height = float(self.rest_heads[ankles].mean(axis=0)[1]) - rest_sole
        shift = -heads[:, ankles].mean(axis=1)
        if walk is None and one_leg:
            stance = ankles[int(np.argmin(np.ptp(heads[:, ankles, 1], axis=0)))]  # still foot
            rest_offset = self.rest_heads[stance] - self.rest_heads[ankles].mean(axis=0)
            shift = rest_offset - heads[:, stance]
            shift[:, 1] = ankle_height - heads[:, stance, 1]
        elif walk is None:
            shift[:, 1] += ankle_height
        else:
            shift[:, 1] = ankle_height - heads[:, ankles, 1].min(axis=1)
            shift[:, 2] += walk
        joints = {name: heads[:, self.labels.index(b)] + shift for name, b in JOINTS.items()}
        verts = verts + shift[:, None, :].astype(np.float32)
        if heading is not None:  # turned about the vertical through the mid-ankle
            centre = heads[:, ankles].mean(axis=1) + shift
            centre[:, 1] = 0.0
            rot = rot_y(heading)
            joints = {k: np.einsum("tij,tj->ti", rot, v - centre) + centre
                      for k, v in joints.items()}  # fmt: skip
            verts = (np.einsum("tij,tvj->tvi", rot, verts - centre[:, None])
                     + centre[:, None]).astype(np.float32)  # fmt: skip
        faces = np.asarray(self.model.faces, dtype=np.int64)
        return PosedBody(verts, faces, joints, self.region)

    def _rest_vertices(self) -> NDArray[np.float64]:
        torch = self._torch
        eye = torch.eye(4)[None, None].repeat(1, self.model.bone_count, 1, 1)
        with torch.no_grad():
            out = self.model(pose_parameters=eye, phenotype_kwargs=self.phenotype)
        return out["rest_vertices"][0].double().numpy() @ ANNY_TO_WORLD.T


def two_link(
    shoulder: NDArray[np.float64],
    target: NDArray[np.float64],
    upper: float,
    lower: float,
    hint: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Directions (T, 3) of a two-segment arm from ``shoulder`` (T, 3) reaching ``target`` (T, 3).

    The elbow bends towards ``hint`` (3,); an unreachable target gets a straight arm.
    """
    d = target - shoulder
    dist = np.linalg.norm(d, axis=1, keepdims=True)
    dhat = d / dist
    dist = np.clip(dist, abs(upper - lower) + 1e-3, upper + lower - 1e-3)
    cos_a = (upper**2 + dist**2 - lower**2) / (2 * upper * dist)
    perp = hint - np.sum(hint * dhat, axis=1, keepdims=True) * dhat
    perp /= np.linalg.norm(perp, axis=1, keepdims=True)
    up = cos_a * dhat + np.sqrt(1 - cos_a**2) * perp
    elbow = shoulder + upper * up
    hand = shoulder + dist * dhat
    fore = hand - elbow
    return up, fore / np.linalg.norm(fore, axis=1, keepdims=True)


_LEAN_SHARES = {"pelvis": 0.1, "lumbar": 0.8, "thorax": 1.0}
_TWIST_SHARES = {"pelvis": 0.0, "lumbar": 0.4, "thorax": 1.0}


def _plane_rotations(rot: dict[str, NDArray[np.float64]], dofs: dict[str, NDArray[np.float64]]
                     ) -> dict[str, NDArray[np.float64]]:  # fmt: skip
    """Segment rotations (T, 3, 3) with the side-bend (``lean``), rotation (``twist``) and
    hip-shift (``shift``) degrees of freedom of ``script.PLANE_DOFS`` applied on top of the
    sagittal pitches: the trunk segments tilt and turn by their shares of the trunk's, the
    legs tilt sideways by ``shift`` (the feet stay flat)."""
    out = dict(rot)
    for seg in ("pelvis", "lumbar", "thorax"):
        out[seg] = (rot_y(_TWIST_SHARES[seg] * dofs["twist"])
                    @ rot_z(_LEAN_SHARES[seg] * dofs["lean"]) @ rot[seg])  # fmt: skip
    for seg in ("thigh", "shank"):
        out[seg] = rot_z(dofs["shift"]) @ rot[seg]
    return out


@functools.cache
def load_body(shape: str) -> Body:
    """A :class:`Body`, built once per process per shape."""
    return Body(shape)
