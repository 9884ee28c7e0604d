"""Pure calculations: numbers in, numbers out. No I/O, no YAML, no formatting.

The estimator (estimator.py) and one module per engine (transformers_engine.py, vllm.py, llamacpp.py), the GGUF
mixes, the GPU-fit searches and the validation against measurements.

May import: the standard library, core.errors, and families/table.py (the family table is data the estimator reads).
"""
