"""Measure, on CPU with a tiny random-weight model, two transformers behaviours the estimator models by version.

1. How many tokens ``generate()``'s cache keeps in a sliding-window layer (Mistral-style ``sliding_window``):
   every token until the sliding-window cache layers (4.56), the window from then on.
2. Whether SDPA copies K/V expanded to every query head (``repeat_kv``) for a GQA model: all bytes allocated in
   one forward pass, from ``torch.profiler`` (profile_memory); between versions that do and do not repeat, the
   difference is 2 x tokens x heads x head_dim x 4 bytes per layer (fp32 here).

Run it in an environment with torch and one transformers version, e.g.

    python -m venv /tmp/tf && /tmp/tf/bin/pip install torch==2.13.0 transformers==4.55.4
    /tmp/tf/bin/python benchmarks/measure_transformers_cache.py

No weights are downloaded: the model is built from a config with random weights. The figures it printed for the
versions measured are recorded in benchmarks/transformers_cache_measurements.json.
"""

from __future__ import annotations

import json

import torch
import transformers
from transformers import MistralConfig, MistralForCausalLM

WINDOW = 16
PROMPT = 40
NEW = 24
HEADS, KV_HEADS, HEAD_DIM, LAYERS = 8, 2, 16, 2


def tiny_model(attn: str, window: int | None = WINDOW) -> MistralForCausalLM:
    torch.manual_seed(0)
    config = MistralConfig(vocab_size=128, hidden_size=HEADS * HEAD_DIM, intermediate_size=256,
                           num_hidden_layers=LAYERS, num_attention_heads=HEADS, num_key_value_heads=KV_HEADS,
                           max_position_embeddings=256, sliding_window=window, attn_implementation=attn)
    model = MistralForCausalLM(config).eval()
    return model


def cached_tokens(model) -> int:
    """Tokens the cache holds in layer 0 after generating NEW tokens from a PROMPT-token prompt."""
    ids = torch.randint(0, 128, (1, PROMPT))
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False,
                             return_dict_in_generate=True, pad_token_id=0)
    cache = out.past_key_values
    if hasattr(cache, "layers"):
        return int(cache.layers[0].keys.shape[-2])
    if hasattr(cache, "key_cache"):
        return int(cache.key_cache[0].shape[-2])
    return int(cache[0][0].shape[-2])


def allocated_bytes(model, tokens: int) -> int:
    """Bytes allocated by all operators in one forward over ``tokens`` positions (torch.profiler, CPU)."""
    ids = torch.randint(0, 128, (1, tokens))
    activities = [torch.profiler.ProfilerActivity.CPU]
    with torch.no_grad(), torch.profiler.profile(activities=activities, profile_memory=True) as prof:
        model(ids, use_cache=False)
    return sum(max(0, event.self_cpu_memory_usage) for event in prof.key_averages())


def main() -> None:
    result = {"transformers": transformers.__version__, "torch": torch.__version__, "window": WINDOW,
              "prompt": PROMPT, "new_tokens": NEW}
    for attn in ("sdpa", "eager"):
        model = tiny_model(attn)
        result[f"{attn}_cached_tokens_layer0"] = cached_tokens(model)
        result[f"{attn}_allocated_bytes_256_tokens"] = allocated_bytes(model, 256)
    # Without a sliding window no mask is passed, so from 4.54 SDPA may take the grouped heads directly.
    result["sdpa_no_window_allocated_bytes_256_tokens"] = allocated_bytes(tiny_model("sdpa", None), 256)
    # What one layer's expanded K and V take (fp32): the repeat_kv transient the estimator charges.
    result["expanded_kv_bytes_per_layer_256_tokens"] = 2 * 256 * HEADS * HEAD_DIM * 4
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
