"""Landmarks to measured motion, vectorised over frames: joint angles (``angles``, through the
estimated ``joint_centres``), the per-frame features the exercises count on (``signals``),
cleaning and filtering (``cleaning``), smoothness (``smoothness``), and the camera view and
start posture found at set-up (``viewpoint``).

Nothing here knows an exercise by name: exercises choose among these signals as data.
"""
