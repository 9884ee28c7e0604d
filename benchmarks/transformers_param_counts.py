"""Record transformers' own parameter count for every model config the tests check (test data, not a project
dependency).

For each config (content/models.yaml entries with a config, and tests/data/family_configs.yaml, one published
config.json per family that the catalogue lacks), build the model class transformers uses for it on the meta device
(no memory, no weights) and sum ``numel()`` over ``model.parameters()`` (tied weights count once, buffers not at
all). Writes tests/data/transformers_param_counts.yaml with the transformers and torch versions;
tests/test_families.py compares generator/families' counts with it (exactly).

Run it in a scratch virtualenv, never the project's:

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install torch transformers accelerate pyyaml
    /tmp/tf/bin/python benchmarks/transformers_param_counts.py
"""

from __future__ import annotations

import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "transformers_param_counts.yaml")
# Families whose published checkpoints need remote code (trust_remote_code): transformers has no class for them.
NO_TRANSFORMERS_CLASS = {"chatglm"}
# model_type values transformers has no config class for, built with the class their checkpoint names: Kimi-K2's
# config.json says model_type kimi_k2 (remote code) and architectures DeepseekV3ForCausalLM.
BUILT_AS = {"kimi_k2": "deepseek_v3"}
# Keys of models.yaml entries that are not config.json keys.
NOT_CONFIG = {"params_total", "params_active_per_token"}


def _configs():
    with open(os.path.join(ROOT, "content", "models.yaml"), encoding="utf-8") as handle:
        for entry in yaml.safe_load(handle)["models"]:
            if entry.get("config"):
                yield entry["id"], entry["config"]
    with open(os.path.join(ROOT, "tests", "data", "family_configs.yaml"), encoding="utf-8") as handle:
        for name, config in yaml.safe_load(handle)["configs"].items():
            yield name, config["config"]


def _model_type(config):
    if config.get("model_type"):
        return config["model_type"]
    sys.path.insert(0, ROOT)
    from generator.families.reader import family_of
    return family_of(config)


def count(config) -> int:
    import torch
    import transformers

    config = {k: v for k, v in config.items() if k not in NOT_CONFIG and k != "quantization_config"}
    model_type = BUILT_AS.get(_model_type(config), _model_type(config))
    hf_config = transformers.AutoConfig.for_model(model_type, **{k: v for k, v in config.items() if k != "model_type"})
    class_name = (config.get("architectures") or [None])[0]
    cls = getattr(transformers, class_name, None) if class_name else None
    with torch.device("meta"):
        model = cls(hf_config) if cls is not None else transformers.AutoModelForCausalLM.from_config(hf_config)
    return sum(p.numel() for p in model.parameters())


def main() -> int:
    import torch
    import transformers

    counts = {}
    for name, config in _configs():
        model_type = _model_type(config)
        if model_type in NO_TRANSFORMERS_CLASS:
            print(f"{name}: {model_type} has no transformers class (remote code); skipped")
            continue
        counts[name] = count(config)
        print(f"{name}: {counts[name]:,}", flush=True)
    data = {"transformers_version": str(transformers.__version__), "torch_version": str(torch.__version__),
            "how": "sum of numel() over model.parameters() of the transformers class built on the meta device "
                   "(benchmarks/transformers_param_counts.py)",
            "counts": counts}
    with open(OUT, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
