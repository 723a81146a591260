"""Frames to landmarks: decoding (``video``), the MediaPipe landmarker (``estimator``, and its
model file, ``model_file``), whole-clip extraction on both cores (``extract``), and the one
container that flows on from here (``sequence.PoseSequence``, indexed by ``landmarks``).

Only ``estimator`` imports MediaPipe (lazily); nothing here knows about exercises.
"""
