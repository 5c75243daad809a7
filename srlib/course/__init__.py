"""Course support: a chapter's setup cell (profiles, seeds, device report, run times) and the exercises.

In a chapter::

    from srlib import course
    run = course.start("01", PROFILE, needs_tf=True)
    course.check("01.1", my_srcnn)
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["exercises", "setup"],
    submod_attrs={
        "setup": ["start", "seed_everything", "ChapterRun", "expected_runtime", "format_runtime"],
        "exercises": ["check", "solution"],
    },
)
