#!/usr/bin/env python
"""Write the dataset manifests in srlib/data/manifests/ (maintainers rerun this).

This file is the one place where the registry's facts are typed in: sources,
citations, licence notes, expected names. Pixel checksums are *measured*: for
every dataset with a copy under ``--root`` (default ../shared/datasets beside
the checkout) each image is decoded with ``srlib.image.read_image`` and hashed
with ``srlib.data.pixel_checksum``. A dataset without a local copy keeps the
checksums already in its manifest, or has none ("not yet recorded") — never
invented ones.

    python datasets/make_manifests.py                 # rewrite the manifests
    python datasets/make_manifests.py --check         # exit 1 if they are out of date
    python datasets/make_manifests.py --root /data    # measure another copy
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANIFEST_DIR = REPO / "srlib" / "data" / "manifests"
DEFAULT_ROOT = REPO.parent / "shared" / "datasets"

HF = "https://huggingface.co/datasets/eugenesiow"
NO_LICENCE = (
    "No licence is stated by the authors; the images are passed around for research benchmarking. "
    "Use them for research and teaching, cite the paper, and do not redistribute copies."
)
MIRROR_NOTE = (
    "Community mirror (Hugging Face, eugenesiow) used by many SR codebases; not downloaded or checked by the "
    "maintainers (no internet where the manifests were made). The pixel checksums below decide whether its "
    "images are the ones the course measured."
)


def _div2k_spec(
    split: str, role: str, aliases: list[str], description: str, size: int, sha256: str, numbers: range
) -> dict:
    """One DIV2K split (HR only): the two splits differ in name, role, archive and image numbers."""
    return {
        "name": f"DIV2K-{split}",
        "aliases": aliases,
        "role": role,
        "description": description,
        "citation": (
            "E. Agustsson, R. Timofte. NTIRE 2017 Challenge on Single Image Super-Resolution: Dataset and Study. "
            "CVPR Workshops 2017."
        ),
        "homepage": "https://data.vision.ee.ethz.ch/cvl/DIV2K/",
        "licence": "Released by the NTIRE organisers for academic research; read the terms on the DIV2K page.",
        "sources": [
            {
                "url": f"https://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_{split}_HR.zip",
                "format": "zip",
                "folder": f"DIV2K_{split}_HR",
                "size": size,
                "sha256": sha256,
                "verified_here": False,
                "note": "Official ETH Zurich archive. Size and sha256 as published in tensorflow/datasets "
                "(url_checksums/div2k.txt); not downloaded by the maintainers.",
            },
        ],
        "names": [f"{i:04d}" for i in numbers],
        "notes": "Pixel checksums are not yet recorded; the archive sha256 is the integrity check.",
    }


# The facts, typed in once. "measure": folder name under --root whose images give names and checksums.
# The validation split: every 10th BSD200 image by sorted name (20 images), held out of training.
VALIDATION_SPLIT = {"name": "BSD200-val", "every": 10, "count": 20}

SPECS: list[dict] = [
    {
        "name": "Set5",
        "aliases": ["set-5"],
        "role": "evaluation",
        "description": "5 test images (baby, bird, butterfly, head, woman): the first benchmark in every SR table.",
        "citation": (
            "M. Bevilacqua, A. Roumy, C. Guillemot, M.-L. Alberi Morel. Low-Complexity Single-Image "
            "Super-Resolution based on Nonnegative Neighbor Embedding. BMVC 2012."
        ),
        "homepage": "http://people.rennes.inria.fr/Aline.Roumy/results/SR_BMVC12.html",
        "licence": NO_LICENCE,
        "sources": [
            {
                "url": f"{HF}/Set5/resolve/main/data/Set5_HR.tar.gz",
                "format": "tar.gz",
                "folder": "Set5_HR",
                "verified_here": False,
                "note": MIRROR_NOTE,
            },
        ],
        "measure": "Set5",
    },
    {
        "name": "Set14",
        "aliases": ["set-14"],
        "role": "evaluation",
        "description": "14 test images (baboon, barbara, ..., zebra); 'bridge' is grayscale and is evaluated on its one channel.",
        "citation": (
            "R. Zeyde, M. Elad, M. Protter. On Single Image Scale-Up Using Sparse-Representations. "
            "Curves and Surfaces 2010, LNCS 6920, 2012."
        ),
        "licence": NO_LICENCE + " Some images (lenna, barbara, ...) are classic test images of unclear origin.",
        "sources": [
            {
                "url": f"{HF}/Set14/resolve/main/data/Set14_HR.tar.gz",
                "format": "tar.gz",
                "folder": "Set14_HR",
                "verified_here": False,
                "note": MIRROR_NOTE,
            },
        ],
        "measure": "Set14",
    },
    {
        "name": "BSD100",
        "aliases": ["B100", "BSDS100", "bsd-100"],
        "role": "evaluation",
        "description": "The 100 test images of the Berkeley Segmentation Dataset (BSD300), 481x321 or 321x481 photographs.",
        "citation": (
            "D. Martin, C. Fowlkes, D. Tal, J. Malik. A Database of Human Segmented Natural Images and its "
            "Application to Evaluating Segmentation Algorithms and Measuring Ecological Statistics. ICCV 2001. "
            "(Used as an SR benchmark since R. Timofte et al., A+, ACCV 2014.)"
        ),
        "homepage": "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/bsds/",
        "licence": (
            "Berkeley's terms for the BSDS images: non-commercial research and educational use — "
            "read them on the BSDS page before any other use."
        ),
        "sources": [
            {
                "url": f"{HF}/BSD100/resolve/main/data/BSD100_HR.tar.gz",
                "format": "tar.gz",
                "folder": "BSD100_HR",
                "verified_here": False,
                "note": MIRROR_NOTE,
            },
        ],
        "count": 100,
        "notes": "No copy was available to the maintainers: image names and pixel checksums are not yet recorded, "
        "so a download is checked only for its count of 100 images.",
    },
    {
        "name": "Urban100",
        "aliases": ["urban-100"],
        "role": "evaluation",
        "description": "100 photographs of buildings with regular structures; hard for SR (self-similar edges).",
        "citation": (
            "J.-B. Huang, A. Singh, N. Ahuja. Single Image Super-resolution from Transformed Self-Exemplars. CVPR 2015."
        ),
        "homepage": "https://github.com/jbhuang0604/SelfExSR",
        "licence": (
            "Collected from Flickr by the authors, who list each image's source in their release "
            "(source_selected.xlsx); no single licence covers the set — research use."
        ),
        "sources": [
            {
                "url": f"{HF}/Urban100/resolve/main/data/Urban100_HR.tar.gz",
                "format": "tar.gz",
                "folder": "Urban100_HR",
                "md5": "65d9d84a34b72c6f7ca1e26a12df1e4c",
                "verified_here": False,
                "note": MIRROR_NOTE + " The archive md5 is the one the deepinv library publishes for this file.",
            },
        ],
        "names": [f"img_{i:03d}" for i in range(1, 101)],
        "notes": "No copy was available to the maintainers: names follow the mirror's documented layout "
        "(img_001 ... img_100); pixel checksums are not yet recorded.",
    },
    {
        "name": "T91",
        "aliases": ["91-image", "91images", "yang91"],
        "role": "training",
        "description": "91 small natural images of Yang et al.; the training set of SRCNN, FSRCNN and ESPCN.",
        "citation": (
            "J. Yang, J. Wright, T. Huang, Y. Ma. Image Super-Resolution via Sparse Representation. "
            "IEEE Transactions on Image Processing 19(11), 2010. (Training set of SRCNN: C. Dong et al., "
            "arXiv:1501.00092.)"
        ),
        "homepage": "http://mmlab.ie.cuhk.edu.hk/projects/SRCNN.html",
        "paper_url": "https://arxiv.org/abs/1501.00092",
        "licence": NO_LICENCE,
        "sources": [
            {
                "url": "http://mmlab.ie.cuhk.edu.hk/projects/SRCNN/SRCNN_train.zip",
                "format": "zip",
                "verified_here": False,
                "note": "The SRCNN authors' training package (BMP images beside MATLAB/Caffe code; the HR folder is "
                "found by its image names). Not downloaded or checked by the maintainers.",
            },
        ],
        "measure": "T91",
    },
    {
        "name": "General-100",
        "aliases": ["General100", "G100"],
        "role": "training",
        "description": "100 uncompressed images (mostly objects and scenes) added to T91 for training FSRCNN.",
        "citation": (
            "C. Dong, C. C. Loy, X. Tang. Accelerating the Super-Resolution Convolutional Neural Network. ECCV 2016."
        ),
        "homepage": "http://mmlab.ie.cuhk.edu.hk/projects/FSRCNN.html",
        "paper_url": "https://arxiv.org/abs/1608.00367",
        "licence": NO_LICENCE,
        "sources": [],
        "notes": "No stable direct archive URL is recorded: get General-100 from the FSRCNN project page and pass "
        "local=... (it is checked against the pixel checksums below).",
        "measure": "General-100",
    },
    {
        "name": "BSD200",
        "aliases": ["BSDS200", "bsd-200", "BSD300-train"],
        "role": "training",
        "description": (
            "The 200 training images of the Berkeley Segmentation Dataset (BSD300), 481x321 or 321x481; with T91 "
            "the '291' training set of VDSR and later papers. Disjoint from the BSD100 test split. "
            f"{VALIDATION_SPLIT['count']} of its images are held out as {VALIDATION_SPLIT['name']} and never trained on."
        ),
        "citation": (
            "D. Martin, C. Fowlkes, D. Tal, J. Malik. A Database of Human Segmented Natural Images and its "
            "Application to Evaluating Segmentation Algorithms and Measuring Ecological Statistics. ICCV 2001."
        ),
        "homepage": "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/bsds/",
        "licence": (
            "Berkeley's terms for the BSDS images: non-commercial research and educational use — "
            "read them on the BSDS page before any other use."
        ),
        "sources": [
            {
                "url": "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/bsds/BSDS300-images.tgz",
                "format": "tar.gz",
                "folder": "BSDS300/images/train",
                "verified_here": False,
                "note": "The Berkeley archive (JPEG; the maintainers' copy is a lossless PNG conversion, so the pixel "
                "checksums hold for a JPEG decoder that decodes the files as libjpeg does). Not downloaded or "
                "checked by the maintainers.",
            },
        ],
        "measure": "BSD200",
    },
    {
        "name": VALIDATION_SPLIT["name"],
        "aliases": ["validation", "val", "bsd200-validation"],
        "kind": "split",
        "split_of": "BSD200",
        "role": "validation",
        "description": (
            f"The course's validation split: {VALIDATION_SPLIT['count']} BSD200 images (every "
            f"{VALIDATION_SPLIT['every']}th by sorted name) kept out of all training. Checkpoints and models are "
            "chosen on it; Set5, Set14, BSD100 and Urban100 only report. No shipped model had been trained on "
            "BSD200 when the split was made, so none of them has seen these images."
        ),
        "citation": (
            "D. Martin, C. Fowlkes, D. Tal, J. Malik. A Database of Human Segmented Natural Images and its "
            "Application to Evaluating Segmentation Algorithms and Measuring Ecological Statistics. ICCV 2001."
        ),
        "homepage": "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/bsds/",
        "licence": "As BSD200 (a subset of it).",
        "sources": [],
        "notes": "Made from a copy of BSD200: download or place BSD200 and the split is read from it.",
        "measure": "BSD200",
        "every": VALIDATION_SPLIT["every"],
    },
    _div2k_spec(
        "train",
        "training",
        ["div2k", "div2k_train", "div2k-train-hr"],
        "800 2K-resolution training images of the NTIRE 2017 challenge (HR only).",
        3530603713,
        "9d0b9c463f6e35b6c62cc6a930ee2224f670b34c1df841a57670f9acf0f6c335",
        range(1, 801),
    ),
    _div2k_spec(
        "valid",
        "evaluation",
        ["div2k_valid", "div2k-val", "div2k-valid-hr"],
        "100 2K-resolution validation images of the NTIRE 2017 challenge (HR only).",
        448993893,
        "20dd31fd84d777bc1cf5d6b7654a3f569c0aec74458ae094122ad1d0489900fc",
        range(801, 901),
    ),
    {
        "name": "photos",
        "aliases": ["skimage", "demo"],
        "kind": "embedded",
        "role": "demo",
        "description": (
            "Six photographs shipped inside the scikit-image wheel (no download): the offline default of every "
            "chapter. Written once as PNG into $SRLIB_DATA/photos."
        ),
        "citation": "S. van der Walt et al. scikit-image: image processing in Python. PeerJ 2:e453, 2014.",
        "homepage": "https://scikit-image.org/docs/stable/api/skimage.data.html",
        "licence": "Public domain or CC0, per photograph (see 'credits').",
        "images": [
            {"name": "astronaut", "file": "astronaut.png"},
            {"name": "camera", "file": "camera.png"},
            {"name": "chelsea", "file": "chelsea.png"},
            {"name": "coffee", "file": "coffee.png"},
            {"name": "rocket", "file": "rocket.jpg"},
            {"name": "brick", "file": "brick.png"},
        ],
        "credits": {
            "astronaut": "Eileen Collins, NASA; public domain",
            "camera": "Lav Varshney; CC0",
            "chelsea": "Stefan van der Walt; CC0",
            "coffee": "Rachel Michetti (Pikolo Espresso Bar); CC0",
            "rocket": "SpaceX (DSCOVR launch on Falcon 9); public domain",
            "brick": "CC0Textures (Bricks25), reprojected and cropped by scikit-image; CC0",
        },
        "checksums_origin": "measured at run time from the installed scikit-image files",
    },
]


def _measure(folder: Path) -> list[dict]:
    from srlib.data.checksums import pixel_checksum
    from srlib.image.io import list_images, read_image

    records = []
    for path in list_images(folder):
        image = read_image(path)
        records.append(
            {"name": path.stem, "file": path.name, "shape": list(image.shape), "pixel_sha256": pixel_checksum(image)}
        )
    return records


def build_manifest(spec: dict, root: Path, previous: dict | None) -> tuple[dict, str]:
    """The manifest dict for one spec, and where its image records came from."""
    manifest = {k: v for k, v in spec.items() if k not in ("measure", "names", "every")}
    manifest.setdefault("kind", "archive")
    manifest["order"] = SPECS.index(spec)  # the registry lists datasets in this file's order
    folder = root / spec["measure"] if spec.get("measure") else None
    if folder is not None and folder.is_dir():
        manifest["images"] = _measure(folder)[:: spec["every"]] if "every" in spec else _measure(folder)
        manifest["checksums_origin"] = (
            "measured by datasets/make_manifests.py from the maintainers' copy (PNG, lossless conversions of "
            "the originals where those were BMP)"
        )
        origin = f"measured {len(manifest['images'])} images in {folder}"
    elif previous and previous.get("images") and spec.get("measure"):
        manifest["images"] = previous["images"]
        manifest["checksums_origin"] = previous.get("checksums_origin", "")
        origin = f"kept {len(manifest['images'])} recorded images ({folder} is absent)"
    elif "names" in spec:
        manifest["images"] = [{"name": n} for n in spec["names"]]
        manifest["checksums_origin"] = "not yet recorded (no copy available to the maintainers)"
        origin = "names only, pixel checksums not yet recorded"
    else:
        manifest.setdefault("images", [])
        manifest.setdefault("checksums_origin", "not yet recorded (no copy available to the maintainers)")
        origin = "no image records" if spec.get("kind") != "embedded" else "embedded: measured at run time"
    if manifest.get("kind") != "embedded":
        manifest["count"] = len(manifest["images"]) if manifest["images"] else spec.get("count")
    return manifest, origin


def manifest_text(manifest: dict) -> str:
    """JSON with one line per image record, so diffs of re-measured checksums stay readable."""
    head = {k: v for k, v in manifest.items() if k != "images"}
    text = json.dumps(head, indent=1, ensure_ascii=False)
    images = manifest.get("images", [])
    body = ",\n".join("  " + json.dumps(record, ensure_ascii=False) for record in images)
    return text[:-2] + ',\n "images": [' + (f"\n{body}\n ]" if images else "]") + "\n}\n"


def _manifest_path(out: Path, name: str) -> Path:
    return out / f"{name.lower()}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=DEFAULT_ROOT, help="folder holding Set5/, Set14/, T91/, General-100/"
    )
    parser.add_argument("--out", type=Path, default=MANIFEST_DIR, help="where the JSON manifests go")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a manifest would change")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for spec in SPECS:
        path = _manifest_path(args.out, spec["name"])
        previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        manifest, origin = build_manifest(spec, args.root, previous)
        text = manifest_text(manifest)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if args.check:
            if text != current:
                stale.append(path.name)
            print(f"{spec['name']:<12} {'up to date' if text == current else 'OUT OF DATE'} ({origin})")
        else:
            if text != current:
                path.write_text(text, encoding="utf-8")
            print(f"{spec['name']:<12} {path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {origin}")
    if stale:
        print(f"out of date: {', '.join(stale)} — rerun python datasets/make_manifests.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
