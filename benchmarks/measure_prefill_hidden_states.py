"""Measure, on CPU with a tiny random-weight Qwen2, how many whole hidden states transformers holds at the prefill peak.

The estimator's prefill layer peak (generator/calc/transformers_engine.py held_hidden_states) is: the KV cache of the
prompt, the MLP's 3 intermediates (tokens x intermediate_size each) and the whole hidden states (tokens x hidden_size)
that Python references keep alive: inputs_embeds, the layer's input, residual and the normed copy. This script takes
the peak of live tensor bytes during one prefill forward (torch.profiler's memory timeline: every tensor created and
destroyed, the weights excluded) and prints

    (peak - KV cache - 3 x tokens x intermediate) / (tokens x hidden x bytes)

which is the number of hidden states (plus 2 x head_dim / hidden of rotary cos/sin and 8 bytes a token of int64
positions). Run it with one transformers version installed, e.g.

    python -m venv /tmp/tf && /tmp/tf/bin/pip install torch==2.13.0 transformers==4.46.0
    /tmp/tf/bin/python benchmarks/measure_prefill_hidden_states.py

No weights are downloaded (the model is built from a config). The figures printed for the versions measured are
recorded in benchmarks/prefill_hidden_states_measurements.json.
"""

from __future__ import annotations

import json

import torch
import transformers
from torch.profiler._memory_profiler import Action
from transformers import Qwen2Config, Qwen2ForCausalLM

HIDDEN, INTERMEDIATE, HEADS, KV_HEADS, HEAD_DIM, VOCAB = 256, 3072, 16, 2, 16, 256
TOKENS = (512, 1024)
BYTES = 4  # float32 on CPU


def tiny_model(layers: int) -> Qwen2ForCausalLM:
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE,
                         num_hidden_layers=layers, num_attention_heads=HEADS, num_key_value_heads=KV_HEADS,
                         max_position_embeddings=4096, tie_word_embeddings=True, attn_implementation="sdpa")
    return Qwen2ForCausalLM(config).eval()


def last_position_only() -> dict:
    """generate()'s argument that keeps the logits of the last position only (the prefill peak is then a layer's)."""
    version = tuple(int(p) for p in transformers.__version__.split(".")[:2])
    if version >= (4, 50):
        return {"logits_to_keep": 1}
    if version >= (4, 45):
        return {"num_logits_to_keep": 1}
    return {}


def prefill_peak_bytes(model, tokens: int) -> int:
    ids = torch.randint(0, VOCAB, (1, tokens))
    activities = [torch.profiler.ProfilerActivity.CPU]
    with torch.no_grad(), torch.profiler.profile(activities=activities, profile_memory=True, record_shapes=True,
                                                 with_stack=True) as prof:
        model(ids, use_cache=True, **last_position_only())
    live = peak = 0
    for _, action, _, size in sorted(prof._memory_profile().timeline, key=lambda item: item[0]):
        if action == Action.CREATE:
            live += size
        elif action == Action.DESTROY:
            live -= size
        peak = max(peak, live)
    return peak


def main() -> None:
    runs = []
    for layers in (1, 3):
        model = tiny_model(layers)
        for tokens in TOKENS:
            peak = prefill_peak_bytes(model, tokens)
            kv = layers * 2 * tokens * KV_HEADS * HEAD_DIM * BYTES
            mlp = 3 * tokens * INTERMEDIATE * BYTES
            hidden = tokens * HIDDEN * BYTES
            runs.append({"layers": layers, "tokens": tokens, "peak_bytes": peak, "kv_cache_bytes": kv,
                         "mlp_intermediates_bytes": mlp, "hidden_state_bytes": hidden,
                         "hidden_states_at_peak": (peak - kv - mlp) / hidden})
    print(json.dumps({"transformers": transformers.__version__, "torch": torch.__version__,
                      "hidden": HIDDEN, "intermediate": INTERMEDIATE, "heads": HEADS, "kv_heads": KV_HEADS,
                      "head_dim": HEAD_DIM, "runs": runs}, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
