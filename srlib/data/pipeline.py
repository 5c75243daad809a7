"""The training pipeline: aligned (LR, HR) patch batches as a ``tf.data.Dataset``.

How the papers make training pairs, and how this module does it:

* LR is MATLAB's ``imresize(hr, 1/scale, 'bicubic')`` of the *whole* modcropped
  HR image (see :mod:`srlib.image.resize`), made once per image here and kept in
  memory as uint8 — never re-decoded or re-resized per epoch. SRCNN (Dong et al.,
  TPAMI 2016, Sec. 4.1: 33x33 sub-images of the 91 images) takes that LR
  bicubic-upscaled back to the HR size (``input_mode="bicubic"``); FSRCNN, ESPCN
  and SRResNet take the LR itself (``input_mode="lr"``).
* Patches are aligned: a patch's HR origin lies on the LR grid (a multiple of
  ``scale``), so the LR patch covers exactly the HR patch's pixels.
* ``channels="y"``: the Y channel of MATLAB's ``rgb2ycbcr``, divided by 255
  (the papers train and evaluate on luma); a grayscale image uses its one channel.
* Patch origins are drawn uniformly over all aligned positions of all images, so
  a large image gives more patches than a small one, as dense sub-image
  extraction does.
* ``degradation="real"`` makes each LR patch on the fly from its HR patch with
  Real-ESRGAN's second-order chain (:mod:`srlib.image.degrade`), seeded by
  ``(seed, step, patch)``, instead of the stored bicubic LR (``"bicubic"``, the default).
* Augmentation (``augment=True``): the 8 flips/90-degree rotations of a square
  patch, the same one for input and target. FSRCNN (Dong et al., ECCV 2016,
  sec. 4.1) also trains on every image downscaled by 0.9, 0.8, 0.7 and 0.6:
  :func:`rescaled_copies` makes those extra HR images (more, and finer, texture
  for small training sets such as T91).

Reproducible and resumable: batch ``k`` is a pure function of ``(seed, k)``
(stateless random ops keyed on the step), so a run resumed at ``start_step=k``
sees exactly the batches the uninterrupted run would have seen. Every batch is
gathered in one vectorised op from flat in-memory buffers, in parallel, with
prefetching of a fixed two batches, with tf.data autotuning off (:mod:`srlib.data.steady`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from srlib.data.datasets import validation_images
from srlib.data.steady import steady_input
from srlib.errors import SRLibError
from srlib.image.color import RGB2YCBCR, YCBCR_OFFSET
from srlib.image.crop import modcrop
from srlib.image.degrade import check_degradation
from srlib.image.degrade.chain import real_degradation
from srlib.image.resize import imresize
from srlib.seeding import worker_seed

__all__ = [
    "training_dataset",
    "prepare_training_images",
    "rescaled_copies",
    "TrainingImages",
    "validation_images",
    "INPUT_MODES",
    "CHANNELS",
]

INPUT_MODES = ("lr", "bicubic")
CHANNELS = ("y", "rgb")


@dataclass(frozen=True)
class TrainingImages:
    """HR images with their LR (and bicubic) versions, stored flat for fast patch gathering.

    ``*_flat`` arrays are ``(pixels, 3)`` uint8 (grayscale images repeated over
    three channels, flagged in ``is_gray``); image ``i`` occupies rows
    ``offset[i] : offset[i] + height[i] * width[i]`` in row-major order.
    """

    scale: int
    patch_size: int
    input_mode: str
    hr_flat: np.ndarray
    hr_offset: np.ndarray
    hr_width: np.ndarray
    lr_flat: np.ndarray | None  # input_mode "lr"
    lr_offset: np.ndarray | None
    lr_width: np.ndarray | None
    bicubic_flat: np.ndarray | None  # input_mode "bicubic": same geometry as hr_flat
    is_gray: np.ndarray
    positions: np.ndarray  # (n, 2): rows and columns of possible patch origins on the LR grid
    skipped: int  # images smaller than the patch

    @property
    def count(self) -> int:
        return len(self.hr_offset)

    @property
    def total_positions(self) -> int:
        return int(np.prod(self.positions, axis=1).sum())


def rescaled_copies(hr_images: Sequence, factors: Sequence[float] = (0.9, 0.8, 0.7, 0.6)) -> list[np.ndarray]:
    """Every HR image followed by its MATLAB-bicubic downscales by ``factors`` (FSRCNN sec. 4.1).

    ``hr_images`` are uint8 arrays or ``(name, image)`` pairs; the result is the plain
    arrays, originals first (factor 1.0 in ``factors`` is ignored: the originals are always
    kept). A factor outside (0, 1] is an error.
    """
    factors = [float(f) for f in factors]
    bad = [f for f in factors if not 0.0 < f <= 1.0]
    if bad:
        raise SRLibError(f"rescale factors {bad} are outside (0, 1] — give downscaling factors such as 0.9 0.8 0.7 0.6")
    originals = [_as_hr(item, k) for k, item in enumerate(hr_images)]
    copies = [imresize(image, f) for f in factors if f != 1.0 for image in originals]
    return originals + copies


def _check_options(
    scale: int, patch_size: int, batch_size: int, input_mode: str, channels: str
) -> tuple[int, int, int]:
    scale, patch_size, batch_size = int(scale), int(patch_size), int(batch_size)
    if scale < 1:
        raise SRLibError(f"scale={scale}: give a positive integer upscaling factor such as 2, 3 or 4")
    if patch_size < scale or patch_size % scale:
        raise SRLibError(
            f"patch_size={patch_size} is not a multiple of scale={scale} — use e.g. {max(1, patch_size // scale) * scale}"
        )
    if batch_size < 1:
        raise SRLibError(f"batch_size={batch_size}: give a positive number of patches per batch")
    if input_mode not in INPUT_MODES:
        raise SRLibError(f"input_mode={input_mode!r}: use 'lr' (FSRCNN/ESPCN/SRResNet) or 'bicubic' (SRCNN)")
    if channels not in CHANNELS:
        raise SRLibError(f"channels={channels!r}: use 'y' (luma, as the papers) or 'rgb'")
    return scale, patch_size, batch_size


def _as_hr(item, index: int) -> np.ndarray:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        item = item[1]  # (name, image) pairs from load_images
    image = np.asarray(item)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        raise SRLibError(
            f"hr_images[{index}]: expected a uint8 (H, W) or (H, W, 3) image as read_image gives, "
            f"got {image.dtype} {image.shape} — load images with srlib.data.load_images"
        )
    return image


def _rgb3(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image


def prepare_training_images(
    hr_images: Sequence, *, scale: int, patch_size: int, input_mode: str = "lr"
) -> TrainingImages:
    """Modcrop each HR image, make its MATLAB-bicubic LR (and bicubic upscale) once, and flatten them."""
    scale, patch_size, _ = _check_options(scale, patch_size, 1, input_mode, "y")
    lr_patch = patch_size // scale
    hr_parts, lr_parts, bicubic_parts = [], [], []
    hr_widths, lr_widths, grays, positions = [], [], [], []
    sizes: list[tuple[int, int]] = []
    skipped = 0
    for index, item in enumerate(hr_images):
        hr = modcrop(_as_hr(item, index), scale)
        height, width = hr.shape[:2]
        sizes.append((height, width))
        if min(height, width) < patch_size:
            skipped += 1
            continue
        lr = imresize(hr, 1.0 / scale)  # MATLAB bicubic on uint8, exact size (height/scale, width/scale)
        hr_parts.append(_rgb3(hr).reshape(-1, 3))
        hr_widths.append(width)
        if input_mode == "lr":
            lr_parts.append(_rgb3(lr).reshape(-1, 3))
            lr_widths.append(lr.shape[1])
        else:
            bicubic_parts.append(_rgb3(imresize(lr, float(scale))).reshape(-1, 3))
        grays.append(hr.ndim == 2)
        positions.append((lr.shape[0] - lr_patch + 1, lr.shape[1] - lr_patch + 1))
    if not sizes:
        raise SRLibError("hr_images is empty — give at least one HR image (e.g. srlib.data.load_images('photos'))")
    if not hr_parts:
        smallest = min(sizes, key=min)
        largest = max(sizes, key=min)
        raise SRLibError(
            f"all {len(sizes)} images are smaller than patch_size={patch_size} (smallest {smallest[0]}x{smallest[1]}, "
            f"largest {largest[0]}x{largest[1]} after modcrop to scale {scale}) — use a patch_size of at most "
            f"{min(largest) // scale * scale}, or larger images"
        )

    def offsets(parts: list[np.ndarray]) -> np.ndarray:
        return np.cumsum([0] + [len(p) for p in parts[:-1]]).astype(np.int64)

    return TrainingImages(
        scale=scale,
        patch_size=patch_size,
        input_mode=input_mode,
        hr_flat=np.concatenate(hr_parts),
        hr_offset=offsets(hr_parts),
        hr_width=np.asarray(hr_widths, np.int64),
        lr_flat=np.concatenate(lr_parts) if lr_parts else None,
        lr_offset=offsets(lr_parts) if lr_parts else None,
        lr_width=np.asarray(lr_widths, np.int64) if lr_parts else None,
        bicubic_flat=np.concatenate(bicubic_parts) if bicubic_parts else None,
        is_gray=np.asarray(grays, bool),
        positions=np.asarray(positions, np.int64),
        skipped=skipped,
    )


def _gather_patches(flat, offset, width, image, top, left, size: int, code=None):
    """``(B, size, size, C)`` patches at ``(top, left)`` of images ``image`` from one flat ``(pixels, C)`` buffer.

    With ``code`` each patch comes out flipped/rotated as :func:`_dihedral` would make it, at no
    extra cost: the transform is applied to the gather's indices, not to the pixels. Output pixel
    ``(i, j)`` reads source row ``r(i)`` and column ``c(j)`` (``r(j)``, ``c(i)`` when transposed), so
    the flat index is a sum of a term along ``i`` and one along ``j``, each only ``(B, size)``.

    The sampler calls it compiled with XLA (:data:`_compiled_gather`, the same pixels): TensorFlow's own
    gather kernel took 1.4 ms for the 139k pixels of an FSRCNN x3 batch, XLA's 0.6 ms, which took real
    data from 91 % to about 95 % of the synthetic step rate (``srlib bench --input-data``, docs/performance.md).
    """
    steps = tf.range(size, dtype=tf.int64)[None, :]
    code = tf.zeros_like(top, tf.int64) if code is None else tf.cast(code, tf.int64)
    code = code[:, None]
    source_rows = tf.where((code // 2) % 2 == 1, size - 1 - steps, steps)
    source_cols = tf.where(code % 2 == 1, size - 1 - steps, steps)
    row_term = tf.gather(offset, image)[:, None] + (top[:, None] + source_rows) * tf.gather(width, image)[:, None]
    col_term = left[:, None] + source_cols
    transposed = code // 4 == 1
    along_i = tf.where(transposed, col_term, row_term)
    along_j = tf.where(transposed, row_term, col_term)
    return tf.gather(flat, along_i[:, :, None] + along_j[:, None, :])


_compiled_gather = tf.function(_gather_patches, jit_compile=True)


def _to_channels(patches, image, channels: str, is_gray):
    """uint8 RGB patches as float32 in [0, 1]: RGB, or MATLAB's Y (a gray image keeps its one channel)."""
    values = tf.cast(patches, tf.float32)
    if channels == "rgb":
        return values / 255.0
    luma = tf.constant(RGB2YCBCR[0] / 255.0, tf.float32)
    y = tf.tensordot(values, luma, axes=1) + float(YCBCR_OFFSET[0])
    gray = tf.reshape(tf.gather(is_gray, image), (-1, 1, 1))
    return (tf.where(gray, values[..., 0], y) / 255.0)[..., None]


def _luma_flat(flat: np.ndarray, offsets: np.ndarray, is_gray: np.ndarray) -> np.ndarray:
    """MATLAB's Y on [0, 1] of every pixel of a flat ``(pixels, 3)`` uint8 buffer, ``(pixels,)`` float32 (one
    value per pixel: TensorFlow gathers scalars much faster than 1-element rows).

    The same values as :func:`_to_channels` with ``"y"`` (a gray image keeps its one channel).
    """
    gray = np.repeat(is_gray, np.diff(np.append(offsets, len(flat))))
    luma = flat.astype(np.float32) @ (RGB2YCBCR[0] / 255.0).astype(np.float32) + np.float32(YCBCR_OFFSET[0])
    return (np.where(gray, flat[:, 0].astype(np.float32), luma) / np.float32(255.0)).astype(np.float32)


def _dihedral(patches, code):
    """One of the 8 flips/90-degree rotations per patch: bit 0 flips columns, bit 1 rows, bit 2 transposes."""
    mask = tf.reshape(code, (-1, 1, 1, 1))
    patches = tf.where(mask % 2 == 1, tf.reverse(patches, axis=[2]), patches)
    patches = tf.where((mask // 2) % 2 == 1, tf.reverse(patches, axis=[1]), patches)
    return tf.where(mask // 4 == 1, tf.transpose(patches, (0, 2, 1, 3)), patches)


def _prepared(hr_images, scale: int, patch_size: int, input_mode: str) -> TrainingImages:
    if not isinstance(hr_images, TrainingImages):
        return prepare_training_images(hr_images, scale=scale, patch_size=patch_size, input_mode=input_mode)
    if (hr_images.scale, hr_images.patch_size, hr_images.input_mode) != (scale, patch_size, input_mode):
        raise SRLibError(
            f"prepared images are for scale={hr_images.scale}, patch_size={hr_images.patch_size}, "
            f"input_mode={hr_images.input_mode!r} — prepare them again with the options you pass here"
        )
    return hr_images


class _PatchSampler:
    """Batch ``step`` of aligned (input, target) patches, a pure function of ``(seed, step)``."""

    def __init__(
        self, prepared: TrainingImages, *, batch_size: int, channels: str, augment: bool, seed: int, degradation: str
    ):
        self.prepared, self.batch_size, self.channels, self.augment = prepared, batch_size, channels, augment
        self.seed, self.degradation = int(seed), degradation
        counts = np.prod(prepared.positions, axis=1)
        self.ends = tf.constant(np.cumsum(counts), tf.int64)
        self.starts = tf.constant(np.cumsum(counts) - counts, tf.int64)
        self.columns = tf.constant(prepared.positions[:, 1], tf.int64)
        self.total = int(counts.sum())
        lr_input = prepared.input_mode == "lr"
        # Variables hold the pixel buffers, so the map function captures a handle, not a copy in its graph
        # (a graph constant is limited to 2 GB); the CPU is where tf.data runs.
        # For Y-channel training the luma of every pixel is computed once here, not per batch.
        self.luma = channels == "y" and degradation != "real"
        in_flat = prepared.lr_flat if lr_input else prepared.bicubic_flat
        in_offsets = prepared.lr_offset if lr_input else prepared.hr_offset
        with tf.device("/CPU:0"):
            self.hr_flat = tf.Variable(self._pixels(prepared.hr_flat, prepared.hr_offset), trainable=False)
            self.in_flat = tf.Variable(self._pixels(in_flat, in_offsets), trainable=False)
        self.hr_offset = tf.constant(prepared.hr_offset)
        self.hr_width = tf.constant(prepared.hr_width)
        if lr_input:
            self.in_offset, self.in_width = tf.constant(prepared.lr_offset), tf.constant(prepared.lr_width)
        else:
            self.in_offset, self.in_width = self.hr_offset, self.hr_width
        self.is_gray = tf.constant(prepared.is_gray)

    def _pixels(self, flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        return _luma_flat(flat, offsets, self.prepared.is_gray) if self.luma else flat

    def _degraded(self, patches: np.ndarray, step: np.int64) -> np.ndarray:
        return _degrade_patches(patches, step, self.seed, self.prepared.scale)

    def __call__(self, step):
        prepared, scale, size = self.prepared, self.prepared.scale, self.prepared.patch_size
        keys = tf.random.experimental.stateless_split(tf.stack([tf.constant(self.seed, tf.int64), step]), num=2)
        where = tf.random.stateless_uniform(
            [self.batch_size], seed=keys[0], minval=0, maxval=self.total, dtype=tf.int64
        )
        image = tf.searchsorted(self.ends, where, side="right")
        local = where - tf.gather(self.starts, image)
        lr_top = local // tf.gather(self.columns, image)
        lr_left = local % tf.gather(self.columns, image)
        code = None
        if self.augment:
            code = tf.random.stateless_uniform([self.batch_size], seed=keys[1], minval=0, maxval=8, dtype=tf.int32)
        # The realistic chain degrades the patch as cut, then both are flipped/rotated; otherwise the gathers
        # cut them flipped/rotated directly (the same patches, without a pass over the pixels).
        folded = None if self.degradation == "real" else code
        target = _compiled_gather(
            self.hr_flat, self.hr_offset, self.hr_width, image, lr_top * scale, lr_left * scale, size, folded
        )
        if self.degradation == "real":
            source = tf.numpy_function(self._degraded, [target, step], tf.uint8, stateful=False)
            source = tf.ensure_shape(source, [self.batch_size, size // scale, size // scale, 3])
        elif prepared.input_mode == "lr":
            source = _compiled_gather(
                self.in_flat, self.in_offset, self.in_width, image, lr_top, lr_left, size // scale, folded
            )
        else:
            source = _compiled_gather(
                self.in_flat, self.in_offset, self.in_width, image, lr_top * scale, lr_left * scale, size, folded
            )
        if self.luma:
            source, target = source[..., None], target[..., None]
        else:
            source = _to_channels(source, image, self.channels, self.is_gray)
            target = _to_channels(target, image, self.channels, self.is_gray)
        if self.degradation == "real" and code is not None:
            source, target = _dihedral(source, code), _dihedral(target, code)
        return source, target


def _degrade_patches(patches: np.ndarray, step: np.int64, seed: int, scale: int) -> np.ndarray:
    """The real-degraded LR of each uint8 HR patch; patch ``i`` of batch ``step`` seeded by ``(seed, step, i)``."""
    return np.stack(
        [real_degradation(patch, scale, np.random.default_rng([seed, int(step), i])) for i, patch in enumerate(patches)]
    )


def training_dataset(
    hr_images: Sequence | TrainingImages,
    *,
    scale: int,
    patch_size: int,
    batch_size: int,
    input_mode: str = "lr",
    channels: str = "y",
    augment: bool = True,
    seed: int = 0,
    start_step: int = 0,
    degradation: str = "bicubic",
    replicas: int = 1,
    worker: int = 0,
) -> tf.data.Dataset:
    """An endless ``tf.data.Dataset`` of ``(input, target)`` float32 batches in [0, 1].

    ``target``: HR patches ``(B, P, P, C)``; ``input``: the aligned LR patches
    ``(B, P/scale, P/scale, C)`` (``input_mode="lr"``) or their bicubic upscale
    ``(B, P, P, C)`` (``"bicubic"``, SRCNN). ``C`` is 1 for ``channels="y"``, 3 for
    ``"rgb"``. ``hr_images`` are uint8 arrays or ``(name, image)`` pairs; images
    smaller than ``patch_size`` are skipped. Batch ``k`` depends only on
    ``(seed, k)``; the first batch yielded is batch ``start_step``. ``degradation="real"``
    makes the LR patches with the realistic chain instead of bicubic.

    Under a ``tf.distribute`` strategy (:mod:`srlib.train.distribute`) ``batch_size`` is one
    device's batch: a worker with ``replicas`` devices gets batches of ``batch_size x replicas``
    patches, and ``worker`` ``i`` its own stream, seeded by ``worker_seed(seed, i)``.
    """
    if int(replicas) < 1 or int(worker) < 0:
        raise SRLibError(f"replicas={replicas}, worker={worker}: give 1 or more replicas and a worker index from 0")
    batch_size, seed = int(batch_size) * int(replicas), worker_seed(seed, worker)
    scale, patch_size, batch_size = _check_options(scale, patch_size, batch_size, input_mode, channels)
    prepared = _prepared(hr_images, scale, patch_size, input_mode)
    if int(start_step) < 0:
        raise SRLibError(f"start_step={start_step}: give the number of batches already trained on (0 or more)")
    if check_degradation(degradation) == "real" and input_mode != "lr":
        raise SRLibError("degradation='real' makes LR patches: use it with input_mode='lr' (not SRCNN's 'bicubic')")
    sampler = _PatchSampler(
        prepared, batch_size=batch_size, channels=channels, augment=augment, seed=seed, degradation=degradation
    )
    steps = tf.data.Dataset.counter(start=int(start_step), dtype=tf.int64)
    return steady_input(steps.map(sampler, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True))
