"""PyTorch's training step on the course models, timed as :mod:`srlib.bench.train_step` times srlib's.

Run by :mod:`srlib.bench.versus` as ``python -m srlib.bench.torch_step MODEL SCALE BATCH LR_PATCH
THREADS STEPS`` in a process without TensorFlow, it prints one JSON object: milliseconds per
step of the twin network (:mod:`srlib.bench.torch_twins`) trained with MSE and Adam on one
synthetic batch, in two configurations:

- ``fp32``: eager float32, NCHW — what a first PyTorch script does;
- ``bf16``: ``torch.autocast`` to bfloat16 with the model and batch in channels-last memory
  layout — PyTorch's fast CPU path where the CPU has AMX or AVX512-BF16.

Each is timed in rounds of ``STEPS`` steps after three warm-up steps until two rounds agree
within 5 % (:func:`srlib.bench.timing.steady_timing`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from typing import Any

import torch

from srlib.bench.timing import MAX_TIMED_ROUNDS, bench_patch_shapes, steady_timing
from srlib.bench.torch_twins import build_twin

__all__ = ["TORCH_MODES", "time_torch_step", "torch_bench"]

TORCH_MODES = ("fp32", "bf16")
WARMUP_STEPS = 3


def time_torch_step(
    name: str, scale: int, batch_size: int, lr_patch: int, mode: str, steps: int, max_rounds: int = MAX_TIMED_ROUNDS
) -> tuple[float, int]:
    """Seconds per training step of the PyTorch twin in ``mode`` (``fp32`` or ``bf16``), and the rounds timed."""
    if mode not in TORCH_MODES:
        raise ValueError(f"mode {mode!r}: use one of {', '.join(TORCH_MODES)}")
    torch.manual_seed(0)
    (h, w, c), (th, tw, tc) = bench_patch_shapes(name, scale, lr_patch)
    generator = torch.Generator().manual_seed(0)
    inputs = torch.rand((batch_size, c, h, w), generator=generator)
    targets = torch.rand((batch_size, tc, th, tw), generator=generator)
    model = build_twin(name, scale).train()
    if mode == "bf16":
        model = model.to(memory_format=torch.channels_last)
        inputs, targets = (
            inputs.contiguous(memory_format=torch.channels_last),
            targets.contiguous(memory_format=torch.channels_last),
        )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()

    def autocast():
        if mode == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            loss = loss_fn(model(inputs).float(), targets)
        loss.backward()
        optimizer.step()

    for _ in range(WARMUP_STEPS):
        step()

    def one_round() -> float:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - start) / steps

    return steady_timing(one_round, max_rounds=max_rounds)


def torch_bench(
    name: str,
    scale: int,
    batch_size: int,
    lr_patch: int,
    threads: int,
    steps: int,
    modes: tuple[str, ...] = TORCH_MODES,
) -> dict[str, Any]:
    """Milliseconds per step in each of ``modes`` with ``threads`` intra-op threads, and the versions used."""
    torch.set_num_threads(int(threads))
    result: dict[str, Any] = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for mode in modes:
        seconds, rounds = time_torch_step(name, scale, batch_size, lr_patch, mode, steps)
        result[mode] = {"ms_per_step": round(1000.0 * seconds, 2), "timed_rounds": rounds}
    return result


def main(argv: list[str]) -> int:
    name, scale, batch_size, lr_patch, threads, steps = argv[0], *map(int, argv[1:6])
    modes = tuple(argv[6].split(",")) if len(argv) > 6 else TORCH_MODES
    print(json.dumps(torch_bench(name, scale, batch_size, lr_patch, threads, steps, modes)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
