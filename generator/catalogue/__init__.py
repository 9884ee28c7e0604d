"""The catalogue: everything under content/ read and validated into typed records that know their file and line.
The package's own copy of the catalogue ships as generator/catalogue/data/ (mapped from content/ by pyproject).

loading.py        models, GPUs, profiles, benchmarks, posts, site.yaml; where the shipped catalogue lives
llamacpp_logs.py  content/benchmarks/llamacpp-load-logs.yaml
vllm_logs.py      content/benchmarks/vllm-startup-logs.yaml

May import: core, calc, families, engines, and render's text helpers (render.escape, render.i18n,
render.formatting). Nothing else reads content files, except through it: the readers of frameworks.yaml and
gpus.yaml in engines/profiles.py are called from loading.py.
"""
