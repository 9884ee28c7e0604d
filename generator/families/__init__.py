"""Model families: how each published config.json (and checkpoint file) becomes an Architecture.

table.py     the families, as data (shared with the calculator page)
reader.py    config.json -> Architecture through the family's entry
vision.py    vision towers and projectors
quant.py     the quantization a checkpoint's config.json declares
sources.py   the inputs people have: a config.json, a model folder, a .gguf file, a Hub id
model_config.py  a config.json (or a content/models.yaml entry) -> Architecture
model_ids.py     model ids as people type them

May import: core, calc, and render's text helpers.
"""
