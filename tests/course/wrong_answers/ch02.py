"""Chapter 02's typical mistakes: FSRCNN's parameters (02.1), the transposed convolution by hand (02.2),
FSRCNN in plain Keras (02.3), which layers to train for another scale (02.4)."""

from __future__ import annotations

import keras
import numpy as np

from srlib.course.exercises.ch02 import build_fsrcnn, transposed_output_size


def _papers_count(d, s, m):
    return 25 * d + s * d + 9 * m * s * s + d * s + 81 * d


def _no_prelu(d, s, m):
    return _papers_count(d, s, m) + d + s + m * s + d + 1


def _placeholder_parameters(d, s, m):
    return 25 * d + s * d + 9 * m * s * s + d * s + 81 * d  # the chapter's placeholder


# --- 02.2 ---------------------------------------------------------------------------------------


def _stamp(x, kernel, stride, size=None, add=True, position=None):
    """A scatter-add with the knobs of the typical mistakes."""
    k = kernel.shape[0]
    rows, cols = size(x.shape[0], k, stride), size(x.shape[1], k, stride)
    out = np.zeros((rows, cols))
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            top, left = position(i, j, stride)
            if add:
                out[top : top + k, left : left + k] += x[i, j] * kernel
            else:
                out[top : top + k, left : left + k] = x[i, j] * kernel
    return out


def _right_size(n, k, stride):
    return n * stride + max(k - stride, 0)


def _strided(i, j, stride):
    return i * stride, j * stride


def _placeholder_transposed(x, kernel, stride):
    return np.kron(x, np.ones((stride, stride)))  # the chapter's placeholder: pixel repetition, no kernel


def _old_size_formula(x, kernel, stride):
    return _stamp(x, kernel, stride, lambda n, k, s: (n - 1) * s + k, position=_strided)


def _overwrites(x, kernel, stride):
    return _stamp(x, kernel, stride, _right_size, add=False, position=_strided)


def _flips(x, kernel, stride):
    return _stamp(x, kernel[::-1, ::-1], stride, _right_size, position=_strided)


def _transposes_the_kernel(x, kernel, stride):
    return _stamp(x, kernel.T, stride, _right_size, position=_strided)


def _ignores_stride(x, kernel, stride):
    return _stamp(x, kernel, stride, lambda n, k, s: n + k - 1, position=lambda i, j, s: (i, j))


def _gathers(x, kernel, stride):
    """An ordinary strided convolution (correlation) instead of the transposed one."""
    k = kernel.shape[0]
    rows, cols = ((n - k) // stride + 1 for n in x.shape)
    return np.array([[np.sum(x[i * stride : i * stride + k, j * stride : j * stride + k] * kernel) for j in range(max(
        cols, 0))] for i in range(max(rows, 0))]).reshape(max(rows, 0), max(cols, 0))  # fmt: skip


def _keras_itself(x, kernel, stride):
    """Keras' own layer: right by definition, so the checker's cases and the size rule agree with Keras."""
    layer = keras.layers.Conv2DTranspose(1, kernel.shape[0], strides=stride, padding="valid", use_bias=False)
    layer.build((1, *x.shape, 1))
    layer.set_weights([kernel[:, :, None, None].astype(np.float32)])
    out = keras.ops.convert_to_numpy(layer(x[None, :, :, None].astype(np.float32)))[0, :, :, 0]
    assert out.shape == tuple(transposed_output_size(n, kernel.shape[0], stride, "valid") for n in x.shape)
    return out


# --- 02.3 ---------------------------------------------------------------------------------------


def _layers(scale, d, s, m, *, prelu=True, shared=(1, 2), padding="same", deconv_padding="same", activation=None,
            final_prelu=False, mapping_kernel=3, name="deconvolution", strides=None):  # fmt: skip
    """What a learner writes, with the knobs of the typical mistakes."""

    def act(x):
        if not prelu:
            return keras.layers.ReLU()(x)
        return keras.layers.PReLU(shared_axes=list(shared) if shared else None)(x)

    lr = keras.Input((None, None, 1))
    x = act(keras.layers.Conv2D(d, 5, padding=padding, activation=activation)(lr))
    x = act(keras.layers.Conv2D(s, 1, activation=activation)(x))
    for _ in range(m):
        x = act(keras.layers.Conv2D(s, mapping_kernel, padding=padding, activation=activation)(x))
    x = act(keras.layers.Conv2D(d, 1, activation=activation)(x))
    x = keras.layers.Conv2DTranspose(1, 9, strides=strides or scale, padding=deconv_padding, name=name)(x)
    return keras.Model(lr, act(x) if final_prelu else x)


def _placeholder_build(scale, d=56, s=12, m=4):
    lr = keras.Input((None, None, 1))
    sr = keras.layers.Conv2DTranspose(1, 9, strides=scale, padding="same", name="deconvolution")(lr)
    return keras.Model(lr, sr)  # the chapter's placeholder: the deconvolution alone


def _relu_instead_of_prelu(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, prelu=False)


def _relu_and_prelu(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, activation="relu")


def _prelu_per_pixel(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, shared=None)


def _prelu_shared_over_rows_only(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, shared=(1,))


def _valid_convolutions(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, padding="valid")


def _valid_deconvolution(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, deconv_padding="valid")


def _prelu_after_deconvolution(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, final_prelu=True)


def _four_mapping_layers_always(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, 4)


def _stride_three_always(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, strides=3)


def _unnamed_deconvolution(scale, d=56, s=12, m=4):
    return _layers(scale, d, s, m, name="conv2d_transpose_out")


def _sequential(scale, d=56, s=12, m=4):
    """The same network as a Sequential model, with Keras' default initialisers: right as well."""
    prelu = lambda: keras.layers.PReLU(shared_axes=[1, 2])  # noqa: E731
    layers = [keras.Input((None, None, 1)), keras.layers.Conv2D(d, 5, padding="same"), prelu()]
    layers += [keras.layers.Conv2D(s, 1), prelu()]
    for _ in range(m):
        layers += [keras.layers.Conv2D(s, 3, padding="same"), prelu()]
    layers += [keras.layers.Conv2D(d, 1), prelu()]
    return keras.Sequential([*layers, keras.layers.Conv2DTranspose(1, 9, strides=scale, padding="same",
                                                                   name="deconvolution")])  # fmt: skip


# --- 02.4 ---------------------------------------------------------------------------------------


def _freeze_nothing(model):
    return model


def _freeze_everything(model):
    for layer in model.layers:
        layer.trainable = False


def _freeze_convs_only(model):
    for layer in model.layers:
        if not layer.name.endswith("_prelu") and layer.name != "deconvolution":
            layer.trainable = False


def _freeze_deconv_only(model):
    model.get_layer("deconvolution").trainable = False


def _freeze_the_model_then_unfreeze_one_layer(model):
    # Every per-layer flag ends as asked, but a frozen model trains nothing (Keras 3): trainable_weights == [].
    model.trainable = False
    model.get_layer("deconvolution").trainable = True
    return model


MISTAKES = [
    ("02.1", _placeholder_parameters, "paper's count"),
    ("02.1", _papers_count, "paper's count"),
    ("02.1", _no_prelu, "PReLU slopes"),
    ("02.2", _placeholder_transposed, "padding='same'"),
    ("02.2", _old_size_formula, "kernel is smaller than the stride"),
    ("02.2", _overwrites, "their sum"),
    ("02.2", _flips, "does not flip"),
    ("02.2", _transposes_the_kernel, "not kernel.T"),
    ("02.2", _ignores_stride, "stride pixels apart"),
    ("02.2", _gathers, "scatters"),
    ("02.3", _placeholder_build, "m + 3 = 7 convolutions"),
    ("02.3", _relu_instead_of_prelu, "not ReLU"),
    ("02.3", _relu_and_prelu, "convolutions are linear"),
    ("02.3", _prelu_per_pixel, "shared_axes=[1, 2]"),
    ("02.3", _prelu_shared_over_rows_only, "shared_axes=[1, 2]"),
    ("02.3", _valid_convolutions, 'padding="same"'),
    ("02.3", _valid_deconvolution, "strides=scale and padding='same'"),
    ("02.3", _prelu_after_deconvolution, "none after the deconvolution"),
    ("02.3", _four_mapping_layers_always, "1 mapping"),
    ("02.3", _stride_three_always, "strides=scale"),
    ("02.3", _unnamed_deconvolution, "name='deconvolution'"),
    ("02.4", _freeze_nothing, "still trainable"),
    ("02.4", _freeze_everything, "keep it trainable"),
    ("02.4", _freeze_convs_only, "PReLU slopes"),
    ("02.4", _freeze_deconv_only, "other way round"),
    ("02.4", _freeze_the_model_then_unfreeze_one_layer, "a frozen model stays frozen"),
]

ALSO_CORRECT = [
    ("02.2", _keras_itself),
    ("02.3", build_fsrcnn),
    ("02.3", _sequential),
]
