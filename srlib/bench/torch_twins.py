"""The four course models in PyTorch, layer for layer as srlib builds them, for the side-by-side benchmark.

Only :mod:`srlib.bench.versus` uses this module, in a process of its own, when the optional
``bench`` extra (PyTorch) is installed; the course never needs it. Each network has the
same layers, sizes and parameter count as :func:`srlib.models.zoo.build_model`'s, and
:func:`copy_keras_weights` makes it compute the same function (tested), so the two
frameworks time the same work:

- SRCNN 9-5-5 (Dong et al., TPAMI 2016, sec. 3.1), on bicubic-upscaled Y patches;
- FSRCNN (Dong et al., ECCV 2016, sec. 3.2) with PReLU and a 9x9 transposed convolution;
- ESPCN (Shi et al., CVPR 2016, sec. 2.2), tanh, then a sub-pixel convolution;
- SRResNet (Ledig et al., CVPR 2017, sec. 2.2), 16 residual blocks with batch norm.

Keras' ``depth_to_space`` and PyTorch's ``pixel_shuffle`` order the sub-pixel channels
differently (TF: ``(i * r + j) * C + c``, PyTorch: ``c * r * r + i * r + j``); the weight
copy permutes the convolution's output channels to match.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["TWIN_BUILDERS", "build_twin", "copy_keras_weights", "subpixel_permutation"]

BN_EPSILON = 1e-3  # Keras' default; PyTorch's is 1e-5
BN_MOMENTUM = 0.1  # srlib's momentum 0.9 in Keras' convention (moving = 0.9 * moving + 0.1 * batch)


def _conv(c_in: int, c_out: int, k: int, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=bias)


def srcnn() -> nn.Module:
    """SRCNN 9-5-5: 64 and 32 feature maps, ReLU, 'same' padding (as srlib's)."""
    return nn.Sequential(_conv(1, 64, 9), nn.ReLU(), _conv(64, 32, 5), nn.ReLU(), _conv(32, 1, 5))


def fsrcnn(scale: int = 3, d: int = 56, s: int = 12, m: int = 4) -> nn.Module:
    """FSRCNN(d, s, m): 5x5 feature extraction, 1x1 shrink, m 3x3 maps, 1x1 expand, 9x9 deconvolution."""
    layers: list[nn.Module] = [_conv(1, d, 5), nn.PReLU(d), _conv(d, s, 1), nn.PReLU(s)]
    for _ in range(m):
        layers += [_conv(s, s, 3), nn.PReLU(s)]
    layers += [_conv(s, d, 1), nn.PReLU(d)]
    # Keras' 'same' transposed convolution at stride r crops (9 - r) // 2 rows on each side.
    layers.append(nn.ConvTranspose2d(d, 1, 9, stride=scale, padding=(9 - scale) // 2, output_padding=(9 - scale) % 2))
    return nn.Sequential(*layers)


def espcn(scale: int = 3) -> nn.Module:
    """ESPCN: 5x5x64 and 3x3x32 tanh layers, a 3x3 convolution to r*r channels, then the pixel shuffle."""
    return nn.Sequential(
        _conv(1, 64, 5), nn.Tanh(), _conv(64, 32, 3), nn.Tanh(), _conv(32, scale * scale, 3), nn.PixelShuffle(scale)
    )


class _ResidualBlock(nn.Module):
    def __init__(self, filters: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv(filters, filters, 3, bias=False),
            nn.BatchNorm2d(filters, eps=BN_EPSILON, momentum=BN_MOMENTUM),
            nn.PReLU(filters),
            _conv(filters, filters, 3, bias=False),
            nn.BatchNorm2d(filters, eps=BN_EPSILON, momentum=BN_MOMENTUM),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class _SRResNet(nn.Module):
    def __init__(self, scale: int = 4, blocks: int = 16, filters: int = 64) -> None:
        super().__init__()
        self.head = nn.Sequential(_conv(3, filters, 9), nn.PReLU(filters))
        self.blocks = nn.Sequential(*[_ResidualBlock(filters) for _ in range(blocks)])
        self.body = nn.Sequential(
            _conv(filters, filters, 3, bias=False), nn.BatchNorm2d(filters, eps=BN_EPSILON, momentum=BN_MOMENTUM)
        )
        upsample: list[nn.Module] = []
        for _ in range(int(np.log2(scale))):
            upsample += [_conv(filters, 4 * filters, 3), nn.PixelShuffle(2), nn.PReLU(filters)]
        self.upsample = nn.Sequential(*upsample)
        self.tail = _conv(filters, 3, 9)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.head(x)
        return self.tail(self.upsample(features + self.body(self.blocks(features))))


def srresnet(scale: int = 4) -> nn.Module:
    """SRResNet: 9x9 head, 16 residual blocks (conv-BN-PReLU-conv-BN), a global skip, x2 sub-pixel stages, 9x9 tail."""
    return _SRResNet(scale)


TWIN_BUILDERS = {"srcnn": lambda scale: srcnn(), "fsrcnn": fsrcnn, "espcn": espcn, "srresnet": srresnet}


def build_twin(name: str, scale: int) -> nn.Module:
    """The PyTorch twin of ``build_model(name, scale)`` for one of :data:`TWIN_BUILDERS`."""
    if name not in TWIN_BUILDERS:
        raise ValueError(f"no PyTorch twin of {name!r}: use one of {', '.join(TWIN_BUILDERS)}")
    return TWIN_BUILDERS[name](int(scale))


def subpixel_permutation(channels: int, scale: int) -> np.ndarray:
    """Index array ``p`` with ``torch_channel[k] = keras_channel[p[k]]`` before a pixel shuffle by ``scale``."""
    r2 = scale * scale
    out_channels = channels // r2
    return np.array([(k % r2) * out_channels + k // r2 for k in range(channels)])


def _keras_weight_groups(model: Any) -> list[tuple[str, list[np.ndarray], int]]:
    """(kind, weights, pixel-shuffle scale of the next layer or 0) for each Keras layer that has weights."""
    groups, layers = [], list(model.layers)
    for index, layer in enumerate(layers):
        weights = layer.get_weights()
        if not weights:
            continue
        following = layers[index + 1] if index + 1 < len(layers) else None
        shuffle = int(getattr(following, "scale", 0)) if type(following).__name__ == "PixelShuffle" else 0
        groups.append((type(layer).__name__, weights, shuffle))
    return groups


def _torch_value(kind: str, weights: list[np.ndarray], shuffle: int) -> list[np.ndarray]:
    """One Keras layer's weights in the order and layout of the matching PyTorch module's tensors."""
    if kind == "Conv2D":
        kernel, *bias = weights
        values = [kernel.transpose(3, 2, 0, 1), *bias]  # (h, w, in, out) -> (out, in, h, w)
        if shuffle:
            order = subpixel_permutation(kernel.shape[-1], shuffle)
            values = [v[order] for v in values]
        return values
    if kind == "Conv2DTranspose":
        kernel, *bias = weights
        return [kernel.transpose(3, 2, 0, 1), *bias]  # (h, w, out, in) -> (in, out, h, w)
    if kind == "PReLU":
        return [weights[0].reshape(-1)]
    if kind == "BatchNormalization":  # gamma, beta, moving mean, moving variance
        return list(weights)
    raise ValueError(f"copy_keras_weights: no rule for a Keras {kind} layer")


def copy_keras_weights(keras_model: Any, twin: nn.Module) -> None:
    """Give ``twin`` the Keras model's weights (and batch-norm statistics), layer by layer in order."""
    values = [v for kind, w, shuffle in _keras_weight_groups(keras_model) for v in _torch_value(kind, w, shuffle)]
    tensors = []
    for module in twin.modules():
        if isinstance(module, nn.BatchNorm2d):
            tensors += [module.weight, module.bias, module.running_mean, module.running_var]
        elif isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            tensors += [module.weight] + ([module.bias] if module.bias is not None else [])
        elif isinstance(module, nn.PReLU):
            tensors.append(module.weight)
    if len(tensors) != len(values):
        raise ValueError(f"copy_keras_weights: {len(values)} Keras arrays for {len(tensors)} PyTorch tensors")
    with torch.no_grad():
        for tensor, value in zip(tensors, values):
            if tuple(tensor.shape) != value.shape:
                raise ValueError(f"copy_keras_weights: shape {value.shape} for a tensor of {tuple(tensor.shape)}")
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(value)))
