"""Measure, on CPU with tiny random-weight models, what transformers' cache holds for hybrid-state models.

For each family (Qwen3-Next: Gated DeltaNet, Nemotron-H, Granite 4 and Falcon-H1: Mamba2, Jamba: Mamba), build a small model in bf16, run
generate() for a batch of sequences and sum the bytes of every tensor the returned cache keeps: keys and values of
the attention layers, conv_states and recurrent_states of the state layers (their dtypes are printed too). The
estimator's transformers engine must give the same bytes (tests/test_families.py reads the recorded figures in
benchmarks/hybrid_state_measurements.json). No weights are downloaded.

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install torch==2.13.0 transformers==5.24.0 pyyaml
    /tmp/tf/bin/python benchmarks/measure_hybrid_state.py
"""

from __future__ import annotations

import json
import os

import torch
import transformers

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hybrid_state_measurements.json")
BATCH, PROMPT, NEW = 6, 20, 4

CONFIGS = {
    "qwen3_next": {"architectures": ["Qwen3NextForCausalLM"], "model_type": "qwen3_next", "vocab_size": 128,
                   "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 4, "num_attention_heads": 4,
                   "num_key_value_heads": 2, "head_dim": 16, "full_attention_interval": 2,
                   "linear_conv_kernel_dim": 4, "linear_key_head_dim": 16, "linear_num_key_heads": 2,
                   "linear_num_value_heads": 4, "linear_value_head_dim": 8, "num_experts": 4,
                   "num_experts_per_tok": 2, "moe_intermediate_size": 32, "shared_expert_intermediate_size": 32,
                   "decoder_sparse_step": 1, "max_position_embeddings": 256, "tie_word_embeddings": False},
    "nemotron_h": {"architectures": ["NemotronHForCausalLM"], "model_type": "nemotron_h", "vocab_size": 128,
                   "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 4,
                   "hybrid_override_pattern": "M*M-", "num_attention_heads": 4, "num_key_value_heads": 2,
                   "head_dim": 16, "mamba_num_heads": 8, "mamba_head_dim": 8, "ssm_state_size": 16, "n_groups": 2,
                   "conv_kernel": 4, "chunk_size": 16, "max_position_embeddings": 256, "tie_word_embeddings": False},
    "granitemoehybrid": {"architectures": ["GraniteMoeHybridForCausalLM"], "model_type": "granitemoehybrid",
                         "vocab_size": 128, "hidden_size": 64, "intermediate_size": 32, "shared_intermediate_size": 64,
                         "num_hidden_layers": 4, "layer_types": ["mamba", "attention", "mamba", "mamba"],
                         "num_attention_heads": 4, "num_key_value_heads": 2, "num_local_experts": 4,
                         "num_experts_per_tok": 2, "mamba_n_heads": 8, "mamba_d_state": 16, "mamba_n_groups": 1,
                         "mamba_d_conv": 4, "mamba_expand": 2, "mamba_chunk_size": 16,
                         "max_position_embeddings": 256, "tie_word_embeddings": False},
    # Not hybrid, but its layers differ: sliding layers (window 8, shorter than the prompt) and global ones with their
    # own head size and KV heads (attention_k_eq_v), and KV-sharing layers that cache nothing.
    "gemma4": {"architectures": ["Gemma4ForConditionalGeneration"], "model_type": "gemma4",
               "text_config": {"vocab_size": 128, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 6,
                               "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
                               "global_head_dim": 32, "num_global_key_value_heads": 1, "attention_k_eq_v": True,
                               "layer_types": ["sliding_attention", "sliding_attention", "full_attention",
                                               "sliding_attention", "sliding_attention", "full_attention"],
                               "sliding_window": 8, "num_kv_shared_layers": 2, "hidden_size_per_layer_input": 8,
                               "vocab_size_per_layer_input": 128, "max_position_embeddings": 256}},
    # MLA with full K/V per head in transformers' cache, and the indexer keys of the layers that run an indexer.
    "glm_moe_dsa": {"architectures": ["GlmMoeDsaForCausalLM"], "model_type": "glm_moe_dsa", "vocab_size": 128,
                    "hidden_size": 64, "intermediate_size": 96, "moe_intermediate_size": 32, "num_hidden_layers": 4,
                    "num_attention_heads": 4, "num_key_value_heads": 4, "q_lora_rank": 32, "kv_lora_rank": 16,
                    "qk_nope_head_dim": 16, "qk_rope_head_dim": 8, "v_head_dim": 16, "n_routed_experts": 4,
                    "n_shared_experts": 1, "num_experts_per_tok": 2, "first_k_dense_replace": 1,
                    "index_n_heads": 2, "index_head_dim": 16, "index_topk": 8, "index_topk_freq": 2,
                    "index_skip_topk_offset": 2, "max_position_embeddings": 256, "tie_word_embeddings": False},
    # Attention and a Mamba2 mixer side by side in every layer: K/V and a state in each.
    "falcon_h1": {"architectures": ["FalconH1ForCausalLM"], "model_type": "falcon_h1", "vocab_size": 128,
                  "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 3, "num_attention_heads": 4,
                  "num_key_value_heads": 2, "head_dim": 16, "mamba_d_ssm": 64, "mamba_n_heads": 8,
                  "mamba_d_head": 8, "mamba_n_groups": 1, "mamba_d_state": 16, "mamba_d_conv": 4,
                  "mamba_chunk_size": 16, "max_position_embeddings": 256, "tie_word_embeddings": False},
    # Mamba (v1) layers and one attention layer in four, experts every second layer.
    "jamba": {"architectures": ["JambaForCausalLM"], "model_type": "jamba", "vocab_size": 128, "hidden_size": 64,
              "intermediate_size": 96, "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
              "attn_layer_period": 4, "attn_layer_offset": 2, "expert_layer_period": 2, "expert_layer_offset": 1,
              "num_experts": 4, "num_experts_per_tok": 2, "mamba_d_state": 16, "mamba_d_conv": 4, "mamba_expand": 2,
              "mamba_dt_rank": 8, "max_position_embeddings": 256, "tie_word_embeddings": False},
}


def cache_bytes(cache) -> dict:
    kv = state = 0
    dtypes = set()
    for layer in cache.layers:
        for name in ("keys", "values", "indexer_keys"):
            t = getattr(layer, name, None)
            if isinstance(t, torch.Tensor) and t.numel():
                kv += t.numel() * t.element_size()
        for name in ("conv_states", "recurrent_states"):
            for t in (getattr(layer, name, None) or {}).values():
                if isinstance(t, torch.Tensor):
                    state += t.numel() * t.element_size()
                    dtypes.add(f"{name}:{t.dtype}")
    return {"kv_bytes": kv, "state_bytes": state, "state_dtypes": sorted(dtypes)}


def main() -> int:
    results = {"transformers_version": transformers.__version__, "torch_version": torch.__version__,
               "batch": BATCH, "prompt": PROMPT, "new": NEW, "dtype": "bfloat16", "models": {}}
    for name, config in CONFIGS.items():
        torch.manual_seed(0)
        fields = {k: v for k, v in config.items() if k not in ("architectures", "model_type")}
        if name == "gemma4":
            fields["text_config"] = dict(fields["text_config"], model_type="gemma4_text")
        hf = transformers.AutoConfig.for_model(config["model_type"], **fields)
        model = getattr(transformers, config["architectures"][0])(hf).to(torch.bfloat16).eval()
        ids = torch.randint(0, 128, (BATCH, PROMPT))
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False,
                                 return_dict_in_generate=True, pad_token_id=0)
        measured = cache_bytes(out.past_key_values)
        # generate() caches every token but the last one it produced.
        measured["cached_tokens"] = PROMPT + NEW - 1
        results["models"][name] = {"config": config, **measured}
        print(name, measured, flush=True)
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
        handle.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
