"""Record what ``python -m generator estimate`` prints for several hundred argument lists (issue 19).

Run once on main before the estimator moved out of cli.py into the library (generator/api.py); tests/test_api.py
replays every list and requires the same exit code, standard output and standard error, byte for byte.

    .venv/bin/python tests/record_estimate_cli.py > tests/data/estimate_cli_recorded.json

Re-run it when another issue changes a number on purpose, and review the diff (only numbers should move).

The argument lists come from a seeded random generator (deterministic) plus every catalogue model and a set of
bad inputs; a config.json written to a temporary folder appears as {TMP} in the record.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# A Qwen2-7B config.json (tests/test_estimate_cli.py) and a tied-embedding small one with no torch_dtype.
CONFIGS = {
    "qwen2.json": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 3584,
                   "intermediate_size": 18944, "max_position_embeddings": 32768, "num_attention_heads": 28,
                   "num_hidden_layers": 28, "num_key_value_heads": 4, "tie_word_embeddings": False,
                   "torch_dtype": "bfloat16", "vocab_size": 152064},
    "llama-small.json": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
                         "intermediate_size": 8192, "max_position_embeddings": 8192, "num_attention_heads": 32,
                         "num_hidden_layers": 16, "num_key_value_heads": 8, "tie_word_embeddings": True,
                         "vocab_size": 128256},
}

QUANTIZATIONS = ["auto", "bf16", "fp16", "fp32", "fp8", "gptq-int8", "gptq-int4", "awq", "nf4", "int8", "mxfp4",
                 "q4_k_m", "q8_0", "q4_0", "iq4_xs", "GPTQ-Int4", "AWQ", "BF16"]
FRAMEWORKS = [None, "transformers==4.38.2", "transformers==4.46.0", "transformers==4.57.0", "transformers==5.20.0",
              "vllm==0.6.3", "vllm==0.7.3", "vllm==0.8.5", "vllm==0.10.1", "vllm==0.11.0", "vllm==0.30.0",
              "llama.cpp", "llama.cpp==b4000", "llama.cpp==b6500"]
GPUS = [None, "RTX 4090", "A100-80GB", "H100-80GB", "M4 Max 64GB", "T4", "RTX 4060 8GB", "MI300X", "B200"]


def random_case(rng: random.Random, models: list) -> list:
    config = rng.choice(models + ["{TMP}/qwen2.json", "{TMP}/llama-small.json"])
    framework = rng.choice(FRAMEWORKS)
    engine = "" if framework is None else framework.split("=")[0]
    argv = ["estimate", "--config", config]
    quantization = rng.choice(QUANTIZATIONS if engine != "llama.cpp" else ["q4_k_m", "q8_0", "q4_0", "iq4_xs", "bf16"])
    if rng.random() < 0.9:
        argv += ["--quantization", quantization]
    if engine != "vllm" or rng.random() < 0.7:
        argv += ["--context", str(rng.choice([1, 512, 4096, 8192, 32768, 131072]))]
    if rng.random() < 0.5:
        argv += ["--generate", str(rng.choice([0, 128, 2048]))]
    if rng.random() < 0.4:
        argv += ["--batch", str(rng.choice([1, 4, 32]))]
    if framework:
        argv += ["--framework", framework]
    if rng.random() < 0.3:
        argv += ["--gpus", str(rng.choice([1, 2, 4, 8]))]
    if rng.random() < 0.25:
        argv += ["--kv-dtype", rng.choice(["fp8", "q8_0", "q4_0", "16-bit"])]
    gpu = rng.choice(GPUS) if engine != "vllm" or rng.random() < 0.2 else rng.choice(GPUS[1:])
    if gpu:
        argv += ["--gpu", gpu]
    if engine == "transformers" and rng.random() < 0.4:
        argv += ["--attn", rng.choice(["eager", "sdpa", "flash_attention_2"])]
    if engine == "llama.cpp":
        if rng.random() < 0.4:
            argv += ["--flash-attn", rng.choice(["on", "off", "auto"])]
        if rng.random() < 0.3:
            argv += ["--ubatch", str(rng.choice([128, 512, 2048]))]
        if rng.random() < 0.3:
            argv += ["--n-gpu-layers", str(rng.choice([0, 10, 999]))]
    if engine == "vllm":
        if "--gpu" not in argv or rng.random() < 0.1:
            argv += ["--gpu-memory-gib", rng.choice(["23.58", "79.1"])]
        if rng.random() < 0.4:
            argv += ["--gpu-memory-utilization", rng.choice(["0.8", "0.95"])]
        if rng.random() < 0.5:
            argv += ["--max-model-len", str(rng.choice([4096, 16384, 32768]))]
        if rng.random() < 0.3:
            argv += ["--max-num-seqs", str(rng.choice([16, 256]))]
        if rng.random() < 0.3:
            argv += ["--max-num-batched-tokens", str(rng.choice([2048, 8192]))]
        if rng.random() < 0.3:
            argv += ["--vllm-engine", rng.choice(["v0", "v1"])]
        if rng.random() < 0.2:
            argv += ["--enforce-eager"]
    if rng.random() < 0.1:
        argv += ["--text-only"]
    if rng.random() < 0.6:
        argv += ["--json"]
    return argv


BAD = [
    ["estimate", "--config", "Qwen2.5-7B-Instruct"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "0"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "9" * 400],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "ten"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--batch", "0"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--gpus", "100000"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--generate", "-1"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--quantization", "q9_z"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--quantization", "x" * 500],
    ["estimate", "--config", "No-Such-Model", "--context", "100"],
    ["estimate", "--config", "{TMP}/missing.json", "--context", "100"],
    ["estimate", "--config", "{TMP}/llama-small.json", "--context", "100"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "tensorrt"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "vllm==0.6.3"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--framework", "vllm==0.6.3", "--gpu", "A100-80GB"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--framework", "vllm==0.6.3", "--gpu", "A100-80GB",
     "--max-model-len", "8192", "--generate", "100", "--json"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "vllm==0.6.3",
     "--gpu", "A100-80GB", "--gpu-memory-gib", "40"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "vllm==0.6.3",
     "--gpu", "A100-80GB", "--gpu-memory-utilization", "1.5"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "vllm==0.6.3",
     "--gpu-memory-gib", "0.1"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "vllm==0.6.3",
     "--gpu", "A100-80GB", "--max-num-seqs", "0"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--max-model-len", "4096"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--enforce-eager"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "llama.cpp", "--attn", "eager"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--flash-attn", "on"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "llama.cpp",
     "--quantization", "q4_k_m", "--ubatch", "0"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--framework", "llama.cpp",
     "--quantization", "q4_k_m", "--n-gpu-layers", "2000000"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--gpu", "GTX 9999"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--kv-dtype", "int3"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--attn", "magic"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--bogus"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "100", "--gpu", "x" * 300],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "200000", "--json"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "200000"],
    ["estimate", "--config", "DeepSeek-R1", "--context", "4096", "--gpu", "RTX 4090"],
    ["estimate", "--config", "Qwen2.5-VL-7B-Instruct", "--context", "4096", "--text-only", "--json"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--context", "8192", "--json"],
    ["estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--context", "8192"],
]


def cases() -> list:
    from generator.catalogue.loading import load_catalogue
    models = sorted(load_catalogue("content").models, key=str.lower)
    found = []
    for model in models:
        found.append(["estimate", "--config", model, "--context", "4096", "--json"])
        found.append(["estimate", "--config", model, "--quantization", "q4_k_m", "--context", "4096", "--gpu",
                      "RTX 4090"])
    found += BAD
    rng = random.Random(19)
    found += [random_case(rng, models) for _ in range(420)]
    return found


def run(argv: list, tmp: str):
    from generator.cli import main
    out, err = io.StringIO(), io.StringIO()
    code = main([a.replace("{TMP}", tmp) for a in argv], out=out, err=err)
    return {"argv": argv, "code": code, "out": out.getvalue().replace(tmp, "{TMP}"),
            "err": err.getvalue().replace(tmp, "{TMP}")}


def write_configs(tmp: str) -> None:
    for name, config in CONFIGS.items():
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as handle:
            json.dump(config, handle, indent=2)


if __name__ == "__main__":
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        write_configs(tmp)
        records = [run(argv, tmp) for argv in cases()]
    json.dump(records, sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")
