"""Build step of an LLM blog: VRAM tables computed from data, rendered, and verified.

The library's entry points load on first use, so ``import generator`` stays cheap (a no-op build is timed)::

    import generator
    generator.estimate("Qwen2.5-7B-Instruct", quantization="bf16", context=8192).peak_gib

See generator/api.py (``estimate``, its ``Estimate`` result, ``models``) and generator/core/errors.py (``GeneratorError``,
the one error type).
"""

__all__ = ["estimate", "Estimate", "VllmStart", "models", "GeneratorError"]

_FROM = {"estimate": "api", "Estimate": "api", "VllmStart": "api", "models": "api", "GeneratorError": "core.errors"}


def __getattr__(name):
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module 'generator' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
