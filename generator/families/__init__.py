"""Model families: how each published config.json (and checkpoint file) becomes an Architecture.

table.py             the families, as data (shared with the calculator page; in calc's layer, which reads it)
reader.py            config.json -> Architecture through the family's entry
vision.py            vision towers and projectors
model_config.py      a config.json (or a content/models.yaml entry) checked field by field, then read
quant.py             the quantization a checkpoint's config.json declares
sources.py           the inputs people have: a config.json, a model folder, a .gguf file, a Hub id
gguf_file.py         a GGUF file's header (metadata and tensor table), read against the file's real size
safetensors_file.py  a safetensors file's JSON header, parsed and checked
hub.py               a Hub id: its config.json and safetensors headers, fetched within one deadline
model_ids.py         model ids as people type them

May import: core, calc, and render's text helpers (render.escape, render.i18n, render.formatting).
"""
