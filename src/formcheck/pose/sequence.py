"""``PoseSequence``: the one container that flows through formcheck.

Parallel arrays over T frames, checked when built:

- ``t`` (T,) float64, seconds from the container's presentation times,
  strictly increasing;
- ``image`` (T, 33, 4) float32: x and y normalised to the upright frame
  (0..1, may fall slightly outside), z (MediaPipe's relative depth, roughly
  the scale of x), visibility (0..1);
- ``world`` (T, 33, 3) float32: metres, origin between the hips;
- ``people`` (T,) int16: how many people the detector saw in that frame.

A frame with no person is a row of NaN in ``image`` and ``world``, never
zeros. ``width`` and ``height`` are the upright frame size in pixels.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckError
from formcheck.pose.landmarks import N_LANDMARKS

__all__ = ["PoseSequence", "SourceMeta"]

_FORMAT_VERSION = 1


@dataclass(frozen=True)
class SourceMeta:
    """Where a sequence came from.

    ``fps`` is the average rate over the clip (frames / duration), informative
    only: time always comes from ``PoseSequence.t``. ``rotation`` is the
    clockwise rotation in degrees that was applied to make frames upright.
    ``truncated`` is True when the file ended before its header said it would.
    ``pixel_aspect``: display width / height of one stored pixel as analysed
    (the file's sample aspect ratio, 1.0 for square pixels); ``aspect_corrected``
    is True when formcheck chose it because the picture looked squashed (a
    re-encode that changed the frame's shape and left no SAR), see
    :mod:`formcheck.pose.extract`. ``width``/``height`` of the sequence are then the
    corrected display size.
    """

    source: str = ""
    fps: float = float("nan")
    rotation: int = 0
    duration_s: float = float("nan")
    truncated: bool = False
    live: bool = False
    pixel_aspect: float = 1.0
    aspect_corrected: bool = False

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def _check_shape(name: str, array: NDArray[np.generic], expected: tuple[int, ...]) -> None:
    if array.shape != expected:
        raise ValueError(f"PoseSequence.{name} must have shape {expected}, got {array.shape}")


@dataclass(frozen=True, eq=False)
class PoseSequence:
    """Pose landmarks of one person over time; see the module docstring for shapes and units."""

    t: NDArray[np.float64]
    image: NDArray[np.float32]
    world: NDArray[np.float32]
    width: int
    height: int
    people: NDArray[np.int16] = None  # type: ignore[assignment]  # None: counted from image
    meta: SourceMeta = field(default_factory=SourceMeta)

    def __post_init__(self) -> None:
        t = np.ascontiguousarray(self.t, dtype=np.float64)
        if t.ndim != 1:
            raise ValueError(f"PoseSequence.t must have shape (T,), got {t.shape}")
        n = t.shape[0]
        image = np.ascontiguousarray(self.image, dtype=np.float32)
        world = np.ascontiguousarray(self.world, dtype=np.float32)
        _check_shape("image", image, (n, N_LANDMARKS, 4))
        _check_shape("world", world, (n, N_LANDMARKS, 3))
        if self.people is None:
            people = (~np.isnan(image[:, 0, 0])).astype(np.int16)
        else:
            people = np.ascontiguousarray(self.people, dtype=np.int16)
            _check_shape("people", people, (n,))
        if n > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("PoseSequence.t must be strictly increasing (seconds)")
        if not np.all(np.isfinite(t)):
            raise ValueError("PoseSequence.t must be finite")
        if int(self.width) <= 0 or int(self.height) <= 0:
            raise ValueError(f"frame size must be positive, got {self.width}x{self.height}")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "world", world)
        object.__setattr__(self, "people", people)
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "height", int(self.height))

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @classmethod
    def empty(cls, width: int, height: int, meta: SourceMeta | None = None) -> PoseSequence:
        """A sequence of zero frames (T = 0)."""
        return cls(
            t=np.zeros(0),
            image=np.zeros((0, N_LANDMARKS, 4), np.float32),
            world=np.zeros((0, N_LANDMARKS, 3), np.float32),
            width=width,
            height=height,
            meta=meta or SourceMeta(),
        )

    @property
    def detected(self) -> NDArray[np.bool_]:
        """(T,) True where a person was found in the frame."""
        return np.asarray(~np.isnan(self.image[:, :, 0]).all(axis=1))

    @property
    def detection_rate(self) -> float:
        """Share of frames with a person, 0..1 (0 for an empty sequence)."""
        return float(self.detected.mean()) if len(self) else 0.0

    def pixels(self) -> NDArray[np.float64]:
        """(T, 33, 2) image landmarks in pixels of the upright frame (x right, y down)."""
        scale = np.array([self.width, self.height], dtype=np.float64)
        return self.image[:, :, :2].astype(np.float64) * scale

    def slice(self, start: int, stop: int) -> PoseSequence:
        """Frames ``start:stop`` as a new sequence (same metadata)."""
        return dataclasses.replace(
            self,
            t=self.t[start:stop],
            image=self.image[start:stop],
            world=self.world[start:stop],
            people=self.people[start:stop],
        )

    def save(self, path: str | Path) -> Path:
        """Write to a compressed ``.npz`` (arrays plus JSON metadata); returns the path
        written (``.npz`` is appended when ``path`` lacks it, as NumPy does)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        header = {
            "format": _FORMAT_VERSION,
            "width": self.width,
            "height": self.height,
            "meta": self.meta.to_dict(),
        }
        np.savez_compressed(
            path,
            t=self.t,
            image=self.image,
            world=self.world,
            people=self.people,
            header=np.array(json.dumps(header)),
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> PoseSequence:
        """Read a file written by :meth:`save`; raises ``FormcheckError`` if it is not one."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                arrays = {k: data[k] for k in ("t", "image", "world", "people")}
            if header.get("format") != _FORMAT_VERSION:
                raise FormcheckError(
                    f"{path}: unsupported pose file format {header.get('format')}"
                )
            return cls(
                width=header["width"],
                height=header["height"],
                meta=SourceMeta(**header["meta"]),
                **arrays,
            )
        except FormcheckError:
            raise
        except FileNotFoundError as err:
            raise FormcheckError(f"{path}: no such file") from err
        except (OSError, KeyError, ValueError, TypeError, AttributeError, EOFError,
                zipfile.BadZipFile) as err:  # fmt: skip
            raise FormcheckError(f"{path}: not a formcheck pose file ({err})") from err
