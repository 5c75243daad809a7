"""Course support: a chapter's setup cell (profiles, seeds, device report, run times) and the exercises.

In a chapter::

    from srlib.course import exercises, start
    run = start("01", PROFILE, needs_tf=True)
    exercises.check("01.1", bicubic_input)
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["exercises", "leaderboard", "setup", "twins"],
    submod_attrs={
        "setup": ["start", "import_tensorflow", "seed_everything", "ChapterRun", "expected_runtime", "format_runtime"],
        "exercises": ["check", "solution"],
    },
)
