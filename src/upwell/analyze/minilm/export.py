"""Export all-MiniLM-L6-v2 to ONNX from its safetensors weights, without PyTorch.

Reads the packaged model folder (``model.safetensors``, ``config.json``, ``tokenizer.json``, the
``1_Pooling`` config); writes one ONNX file whose graph is the sentence-transformers pipeline:
BERT embeddings (word + position + token type 0, layer norm), the encoder layers (12-head
self-attention, exact erf GELU, post-layer norms), mean pooling over the attention mask and L2
normalization. Inputs ``input_ids`` and ``attention_mask`` (int64, batch x tokens); output
``embedding`` (float32, batch x 384). The graph is written node by node with ``onnx.helper``;
how it was checked against the PyTorch reference is in docs/analyzers/minilm.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: ONNX opset of the graph (17: LayerNormalization; every runtime since onnxruntime 1.14).
OPSET = 17
#: Added to the attention scores of padding tokens: their softmax weight is exactly 0.
_MASKED = -1.0e9


@dataclass
class _Builder:
    """Nodes and initializers of the graph being written, with fresh names for outputs."""

    nodes: list[Any] = field(default_factory=list)
    initializers: list[Any] = field(default_factory=list)
    count: int = 0

    def const(self, name: str, value: Any) -> str:
        import numpy as np  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting
        from onnx import numpy_helper  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        from onnx import helper  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting

        self.count += 1
        out = f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out


def _config(source: Path) -> dict[str, Any]:
    config: dict[str, Any] = json.loads((source / "config.json").read_text(encoding="utf-8"))
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        raise ValueError("the model folder does not hold a BERT encoder with GELU")
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError("the model folder's pooling is not mean pooling")
    return config


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(source: Path) -> Any:
    """The ONNX model (an ``onnx.ModelProto``) of the sentence encoder in folder ``source``."""
    import numpy as np  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting
    import onnx  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting
    from onnx import TensorProto, helper  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting
    from safetensors.numpy import load_file  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting

    config = _config(source)
    w = load_file(str(source / "model.safetensors"))
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    eps = float(config["layer_norm_eps"])
    g = _Builder()
    f32 = np.float32

    def linear(x: str, prefix: str, scale: float = 1.0) -> str:
        weight = g.const(f"{prefix}.weight_t", (w[f"{prefix}.weight"].T * scale).astype(f32))
        bias = g.const(f"{prefix}.bias", (w[f"{prefix}.bias"] * scale).astype(f32))
        return g.op("Add", g.op("MatMul", x, weight), bias)

    def norm(x: str, prefix: str) -> str:
        return g.op("LayerNormalization", x, g.const(f"{prefix}.weight", w[f"{prefix}.weight"]),
                    g.const(f"{prefix}.bias", w[f"{prefix}.bias"]), axis=-1, epsilon=eps)

    # Small constants shared by every layer.
    split = g.const("shape.split_heads", np.array([0, 0, heads, hidden // heads], np.int64))
    merge = g.const("shape.merge_heads", np.array([0, 0, hidden], np.int64))
    one, half = g.const("one", np.array(1.0, f32)), g.const("half", np.array(0.5, f32))
    inv_sqrt2 = g.const("inv_sqrt2", np.array(1.0 / math.sqrt(2.0), f32))

    # Embeddings: word + position (0 .. n-1) + token type 0, then layer norm.
    words = g.op("Gather", g.const("embeddings.word", w["embeddings.word_embeddings.weight"]),
                 "input_ids")
    length = g.op("Shape", "input_ids", start=1, end=2)
    positions = g.op("Slice", g.const("embeddings.position",
                                      w["embeddings.position_embeddings.weight"]),
                     g.const("zero_1d", np.array([0], np.int64)), length,
                     g.const("axis_0", np.array([0], np.int64)))
    token_type = g.const("embeddings.token_type_0", w["embeddings.token_type_embeddings.weight"][0])
    x = norm(g.op("Add", g.op("Add", words, positions), token_type), "embeddings.LayerNorm")

    # The attention mask as a float, and as an additive bias on the scores (batch, 1, 1, n).
    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    bias = g.op("Mul", g.op("Sub", one, mask), g.const("masked", np.array(_MASKED, f32)))
    bias = g.op("Unsqueeze", bias, g.const("axes_1_2", np.array([1, 2], np.int64)))

    scale = 1.0 / math.sqrt(hidden // heads)
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}"
        q = g.op("Transpose", g.op("Reshape", linear(x, f"{p}.attention.self.query", scale),
                                   split), perm=[0, 2, 1, 3])
        k = g.op("Transpose", g.op("Reshape", linear(x, f"{p}.attention.self.key"), split),
                 perm=[0, 2, 3, 1])
        v = g.op("Transpose", g.op("Reshape", linear(x, f"{p}.attention.self.value"), split),
                 perm=[0, 2, 1, 3])
        probs = g.op("Softmax", g.op("Add", g.op("MatMul", q, k), bias), axis=-1)
        context = g.op("Reshape", g.op("Transpose", g.op("MatMul", probs, v),
                                       perm=[0, 2, 1, 3]), merge)
        x = norm(g.op("Add", linear(context, f"{p}.attention.output.dense"), x),
                 f"{p}.attention.output.LayerNorm")
        h = linear(x, f"{p}.intermediate.dense")
        gelu = g.op("Mul", g.op("Mul", h, half),
                    g.op("Add", one, g.op("Erf", g.op("Mul", h, inv_sqrt2))))
        x = norm(g.op("Add", linear(gelu, f"{p}.output.dense"), x), f"{p}.output.LayerNorm")

    # Mean over the real tokens, then unit length (as sentence-transformers' Normalize).
    axis_1 = g.const("axis_1", np.array([1], np.int64))
    weights = g.op("Unsqueeze", mask, g.const("axis_2", np.array([2], np.int64)))
    summed = g.op("ReduceSum", g.op("Mul", x, weights), axis_1, keepdims=0)
    counts = g.op("Max", g.op("ReduceSum", weights, axis_1, keepdims=0),
                  g.const("min_count", np.array(1e-9, f32)))
    mean = g.op("Div", summed, counts)
    length_2 = g.op("ReduceSum", g.op("Mul", mean, mean), axis_1, keepdims=1)
    l2 = g.op("Max", g.op("Sqrt", length_2), g.const("min_norm", np.array(1e-12, f32)))
    g.nodes.append(helper.make_node("Div", [mean, l2], ["embedding"]))

    graph = helper.make_graph(
        g.nodes, "all_minilm_l6_v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                       ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="upwell", doc_string="all-MiniLM-L6-v2 sentence "
                              "embeddings: mean pooled, L2 normalized")
    model.ir_version = 8  # what onnxruntime >= 1.14 reads; opset 17 needs at least 8
    onnx.checker.check_model(model)
    return model


def export(source: Path, target: Path) -> Path:
    """Write the ONNX graph of the encoder in ``source`` to ``target`` (written beside, then
    renamed into place); returns ``target``."""
    import onnx  # noqa: PLC0415 - optional minilm extra (onnx, safetensors, numpy), loaded only when exporting

    model = build(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    onnx.save_model(model, str(partial))
    partial.replace(target)
    return target
