"""Motion to results: the exercises as data (``definitions``), the rep counter (``reps``),
per-rep measurements (``measures``), cues and scores (``cues``), clinical tests (``clinical``),
the streaming ``session`` used live and offline, its ``report`` and ``report_builder``, what a
person is shown (``display``), and whole-clip ``analysis``.
"""
