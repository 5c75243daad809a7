"""Framework-free parts of the training-step benchmarks: the patch shapes and the steady-timing rule.

Both TensorFlow (:mod:`srlib.bench.train_step`) and PyTorch (:mod:`srlib.bench.torch_step`)
timings use them, so the two frameworks time the same shapes the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from srlib.errors import SRLibError

__all__ = ["MAX_TIMED_ROUNDS", "STEADY_TOLERANCE", "bench_patch_shapes", "steady_timing"]

STEADY_TOLERANCE = 0.05  # two timed rounds in a row within 5 % of each other count as steady
MAX_TIMED_ROUNDS = 5


def bench_patch_shapes(
    model_name: str, scale: int, lr_patch: int = 11
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Input and target patch shapes of the benchmark for a model and scale (channels last; SRResNet is RGB)."""
    hr_patch = lr_patch * scale
    if model_name.startswith(("fsrcnn", "espcn")):
        return (lr_patch, lr_patch, 1), (hr_patch, hr_patch, 1)
    if model_name in ("srresnet", "srgan"):  # SRGAN's generator is an SRResNet
        return (lr_patch, lr_patch, 3), (hr_patch, hr_patch, 3)
    if model_name.startswith("srcnn"):
        return (hr_patch, hr_patch, 1), (hr_patch, hr_patch, 1)
    raise SRLibError(f"bench: unknown model {model_name!r} — use fsrcnn, fsrcnn-s, srcnn, espcn, srresnet or srgan")


def steady_timing(
    time_round: Callable[[], float], tolerance: float = STEADY_TOLERANCE, max_rounds: int = MAX_TIMED_ROUNDS
) -> tuple[float, int]:
    """Repeat ``time_round`` until two rounds in a row agree within ``tolerance``; return (time, rounds).

    The time is the faster of the last two rounds. Some kernels keep warming up after the
    compiling fit: in bfloat16 the first SRResNets timed in a process ran about 1.5x slower
    than later ones, so a single timed round could read high. ``max_rounds`` bounds the wait.
    """
    previous, rounds = time_round(), 1
    while rounds < max_rounds:
        current = time_round()
        rounds += 1
        if abs(current - previous) <= tolerance * min(current, previous):
            return min(current, previous), rounds
        previous = current
    return previous, rounds
