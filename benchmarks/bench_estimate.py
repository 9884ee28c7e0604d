"""Time 10,000 estimates (every model x format x context x framework mix), on one core. Not a test."""

import itertools
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from generator.calc.estimator import estimate, parse_framework, parse_quantization  # noqa: E402
from generator.families.model_config import architecture_from_model_entry  # noqa: E402
from generator.engines.profiles import load_frameworks  # noqa: E402
from generator.core.yamlio import read_yaml_file  # noqa: E402


def main() -> None:
    archs = [architecture_from_model_entry(m) for m in read_yaml_file("content/models.yaml")["models"]]
    profiles = load_frameworks()
    frameworks = [parse_framework(s, profiles) for s in ("transformers==4.38.2", "transformers==4.46.0",
                                                         "vllm==0.6.3", "llama.cpp")]
    quants = [parse_quantization(q) for q in ("bf16", "gptq-int4", "awq", "q4_k_m", "fp8")]
    contexts = [1, 2048, 8192, 32768]
    combos = list(itertools.islice(itertools.cycle(itertools.product(archs, quants, contexts, frameworks)), 10_000))
    start = time.perf_counter()
    for arch, quant, context, framework in combos:
        estimate(arch, quant, context, framework, generate=512, gpus=1, gpu_memory_bytes=80 * 2 ** 30)
    elapsed = time.perf_counter() - start
    print(f"{len(combos)} estimates in {elapsed:.3f} s ({elapsed / len(combos) * 1e6:.1f} us each)")


if __name__ == "__main__":
    main()
