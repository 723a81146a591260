"""Many clips at once (``formcheck batch``), on an embedded or a remote Dask cluster.

- :mod:`~formcheck.batch.inputs`: a folder, glob or CSV manifest → :class:`ClipJob` rows;
- :mod:`~formcheck.batch.tasks`: what a worker runs for one clip (one landmarker per
  worker thread, for its life);
- :mod:`~formcheck.batch.results`: atomic writes, the results table, resume;
- :mod:`~formcheck.batch.engine`: :func:`run_batch` over Dask.
"""

from formcheck.batch.engine import Summary, run_batch
from formcheck.batch.inputs import ClipJob, Defaults, collect
from formcheck.batch.tasks import ROW_COLUMNS, ClipResult, Settings

__all__ = [
    "ROW_COLUMNS",
    "ClipJob",
    "ClipResult",
    "Defaults",
    "Settings",
    "Summary",
    "collect",
    "run_batch",
]
