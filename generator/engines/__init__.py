"""The engines as the catalogue describes them: framework profiles (transformers, vLLM, llama.cpp, by version and
setting) and GPUs read into the estimator's dataclasses, and one meaning per word for the figures they produce.
The engines' arithmetic is in generator/calc/ (estimator.py, vllm.py, llamacpp.py, transformers_engine.py).

profiles.py  content/frameworks.yaml and content/gpus.yaml -> FrameworkProfile, GpuSpec (catalogue/loading.py
             calls its readers)
glossary.py  the terms every page, the calculator, the picker and the CLI use

May import: core, calc, families, and render's text helpers (render.escape, render.i18n, render.formatting).
"""
