"""The supported model families: how each one's config.json, as published, maps onto an Architecture.

One entry per Hugging Face ``model_type``. Data only (JSON-able), so the calculator page reads the same table
(generator/site/calculator.py embeds it; templates/calculator/calculator.js interprets it as generator/families/reader.py
does). The layouts were read off each family's modeling file in transformers (``src/transformers/models/<type>/``)
and are checked against transformers' own parameter count by benchmarks/transformers_param_counts.py.

Keys of an entry (all optional):
  classes        architecture class names whose config.json may lack model_type (the catalogue's older entries)
  nested         read the text settings from this sub-object (text_config), over the top-level keys
  names          {our name: [config.json names, first present wins]} before the default names
  defaults       values the family's transformers config class uses when config.json omits the key
  intermediate_multiple  intermediate size = this x hidden size when config.json gives none (GPT-2, Falcon)
  qkv_bias, o_bias, mlp_bias   true/false, or the config.json key that switches the bias on
  mlp            "gated" (gate, up, down; the default) or "plain" (two matrices)
  norm           "rms" (weight only; the default) or "layer" (weight and bias)
  norms_per_layer, qk_norm, tie_default (transformers' tie_word_embeddings default), final_norm
  positions      {"key": ..., "offset": ...}: a learned absolute position table of key + offset rows
  kv             "config" (num_key_value_heads, the default), "mha" (one KV head per head), "falcon"
  sliding        how many layers use the sliding window: "all", "alternate" (even layers), "pattern"
                 (sliding_window_pattern: every n-th layer global), "qwen" (use_sliding_window, from
                 max_window_layers on), "chunked" (Llama 4: attention_chunk_size on RoPE layers), "none";
                 a config.json ``layer_types`` list wins over all of these
  moe            routed experts: {"experts": [names], "intermediate": name, "dense_intermediate": name,
                 "shared": "size" (shared_expert_intermediate_size) | "count" (n_shared_experts x expert size) |
                 "one" (one shared expert of the expert size), "shared_gate": bool, "step": name,
                 "first_dense": name, "expert_bias": bool}
  mla            multi-head latent attention (DeepSeek)
  sinks          one learned attention-sink logit per head and layer (GPT-OSS)
  lm_head_bias   the config.json key that gives lm_head a bias
  vision         the vision tower's layout: "qwen2_vl", "qwen2_5_vl", "siglip" (+ Gemma 3 projector), "llama4",
                 "qwen3_5" (Qwen3.5's ViT and merger), "pixtral" (Mistral 3's Pixtral and its projector)
  hybrid         state layers beside attention (issue 21): "gdn" (Gated DeltaNet: Qwen3-Next, Qwen3.5),
                 "mamba2" (Granite 4: Mamba2 mixer or attention, each with the MLP), "mamba2_blocks" (Nemotron-H:
                 every block one mixer: Mamba2 "M", attention "*", MLP "-", MoE "E"), "falcon_h1" (Falcon-H1:
                 attention and a Mamba2 mixer side by side in every layer), "mamba1" (Jamba: Mamba v1 layers, one
                 attention layer every attn_layer_period)
  experts_gated  false: routed experts are up/down only (Nemotron-H); qk_norm_full: q/k norms over the whole
                 projection width (OLMo-2)
  first_release  the first transformers release with the family's classes (older releases are refused)
"""

from __future__ import annotations

_LLAMA_BIASES = {"qkv_bias": "attention_bias", "o_bias": "attention_bias", "mlp_bias": "mlp_bias"}
_QWEN2_SLIDING = {"sliding": "qwen"}
_GPT2_NAMES = {"hidden_size": ["n_embd"], "num_hidden_layers": ["n_layer"], "num_attention_heads": ["n_head"],
               "intermediate_size": ["n_inner"], "max_position_embeddings": ["n_positions"]}

FAMILIES = {
    "llama": {"classes": ["LlamaForCausalLM"], "tie_default": False, **_LLAMA_BIASES},
    "mistral": {"classes": ["MistralForCausalLM"], "tie_default": False, "sliding": "all"},
    "mixtral": {"classes": ["MixtralForCausalLM"], "tie_default": False, "sliding": "all",
                "moe": {"experts": ["num_local_experts"], "intermediate": "intermediate_size"}},
    "qwen2": {"classes": ["Qwen2ForCausalLM"], "tie_default": False, "qkv_bias": True, **_QWEN2_SLIDING},
    "qwen2_moe": {"classes": ["Qwen2MoeForCausalLM"], "tie_default": False, "qkv_bias": True, **_QWEN2_SLIDING,
                  "moe": {"experts": ["num_experts"], "intermediate": "moe_intermediate_size", "shared": "size",
                          "shared_gate": True, "step": "decoder_sparse_step"}},
    "qwen3": {"classes": ["Qwen3ForCausalLM"], "tie_default": False,
              "qkv_bias": "attention_bias", "o_bias": "attention_bias",
              "qk_norm": True, **_QWEN2_SLIDING},
    "qwen3_moe": {"classes": ["Qwen3MoeForCausalLM"], "tie_default": False,
                  "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                  "qk_norm": True,
                  **_QWEN2_SLIDING,
                  "moe": {"experts": ["num_experts"], "intermediate": "moe_intermediate_size",
                          "step": "decoder_sparse_step"}},
    "qwen2_vl": {"classes": ["Qwen2VLForConditionalGeneration"], "tie_default": False,
                 "nested": "text_config", "qkv_bias": True,
                 **_QWEN2_SLIDING, "vision": "qwen2_vl"},
    "qwen2_5_vl": {"classes": ["Qwen2_5_VLForConditionalGeneration"], "tie_default": False,
                   "nested": "text_config", "qkv_bias": True,
                   **_QWEN2_SLIDING, "vision": "qwen2_5_vl"},
    "gemma": {"classes": ["GemmaForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
              "defaults": {"head_dim": 256}},
    "gemma2": {"classes": ["Gemma2ForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
               "norms_per_layer": 4, "sliding": "alternate", "defaults": {"head_dim": 256}},
    "gemma3_text": {"classes": ["Gemma3ForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                    "norms_per_layer": 4, "qk_norm": True, "sliding": "pattern",
                    "defaults": {"vocab_size": 262208, "num_attention_heads": 8, "num_key_value_heads": 4,
                                 "head_dim": 256, "max_position_embeddings": 131072, "sliding_window": 4096,
                                 "sliding_window_pattern": 6}},
    "gemma3": {"classes": ["Gemma3ForConditionalGeneration"], "nested": "text_config",
               "qkv_bias": "attention_bias", "o_bias": "attention_bias", "norms_per_layer": 4, "qk_norm": True,
               "sliding": "pattern", "vision": "siglip",
               "defaults": {"vocab_size": 262208, "num_attention_heads": 8, "num_key_value_heads": 4,
                            "head_dim": 256, "max_position_embeddings": 131072, "sliding_window": 4096,
                            "sliding_window_pattern": 6}},
    "phi3": {"classes": ["Phi3ForCausalLM"], "tie_default": False, "sliding": "all"},
    "phimoe": {"classes": ["PhiMoEForCausalLM"], "tie_default": False,
               "qkv_bias": "attention_bias", "o_bias": "attention_bias",
               "norm": "layer", "sliding": "all", "lm_head_bias": "lm_head_bias",
               "moe": {"experts": ["num_local_experts"], "intermediate": "intermediate_size"}},
    "gpt_oss": {"classes": ["GptOssForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                "sinks": True, "sliding": "all", "tie_default": False,
                "moe": {"experts": ["num_local_experts"], "intermediate": "intermediate_size", "expert_bias": True}},
    "llama4": {"classes": ["Llama4ForConditionalGeneration"], "nested": "text_config",
               "qkv_bias": "attention_bias", "o_bias": "attention_bias", "sliding": "chunked",
               "tie_default": False, "vision": "llama4",
               "moe": {"experts": ["num_local_experts"], "intermediate": "intermediate_size",
                       "dense_intermediate": "intermediate_size_mlp", "shared": "one",
                       "step": "interleave_moe_layer_step"}},
    "llama4_text": {"classes": ["Llama4ForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                    "sliding": "chunked", "tie_default": False,
                    "moe": {"experts": ["num_local_experts"], "intermediate": "intermediate_size",
                            "dense_intermediate": "intermediate_size_mlp", "shared": "one",
                            "step": "interleave_moe_layer_step"}},
    "deepseek_v2": {"classes": ["DeepseekV2ForCausalLM"], "tie_default": False, "mla": True,
                    "moe": {"experts": ["n_routed_experts"], "intermediate": "moe_intermediate_size",
                            "shared": "count", "first_dense": "first_k_dense_replace", "step": "moe_layer_freq"}},
    "deepseek_v3": {"classes": ["DeepseekV3ForCausalLM"], "tie_default": False, "mla": True,
                    "moe": {"experts": ["n_routed_experts"], "intermediate": "moe_intermediate_size",
                            "shared": "count", "first_dense": "first_k_dense_replace", "step": "moe_layer_freq"}},
    "chatglm": {"classes": ["ChatGLMModel", "ChatGLMForConditionalGeneration"],
                "names": {"num_hidden_layers": ["num_layers"], "num_key_value_heads": ["multi_query_group_num"],
                          "head_dim": ["kv_channels"], "intermediate_size": ["ffn_hidden_size"],
                          "vocab_size": ["padded_vocab_size"], "max_position_embeddings": ["seq_length"]},
                "qkv_bias": "add_qkv_bias", "o_bias": "add_bias_linear", "mlp_bias": "add_bias_linear",
                "tie_default": False},
    "glm": {"classes": ["GlmForCausalLM"], "tie_default": False, "qkv_bias": "attention_bias"},
    "glm4": {"classes": ["Glm4ForCausalLM"], "tie_default": False, "qkv_bias": "attention_bias", "norms_per_layer": 4},
    "falcon": {"classes": ["FalconForCausalLM", "RWForCausalLM"],
               "names": {"num_hidden_layers": ["n_layer"], "num_attention_heads": ["n_head"],
                         "intermediate_size": ["ffn_hidden_size"]},
               "intermediate_multiple": 4, "qkv_bias": "bias", "o_bias": "bias", "mlp_bias": "bias",
               "mlp": "plain", "norm": "layer", "kv": "falcon"},
    "gpt2": {"classes": ["GPT2LMHeadModel"], "names": _GPT2_NAMES, "intermediate_multiple": 4,
             "qkv_bias": True, "o_bias": True, "mlp_bias": True, "mlp": "plain", "norm": "layer", "kv": "mha",
             "positions": {"key": "max_position_embeddings", "offset": 0}},
    "opt": {"classes": ["OPTForCausalLM"], "names": {"intermediate_size": ["ffn_dim"]},
            "qkv_bias": "enable_bias", "o_bias": "enable_bias", "mlp_bias": "enable_bias", "mlp": "plain",
            "norm": "layer", "kv": "mha", "positions": {"key": "max_position_embeddings", "offset": 2},
            "defaults": {"enable_bias": True}},
    # --- Issue 21: the families readers ask about at the end of 2026 (layouts read off transformers 5.24.0's
    # modeling files; counts checked by benchmarks/transformers_param_counts.py). first_release: the first release
    # whose wheel holds transformers/models/<type>/modeling_<type>.py, listed from the PyPI wheels of 4.40.0, 4.45.0,
    # 4.46.0 ... 4.57.0, 5.0.0 ... 5.3.0.
    "qwen3_next": {"classes": ["Qwen3NextForCausalLM"], "tie_default": False,
                   "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                   "qk_norm": True, "hybrid": "gdn", "first_release": "4.57.0",
                   "moe": {"experts": ["num_experts"], "intermediate": "moe_intermediate_size", "shared": "size",
                           "shared_gate": True, "step": "decoder_sparse_step"}},
    "qwen3_5": {"classes": ["Qwen3_5ForConditionalGeneration", "Qwen3_5ForCausalLM"], "nested": "text_config",
                "qkv_bias": "attention_bias", "o_bias": "attention_bias", "qk_norm": True, "hybrid": "gdn",
                "vision": "qwen3_5", "tie_top": True, "tie_default": False, "first_release": "5.2.0"},
    "qwen3_5_moe": {"classes": ["Qwen3_5MoeForConditionalGeneration", "Qwen3_5MoeForCausalLM"],
                    "nested": "text_config", "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                    "qk_norm": True, "hybrid": "gdn", "vision": "qwen3_5", "first_release": "5.2.0",
                    "tie_top": True, "tie_default": False,
                    "moe": {"experts": ["num_experts"], "intermediate": "moe_intermediate_size", "shared": "size",
                            "shared_gate": True}},
    "nemotron_h": {"classes": ["NemotronHForCausalLM"], "hybrid": "mamba2_blocks", "norms_per_layer": 1,
                   "mlp": "plain", "mlp_bias": "mlp_bias", "experts_gated": False, "tie_default": False,
                   "names": {"shared_expert_intermediate_size": ["moe_shared_expert_intermediate_size"]},
                   "defaults": {"head_dim": 128},  # NemotronHConfig's (not hidden / heads: 4480 / 40 in Nano 9B v2)
                   "first_release": "5.3.0",
                   "moe": {"experts": ["n_routed_experts"], "intermediate": "moe_intermediate_size",
                           "shared": "size"}},
    "granitemoehybrid": {"classes": ["GraniteMoeHybridForCausalLM"], "hybrid": "mamba2",
                         "qkv_bias": "attention_bias", "o_bias": "attention_bias", "tie_default": False,
                         "names": {"shared_expert_intermediate_size": ["shared_intermediate_size"]},
                         "first_release": "4.52.1",
                         # shared_mlp (shared_intermediate_size) is in every layer, the routed experts only
                         # when num_local_experts > 0 (Granite-4.0-H-1B: 0, a dense model).
                         "moe": {"experts": ["num_local_experts"], "intermediate": "intermediate_size",
                                 "shared": "size", "dense_intermediate": "shared_expert_intermediate_size"}},
    "granitemoe": {"classes": ["GraniteMoeForCausalLM"], "tie_default": False,
                   "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                   "first_release": "4.45.0",
                   "moe": {"experts": ["num_local_experts"], "intermediate": "intermediate_size"}},
    # Kimi-K2 runs in transformers through its checkpoint's own modeling code (auto_map, trust_remote_code), so no
    # release is refused; its count is DeepseekV3ForCausalLM's, the class its config.json names.
    "kimi_k2": {"classes": [], "mla": True, "tie_default": False,
                "moe": {"experts": ["n_routed_experts"], "intermediate": "moe_intermediate_size",
                        "shared": "count", "first_dense": "first_k_dense_replace", "step": "moe_layer_freq"}},
    "gemma4": {"classes": ["Gemma4ForConditionalGeneration"], "nested": "text_config", "gemma4": True,
               "qkv_bias": "attention_bias", "o_bias": "attention_bias", "norms_per_layer": 4, "sliding": "all",
               "vision": "gemma4", "tie_top": True, "first_release": "5.5.0",
               "defaults": {"vocab_size": 262144, "hidden_size": 2304, "intermediate_size": 9216,
                            "num_hidden_layers": 30, "num_attention_heads": 8, "num_key_value_heads": 4,
                            "head_dim": 256, "max_position_embeddings": 131072, "sliding_window": 512}},
    "glm_moe_dsa": {"classes": ["GlmMoeDsaForCausalLM"], "mla": True, "indexer": True, "tie_default": False,
                    "first_release": "5.2.0",
                    "moe": {"experts": ["n_routed_experts"], "intermediate": "moe_intermediate_size",
                            "shared": "count", "first_dense": "first_k_dense_replace"}},
    "mistral3": {"classes": ["Mistral3ForConditionalGeneration"], "nested": "text_config", "sliding": "all",
                 "vision": "pixtral", "tie_top": True, "first_release": "4.50.0"},
    "phi": {"classes": ["PhiForCausalLM"], "qkv_bias": True, "o_bias": True, "mlp_bias": True, "mlp": "plain",
            "norm": "layer", "norms_per_layer": 1, "lm_head_bias": True, "tie_default": False},
    "smollm3": {"classes": ["SmolLM3ForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                "mlp_bias": "mlp_bias", "sliding": "qwen", "first_release": "4.53.0"},
    "olmo2": {"classes": ["Olmo2ForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
              "qk_norm_full": True, "tie_default": False, "first_release": "4.47.0"},
    "cohere2": {"classes": ["Cohere2ForCausalLM"], "qkv_bias": "attention_bias", "o_bias": "attention_bias",
                "norms_per_layer": 1, "sliding": "pattern", "first_release": "4.48.0",
                "defaults": {"sliding_window_pattern": 4}},
    "starcoder2": {"classes": ["Starcoder2ForCausalLM"], "qkv_bias": "use_bias", "o_bias": "use_bias",
                   "mlp_bias": "use_bias", "mlp": "plain", "norm": "layer", "sliding": "all",
                   "defaults": {"use_bias": True}},
    "exaone4": {"classes": ["Exaone4ForCausalLM"], "tie_default": False, "qk_norm": True, "sliding": "pattern",
                "first_release": "4.54.0", "defaults": {"sliding_window_pattern": 4}},
    # Mamba hybrids (issue 21 item 1). first_release: the first release whose wheel holds
    # transformers/models/<type>/modeling_<type>.py (wheels of 4.39.3, 4.40.0, 4.52.4 and 4.53.0 listed).
    "falcon_h1": {"classes": ["FalconH1ForCausalLM"], "hybrid": "falcon_h1", "qkv_bias": "attention_bias",
                  "o_bias": "attention_bias", "mlp_bias": "mlp_bias", "tie_default": False,
                  "first_release": "4.53.0"},
    "jamba": {"classes": ["JambaForCausalLM"], "hybrid": "mamba1", "tie_default": False, "first_release": "4.40.0",
              "moe": {"experts": ["num_experts", "num_local_experts"], "intermediate": "intermediate_size"}},
}

# The names every family shares (first present wins), after a family's own ``names``.
DEFAULT_NAMES = {
    "hidden_size": ["hidden_size"],
    "num_hidden_layers": ["num_hidden_layers"],
    "num_attention_heads": ["num_attention_heads"],
    "num_key_value_heads": ["num_key_value_heads", "num_kv_heads"],
    "head_dim": ["head_dim"],
    "intermediate_size": ["intermediate_size"],
    "vocab_size": ["vocab_size"],
    "max_position_embeddings": ["max_position_embeddings"],
}


def supported_families() -> list:
    return sorted(FAMILIES)
