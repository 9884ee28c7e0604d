"""Measure, on CPU, what transformers' cache holds per layer for the published hybrid configs of
tests/data/family_configs.yaml, at their own sizes.

A layer's cache depends only on its attention (KV heads, head size) and mixer (conv channels, kernel, state) sizes,
never on the vocabulary, the MLP or the experts, nor on how many layers there are. So each published config is built
with its attention and mixer sizes as published but with one period of its layer pattern (Jamba: 8 layers, one
attention; Granite 4: the first attention layer and the Mamba layers before it; ...), a 256-token vocabulary and a
small MLP, in bf16 with random weights, and generate() runs on a batch. For every layer of the returned cache the
bytes of each tensor are recorded by layer kind (attention: keys + values; state: conv_states + recurrent_states;
Falcon-H1: both in one layer), divided by the batch and the cached tokens where they grow with them.
tests/test_families.py multiplies these per-layer figures by the published layer counts and compares the total with
the estimator's transformers engine for the full model (within 1%). No weights are downloaded.

    /tmp/tf/bin/python benchmarks/measure_published_cache.py   # torch + transformers, e.g. 5.24.0
"""

from __future__ import annotations

import json
import os
import sys

import torch
import transformers
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "benchmarks", "published_cache_measurements.json")
BATCH, PROMPT, NEW = 3, 12, 3

# name in family_configs.yaml: the config changes that keep every layer's cache sizes (one pattern period, a small
# vocabulary, MLP and expert count).
SHRINK = {
    "AI21-Jamba-1.5-Mini": {"num_hidden_layers": 8, "vocab_size": 256, "intermediate_size": 64, "num_experts": 2,
                            "num_experts_per_tok": 1},
    "Falcon-H1-0.5B": {"num_hidden_layers": 2, "vocab_size": 256, "intermediate_size": 64},
    "granite-4.0-h-tiny": {"num_hidden_layers": 6, "layer_types": ["mamba"] * 5 + ["attention"], "vocab_size": 256,
                           "intermediate_size": 32, "shared_intermediate_size": 64, "num_local_experts": 2,
                           "num_experts_per_tok": 1},
    "Nemotron-H-8B-Base-8K": {"num_hidden_layers": 2, "hybrid_override_pattern": "M*", "vocab_size": 256,
                              "intermediate_size": 64},
    # Attention-only families, for their K/V as transformers holds it: MLA with the indexer's keys (GLM-5.1), one
    # period of EXAONE 4's three sliding and one global layer, Mistral 3's text model. Gemma 4 keeps all its layers
    # (KV-sharing layers cache nothing, global layers have their own head size): only its vocabularies shrink.
    "GLM-5.1": {"num_hidden_layers": 1, "first_k_dense_replace": 1, "vocab_size": 256, "intermediate_size": 64,
                "n_routed_experts": 2, "num_experts_per_tok": 1, "mlp_layer_types": ["dense"],
                "indexer_types": ["full"]},
    "EXAONE-4.0-32B": {"num_hidden_layers": 4, "vocab_size": 256, "intermediate_size": 64},
    "Mistral-Small-3.1-24B-Instruct-2503": {"text_config": {"num_hidden_layers": 1, "vocab_size": 256,
                                                            "intermediate_size": 64},
                                            "vision_config": {"num_hidden_layers": 1, "hidden_size": 64,
                                                              "intermediate_size": 64, "num_attention_heads": 2,
                                                              "head_dim": 32}},
    "gemma-4-E2B-it-text": {"text_config": {"vocab_size": 256, "vocab_size_per_layer_input": 256,
                                            "intermediate_size": 64}},
    "Qwen3.5-4B-text": {"text_config": {"num_hidden_layers": 4, "vocab_size": 256, "intermediate_size": 64,
                                        "layer_types": ["linear_attention"] * 3 + ["full_attention"]},
                        "vision_config": {"depth": 1, "hidden_size": 64, "intermediate_size": 64, "num_heads": 2,
                                          "out_hidden_size": 2560}},
}


def _merged(config: dict, change: dict) -> dict:
    out = dict(config)
    for key, value in change.items():
        out[key] = dict(out.get(key) or {}, **value) if isinstance(value, dict) else value
    return out


def per_layer(cache, tokens: int) -> dict:
    """{kind: [per-layer bytes per sequence (state) or per sequence and token (kv)]} of the returned cache."""
    out = {"kv_per_token": [], "state": []}
    for layer in cache.layers:
        kv = sum(t.numel() * t.element_size() for t in (getattr(layer, "keys", None), getattr(layer, "values", None),
                                                          getattr(layer, "indexer_keys", None))
                 if isinstance(t, torch.Tensor) and t.numel())
        state = 0
        dtypes = []
        for name in ("conv_states", "recurrent_states"):
            for t in (getattr(layer, name, None) or {}).values():
                if isinstance(t, torch.Tensor):
                    state += t.numel() * t.element_size()
                    dtypes.append(f"{name}:{t.dtype}")
        if kv:
            out["kv_per_token"].append(kv / BATCH / tokens)
        if state:
            out["state"].append(state / BATCH)
            out.setdefault("state_dtypes", sorted(set(dtypes)))
    return out


def main(names) -> int:
    with open(os.path.join(ROOT, "tests", "data", "family_configs.yaml"), encoding="utf-8") as handle:
        configs = yaml.safe_load(handle)["configs"]
    results = {"transformers_version": transformers.__version__, "torch_version": torch.__version__,
               "batch": BATCH, "prompt": PROMPT, "new": NEW, "dtype": "bfloat16", "models": {}}
    if os.path.exists(OUT):
        with open(OUT, encoding="utf-8") as handle:
            results["models"] = json.load(handle).get("models", {})
    for name in names or SHRINK:
        config = _merged(configs[name]["config"], SHRINK[name])
        fields = {k: v for k, v in config.items() if k not in ("architectures", "model_type")}
        torch.manual_seed(0)
        hf = transformers.AutoConfig.for_model(config["model_type"], **fields)
        model = getattr(transformers, config["architectures"][0])(hf).to(torch.bfloat16).eval()
        ids = torch.randint(0, 256, (BATCH, PROMPT))
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False,
                                 return_dict_in_generate=True, pad_token_id=0)
        tokens = PROMPT + NEW - 1  # generate() caches every token but the last one it produced
        measured = per_layer(out.past_key_values, tokens)
        kept = name == "gemma-4-E2B-it-text"  # every layer built: the per-layer figures add up to the model's
        results["models"][name] = {"shrink": SHRINK[name], "cached_tokens": tokens, "all_layers": kept, **measured}
        print(name, measured, flush=True)
        del model, out
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
        handle.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
