"""Fit srlib's own NIQE pristine model and write srlib/metrics/niqe_pristine.npz.

The authors' model (``modelparameters.mat``) may not be redistributed, so srlib
ships one fitted here with their procedure (``estimatemodelparam.m``, Mittal et
al. 2013 sec. III): every image is turned into luma as ``srlib.metrics.niqe``
does at test time, cut into 96x96 blocks without overlap, and only the blocks
whose mean local sigma exceeds 0.75 of that image's sharpest block are kept; the
36 features of all kept blocks give the mean and covariance (``nanmean``,
``nancov``).

Training images: the sharp natural photographs available without a download,
the T91 and General-100 SR training sets (from ../shared/datasets) and the
natural photos bundled with scikit-image. Deterministic: rerunning on the same
files gives the same file. Run from the repository root:

    .venv/bin/python scripts/fit_niqe_pristine.py [--datasets ../shared/datasets] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from srlib.image.io import list_images, read_image
from srlib.metrics.niqe import DEFAULT_PRISTINE, SHARPNESS_THRESHOLD, fit_pristine, niqe_features, niqe_luma

REPO = Path(__file__).resolve().parents[1]
DATASETS = ("T91", "General-100")
# scikit-image's bundled natural photographs; synthetic, microscopy, astronomy,
# text and the motion-blurred clock are left out as not "pristine natural scenes".
SKIMAGE_PHOTOS = ("astronaut", "brick", "camera", "chelsea", "coffee", "coins", "grass", "gravel", "moon", "rocket")
BLOCK_SIZE = 96


def skimage_photos() -> list[tuple[str, np.ndarray]]:
    """The bundled photos as (name, uint8 image); the left view of the stereo pair as well."""
    from skimage import data

    photos = [(f"skimage.data.{name}", getattr(data, name)()) for name in SKIMAGE_PHOTOS]
    photos.append(("skimage.data.stereo_motorcycle[0]", data.stereo_motorcycle()[0]))
    return photos


def dataset_photos(datasets: Path) -> list[tuple[str, np.ndarray]]:
    photos = []
    for name in DATASETS:
        for path in list_images(datasets / name):
            photos.append((f"{name}/{path.name}", read_image(path)))
    return photos


def sharp_block_features(image: np.ndarray) -> np.ndarray:
    """Features of the blocks ``estimatemodelparam.m`` keeps: sharpness > 0.75 * the image's max."""
    y = niqe_luma(image)
    features, sharpness = niqe_features(y, BLOCK_SIZE)
    return features[sharpness > SHARPNESS_THRESHOLD * sharpness.max()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets",
        type=Path,
        default=REPO.parent / "shared" / "datasets",
        help="folder holding T91/ and General-100/ (default ../shared/datasets)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_PRISTINE, help="output .npz")
    args = parser.parse_args(argv)

    photos = dataset_photos(args.datasets) + skimage_photos()
    digest = hashlib.sha256()
    kept, used, skipped = [], 0, []
    for name, image in photos:
        digest.update(name.encode() + np.ascontiguousarray(image).tobytes())
        if image.shape[0] < BLOCK_SIZE or image.shape[1] < BLOCK_SIZE:
            skipped.append(name)  # holds no whole block, as blkproc would give nothing
            continue
        kept.append(sharp_block_features(image))
        used += 1
    features = np.concatenate(kept, axis=0)
    mu, cov = fit_pristine(features)

    provenance = (
        "srlib NIQE pristine model, fitted by scripts/fit_niqe_pristine.py with the procedure of "
        f"estimatemodelparam.m (Mittal et al. 2013): block {BLOCK_SIZE}x{BLOCK_SIZE}, no overlap, "
        f"sharpness threshold {SHARPNESS_THRESHOLD} of each image's max, luma = srlib.metrics.niqe.niqe_luma "
        "(MATLAB rgb2ycbcr Y, rounded for uint8). "
        f"Images: {used} used ({', '.join(DATASETS)} from ../shared/datasets; scikit-image "
        f"{', '.join(SKIMAGE_PHOTOS)}, stereo_motorcycle left), skipped (smaller than a block): "
        f"{', '.join(skipped) or 'none'}. Blocks kept: {features.shape[0]}. "
        f"sha256 of names+pixels: {digest.hexdigest()}."
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, mu_pris_param=mu[None, :], cov_pris_param=cov, provenance=np.array(provenance))
    print(provenance)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
