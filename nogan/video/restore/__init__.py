"""Film restoration: dust and dirt, line scratches, flicker and grain, before colouring or alone.

    from nogan.video import RestoreOptions, restore_video
    restore_video("reel.mp4", "reel_restored.mp4", RestoreOptions(grain=0.8))

`FilmRestorer` is the streaming stage (frames in, restored frames out, a few frames behind);
`restore_video` and `colorize_video(..., restore=True)` run it between decoding and encoding.
"""
from .options import RestoreOptions
from .restorer import LOOKAHEAD, FilmRestorer

__all__ = ["LOOKAHEAD", "FilmRestorer", "RestoreOptions"]
