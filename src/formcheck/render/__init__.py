"""Drawing results onto frames (``overlay``) and writing the annotated clip (``annotated_clip``).
"""
