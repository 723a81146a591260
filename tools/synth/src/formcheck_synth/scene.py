"""Offscreen rendering of a posed body in a simple room (needs pyrender with OSMesa).

The scene: a floor, a back wall behind the person as seen from the camera,
a box chair for sit-to-stand (one merged mesh: every scene node costs ~5 ms
a frame), two directional lights and some ambient light. The person is one
mesh whose clothing is given by vertex colours (pyrender ignores vertex
colours when a material is given; material colours must be floats).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckError
from formcheck_synth.body import SYNTH_EXTRA_HINT, PosedBody
from formcheck_synth.camera import Camera, look_at

__all__ = ["SKIN", "chair_boxes", "render_frames"]

SKIN = {"older_heavy_man": (0.8, 0.62, 0.52), "small_older_woman": (0.88, 0.72, 0.62),
        "tall_young_adult": (0.55, 0.38, 0.28),
        # calibration bodies (formcheck_synth.body.CALIBRATION_SHAPES)
        "heavy_woman": (0.45, 0.3, 0.22), "slim_older_man": (0.85, 0.68, 0.58),
        "middle_aged_adult": (0.7, 0.52, 0.4), "muscular_young_man": (0.38, 0.26, 0.2),
        "young_slim_woman": (0.62, 0.45, 0.34), "older_stout_man": (0.86, 0.7, 0.6),
        "tall_woman": (0.42, 0.29, 0.22), "short_young_man": (0.76, 0.58, 0.46)}  # fmt: skip


def _box(lo: NDArray[np.float64], hi: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """Vertices (8, 3) and triangles (12, 3) of an axis-aligned box."""
    corners = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], float)
    verts = lo + corners * (hi - lo)
    faces = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                      [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7],
                      [1, 7, 3]])  # fmt: skip
    return verts, faces


def chair_boxes(body: PosedBody, frame: int = 0) -> list[tuple[NDArray, NDArray]]:
    """(lo, hi) corners of the chair's seat, legs and backrest under the seated ``frame``."""
    hip = (body.joints["left_hip"][frame] + body.joints["right_hip"][frame]) / 2
    v = body.vertices[frame]
    near = (np.abs(v[:, 2] - hip[2]) < 0.1) & (np.abs(v[:, 0] - hip[0]) < 0.2)
    seat = float(v[near, 1].min())
    back, front = hip[2] - 0.24, hip[2] + 0.22
    boxes = [(np.array([-0.24, seat - 0.04, back]), np.array([0.24, seat, front]))]
    for x in (-0.22, 0.18):
        for z in (back, front - 0.04):
            boxes.append((np.array([x, 0.0, z]), np.array([x + 0.04, seat - 0.04, z + 0.04])))
    boxes.append((np.array([-0.24, seat, back - 0.04]), np.array([0.24, seat + 0.45, back])))
    return boxes


def _merged(boxes: list[tuple[NDArray, NDArray]]) -> tuple[NDArray, NDArray]:
    verts, faces = [], []
    for i, (lo, hi) in enumerate(boxes):
        v, f = _box(lo, hi)
        verts.append(v)
        faces.append(f + 8 * i)
    return np.concatenate(verts), np.concatenate(faces)


def _static_mesh(pyrender: Any, trimesh: Any, mesh: tuple[NDArray, NDArray], colour: tuple) -> Any:
    v, f = mesh
    material = pyrender.MetallicRoughnessMaterial(
        baseColorFactor=[float(c) for c in colour] + [1.0], metallicFactor=0.0,
        roughnessFactor=0.9)  # fmt: skip
    return pyrender.Mesh.from_trimesh(trimesh.Trimesh(v, f, process=False), material=material,
                                      smooth=False)  # fmt: skip


def _room(camera: Camera) -> tuple[tuple[NDArray, NDArray], tuple[NDArray, NDArray]]:
    """(vertices, faces) of the floor and of the back wall: a wide quad 2.5 m behind the
    person, facing the camera (two-sided)."""
    view = -camera.position.copy()
    view[1] = 0.0
    view /= np.linalg.norm(view)
    floor = _box(np.array([-10.0, -0.05, -10.0]), np.array([10.0, 0.0, 10.0]))
    centre, right = 2.5 * view, np.array([view[2], 0.0, -view[0]])
    top = _wall_top(camera, centre, view)
    corners = [centre + s * 12.0 * right + np.array([0.0, y, 0.0])
               for s in (-1, 1) for y in (0, top)]  # fmt: skip
    faces = np.array([[0, 1, 3], [0, 3, 2], [0, 3, 1], [0, 2, 3]])
    return floor, (np.array(corners), faces)


def _wall_top(camera: Camera, centre: NDArray[np.float64], normal: NDArray[np.float64]) -> float:
    """Height of the back wall, metres: 5, or 15 when the frame's top corners would see
    over a 5 m wall (a wide portrait frame turned off centre)."""
    f = camera.focal_px
    eye, rot = camera.position, camera.pose[:3, :3]
    for x in (0.0, camera.width):
        ray = rot @ np.array([(x - camera.width / 2) / f, camera.height / 2 / f, -1.0])
        along = float(ray @ normal)
        if along <= 0 or eye[1] + float((centre - eye) @ normal) / along * ray[1] > 5.0:
            return 15.0
    return 5.0


def _colours(body: PosedBody, skin: tuple, shirt: tuple, trousers: tuple, shoes: tuple
             ) -> NDArray[np.float32]:  # fmt: skip
    table = np.array([skin, shirt, trousers, shoes], np.float32)
    rgb = table[body.region]
    return np.concatenate([rgb, np.ones((len(rgb), 1), np.float32)], axis=1)


def _scene(pyrender: Any, camera: Camera) -> Any:
    """An empty scene with the camera, two directional lights and ambient light."""
    scene = pyrender.Scene(bg_color=[0.0, 0.0, 0.0, 1.0], ambient_light=[0.35, 0.35, 0.35])
    aspect = camera.width / camera.height
    cam = pyrender.PerspectiveCamera(yfov=np.radians(camera.yfov_deg), aspectRatio=aspect,
                                     znear=0.1)  # fmt: skip
    scene.add(cam, pose=camera.pose)
    key = look_at(camera.position + np.array([0.6, 1.5, 0.0]), np.array([0.0, 0.8, 0.0]))
    fill = look_at(np.array([0.0, 3.0, 0.0]) - camera.position, np.array([0.0, 0.8, 0.0]))
    scene.add(pyrender.DirectionalLight(intensity=2.6), pose=key)
    scene.add(pyrender.DirectionalLight(intensity=1.2), pose=fill)
    return scene


def _composite(color: NDArray[np.uint8], depth: NDArray[np.float32],
               background: NDArray[np.uint8], room_depth: NDArray[np.float32]
               ) -> NDArray[np.uint8]:  # fmt: skip
    """The person's render over the room's where the person is nearer (depth 0 = nothing)."""
    front = (depth > 0) & ((room_depth == 0) | (depth < room_depth))
    return np.ascontiguousarray(np.where(front[..., None], color[..., :3], background[..., :3]))


def render_frames(
    body: PosedBody,
    camera: Camera,
    *,
    colours: dict[str, tuple[float, float, float]],
    chair: bool,
    chair_frame: int = 0,
) -> Iterator[NDArray[np.uint8]]:
    """Yield one (H, W, 3) uint8 RGB frame per posed frame.

    The room (floor, wall, chair) is static, so it is rendered once; each frame
    renders only the person and composites it by depth (shading has no shadows, so
    this equals rendering everything together, at a third of the cost).
    ``colours`` has keys ``skin``, ``shirt``, ``trousers``, ``shoes``, ``wall``, ``floor``;
    the chair is built under the person as posed in ``chair_frame`` (a seated frame).
    """
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    try:
        import pyrender
        import trimesh
    except ImportError as err:
        raise FormcheckError(f"rendering needs {err.name}: {SYNTH_EXTRA_HINT}") from err

    room = _scene(pyrender, camera)
    floor, wall = _room(camera)
    statics = [(floor, colours["floor"]), (wall, colours["wall"])]
    if chair:
        statics.append((_merged(chair_boxes(body, chair_frame)), (0.35, 0.22, 0.12)))
    for mesh, colour in statics:
        room.add(_static_mesh(pyrender, trimesh, mesh, colour))
    person = _scene(pyrender, camera)
    rgba = _colours(body, colours["skin"], colours["shirt"], colours["trousers"], colours["shoes"])
    for start in range(0, len(body.vertices), _RENDERER_FRAMES):
        yield from _render_chunk(pyrender, trimesh, body, start, rgba, room, person, camera)


# OSMesa keeps ~3 MB per rendered frame until its renderer is deleted: use a fresh one
# every so many frames (the pixels are the same).
_RENDERER_FRAMES = 120


def _render_chunk(pyrender: Any, trimesh: Any, body: PosedBody, start: int,
                  rgba: NDArray[np.float32], room: Any, person: Any, camera: Camera
                  ) -> Iterator[NDArray[np.uint8]]:  # fmt: skip
    renderer = pyrender.OffscreenRenderer(camera.width, camera.height)
    try:
        background, room_depth = renderer.render(room)
        for verts in body.vertices[start : start + _RENDERER_FRAMES]:
            tri = trimesh.Trimesh(verts, body.faces, process=False)
            normals = tri.vertex_normals.astype(np.float32)
            prim = pyrender.Primitive(positions=verts, normals=normals, indices=body.faces,
                                      color_0=rgba, mode=4)  # fmt: skip
            node = person.add(pyrender.Mesh([prim]))
            color, depth = renderer.render(person)
            person.remove_node(node)
            yield _composite(color, depth, background, room_depth)
    finally:
        renderer.delete()
