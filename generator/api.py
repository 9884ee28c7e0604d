"""The library: ``generator.estimate(...)``, what ``python -m generator estimate`` prints, as a typed result.

    >>> import generator
    >>> result = generator.estimate("Qwen2.5-7B-Instruct", quantization="bf16", context=8192)
    >>> result.peak_gib, result.steady_gib     # doctest: +SKIP  (the numbers of the CLI's --json, as of 2026-12-07)
    (15.7086, 14.7329)
    >>> generator.estimate("Qwen2.5-7B-Instruct", quantization="awq", context=32768, framework="vllm==0.6.3",
    ...                    gpu="A100-80GB").kv_cache_capacity_tokens  # doctest: +SKIP

The fields of :class:`Estimate` are the keys of the CLI's ``--json`` object, in its order; a key the CLI leaves out
(``attn`` for an engine other than transformers, ``kv_cache_capacity_tokens`` for one other than vLLM, ``fits``
without a ``gpu``...) is ``None`` here, and ``warnings`` is empty. :meth:`Estimate.to_dict` gives the CLI's object,
:meth:`Estimate.to_json` its line, :meth:`Estimate.text` its readable form. Bad input raises
:class:`generator.core.errors.GeneratorError` (the one error type; its messages name the CLI's flags), never another.

Layer: this module sits above the catalogue, the families, ``calc`` and the profiles (it reads the first two and
calls the others) and below ``cli``, which parses arguments, calls :func:`estimate` and prints.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable

from generator.calc.architecture import params_total
from generator.calc.estimator import (DEFAULT_FRAMEWORK, GIB, estimate as _calc_estimate, parse_framework, parse_kv_dtype,
                             parse_quantization, runnable_framework)
from generator.calc.gpu_fit import busiest_gpu_bytes, fits as _fits
from generator.calc.transformers_engine import ATTN_IMPLEMENTATIONS, DEFAULT_ATTN
from generator.calc.vllm import VllmSettings
from generator.catalogue.loading import load_catalogue
from generator.core import limits
from generator.core.errors import GeneratorError, json_safe, program, shown
from generator.engines import glossary
from generator.engines.profiles import gpu_spec
from generator.families.quant import quantization_from_config
from generator.families.reader import architecture_from_config
from generator.families.sources import ModelSource, read_model_source

__all__ = ["estimate", "Estimate", "VllmStart", "models", "ENGINE_SETTINGS", "GeneratorError"]

# The engines' own settings, as ``estimate(**engine_settings)`` takes them (the CLI's flag of the same name with
# dashes): each belongs to one engine, and another engine refuses it.
ENGINE_SETTINGS = {
    "attn": "transformers", "flash_attn": "llama.cpp", "ubatch": "llama.cpp", "n_gpu_layers": "llama.cpp",
    "gpu_memory_utilization": "vllm", "gpu_memory_gib": "vllm", "max_model_len": "vllm", "max_num_seqs": "vllm",
    "max_num_batched_tokens": "vllm", "vllm_engine": "vllm", "enforce_eager": "vllm", "flashinfer_sampler": "vllm",
}
_VLLM_FLAGS = ("gpu_memory_utilization", "gpu_memory_gib", "max_model_len", "max_num_seqs", "max_num_batched_tokens",
               "vllm_engine")
_FLASH = {None: None, "on": True, "off": False, "auto": "auto", True: True, False: False}

# Each number of `estimate`: its least and greatest value (generator/core/limits.py) and what it counts.
_BOUNDS = {"context": (1, limits.MAX_TOKENS, "tokens"), "generate": (0, limits.MAX_TOKENS, "tokens"),
           "batch": (1, limits.MAX_BATCH, "sequences"), "gpus": (1, limits.MAX_GPUS, "GPUs")}
_NAMES = {"config": limits.MAX_PATH_LENGTH, "quantization": limits.MAX_NAME_LENGTH,
          "framework": limits.MAX_NAME_LENGTH, "kv_dtype": limits.MAX_NAME_LENGTH,
          "gpu": limits.MAX_NAME_LENGTH, "content": limits.MAX_PATH_LENGTH}


def _gib(value) -> float:
    return round(value / GIB, 4)


@dataclass(frozen=True)
class VllmStart:
    """What vLLM takes at start-up, per GPU (the ``vllm`` object of ``--json``)."""

    engine: str
    max_model_len: int
    max_num_seqs: int
    max_num_batched_tokens: int
    gpu_memory_utilization: float
    budget_gib: float
    weights_per_gpu_gib: float
    activation_peak_gib: float
    non_torch_gib: float
    cuda_graph_gib: float
    kv_cache_budget_gib: float
    startup_reserve_gib: float
    max_concurrency_at_max_model_len: float

    @classmethod
    def _of(cls, plan) -> "VllmStart":
        return cls(plan.engine, plan.max_model_len, plan.max_num_seqs, plan.max_num_batched_tokens,
                   plan.gpu_memory_utilization, _gib(plan.budget), _gib(plan.weights), _gib(plan.activation_peak),
                   _gib(plan.non_torch), _gib(plan.cuda_graph_bytes), _gib(plan.kv_budget), _gib(plan.budget),
                   round(plan.max_concurrency, 2))

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Estimate:
    """One estimate: GiB figures rounded to 4 places, as ``--json`` prints them. ``None`` marks a key that
    ``--json`` leaves out for this run; ``notes`` (what the input said about itself) is not part of ``--json``."""

    model: str
    params_total: int
    quantization: str
    framework: str
    context: int
    generate: int
    batch: int
    gpus: int
    kv_dtype: str
    weights_gib: float
    kv_cache_gib: float
    state_gib: float
    activations_gib: float
    overhead_gib: float
    peak_gib: float
    steady_gib: float
    per_gpu_peak_gib: tuple
    attn: str | None = None                        # transformers only
    host_gib: float | None = None                  # llama.cpp only
    warnings: tuple = ()
    kv_cache_capacity_tokens: int | None = None    # vLLM only
    max_concurrency: float | None = None
    concurrent_requests: int | None = None
    vllm: VllmStart | None = None
    gpu: str | None = None
    gpu_memory_gib: float | None = None
    usable_gib: float | None = None
    busiest_gpu_needs_gib: float | None = None
    needed_gib: float | None = None
    fits: bool | None = None
    notes: tuple = field(default=(), metadata={"json": False})

    def to_dict(self) -> dict:
        """The CLI's ``--json`` object (its keys in its order; absent keys left out)."""
        report: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("json", True) is False or value is None or (f.name == "warnings" and not value):
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, VllmStart):
                value = value.to_dict()
            report[f.name] = value
        return report

    def to_json(self) -> str:
        """The line ``--json`` prints (control characters escaped, errors.json_safe)."""
        return json_safe(json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False))

    def text(self) -> str:
        """The readable breakdown ``estimate`` prints without ``--json``."""
        return _readable(self.to_dict())


def models(content: str | None = None) -> list:
    """The catalogue's model ids (what ``estimate``'s ``config`` and the table calls accept), sorted."""
    return sorted(load_catalogue(content).models, key=str.lower)


def estimate(config, *, quantization: str = "auto", context: int | None = None, framework: str | None = None,
             gpus: int = 1, gpu: str | None = None, batch: int = 1, generate: int = 0, kv_dtype: str | None = None,
             text_only: bool = False, content: str | None = None,
             on_message: Callable[[str, str], None] | None = None, **engine_settings) -> Estimate:
    """Estimate a model's GPU memory: weights, KV cache, activations and overhead, the prefill peak and the decode
    steady state.

    ``config``: a catalogue model id (``"Qwen2.5-7B-Instruct"``), a Hub id (``"org/name"``), a path to a
    config.json, a model folder or a .gguf file, or a dict of config.json keys. ``quantization``: ``"auto"`` (what
    the checkpoint declares), ``"bf16"``, ``"awq"``, ``"gptq-int4"``, a GGUF type such as ``"q4_k_m"``...
    ``context``: prompt tokens (required, except with vLLM and ``max_model_len``: then the longest request vLLM
    admits). ``framework``: ``"transformers==X.Y.Z"``, ``"vllm==X.Y.Z"``, ``"llama.cpp"`` or
    ``"llama.cpp==bNNNN"`` (default: llama.cpp for GGUF types, else the default transformers). ``gpu``: a card of
    the catalogue (says whether it fits; vLLM's KV cache capacity). ``content``: a folder whose models.yaml,
    gpus.yaml and frameworks.yaml add to the package's catalogue. ``on_message(kind, text)``: called with each
    ``("note", ...)`` and each engine ``("warning", ...)`` as it arises, before the result or an error.

    ``engine_settings`` (each refused by the other engines): transformers ``attn``; llama.cpp ``flash_attn``
    (``"on"``, ``"off"``, ``"auto"``), ``ubatch``, ``n_gpu_layers``; vLLM ``gpu_memory_utilization``,
    ``gpu_memory_gib``, ``max_model_len``, ``max_num_seqs``, ``max_num_batched_tokens``, ``vllm_engine``
    (``"v0"``/``"v1"``), ``enforce_eager``, ``flashinfer_sampler``.

    Raises :class:`~generator.core.errors.GeneratorError` on bad input.
    """
    from generator.catalogue.loading import load_catalogue
    say = on_message or (lambda kind, text: None)
    settings = _engine_settings(engine_settings)
    if isinstance(config, os.PathLike):
        config = os.fspath(config)
    context = _default_context(context, framework, settings["max_model_len"], generate)
    _check_numbers(context=context, generate=generate, batch=batch, gpus=gpus)
    _check_names(config=config, quantization=quantization, framework=framework, kv_dtype=kv_dtype, gpu=gpu,
                 content=content)
    catalogue = load_catalogue(content)
    source = _dict_source(config, text_only) if isinstance(config, dict) else \
        read_model_source(config, catalogue, text_only=text_only)
    name, arch = source.name, source.architecture
    quant = _quantization(quantization, source)
    notes = list(source.notes + ((quant.note,) if quant.note else ()))
    for note in notes:
        say("note", note)
    spec = framework or ("llama.cpp" if quant.format == "gguf" else DEFAULT_FRAMEWORK)
    engine = parse_framework(spec, catalogue.frameworks)
    if not framework:
        # No framework named: a family newer than the default transformers runs on its first release (issue 21).
        runnable = runnable_framework(arch, engine, catalogue.frameworks)
        if runnable is not engine:
            notes.append(f"{arch.model_type} needs transformers {runnable.version} or later: estimating with "
                         f"{runnable.label} (pass --framework to choose another)")
            say("note", notes[-1])
            engine = runnable
    kv = parse_kv_dtype(kv_dtype) if kv_dtype else None
    card = gpu_spec(gpu, catalogue.gpus) if gpu else None
    vllm_settings = _vllm_settings(settings, engine, card, gpus)
    _check_engine_settings(settings, engine)
    result = _calc_estimate(arch, quant, context, engine, generate=generate, batch=batch, gpus=gpus, kv_dtype=kv,
                            gpu_memory_bytes=card.memory_bytes if card else None,
                            flash_attention=_FLASH[settings["flash_attn"]], ubatch=settings["ubatch"],
                            n_gpu_layers=settings["n_gpu_layers"], attn=settings["attn"],
                            vllm_settings=vllm_settings)
    if result.refusal:
        raise GeneratorError(result.refusal)
    for warning in result.warnings:
        say("warning", warning)
    report: dict[str, Any] = dict(
        model=name, params_total=params_total(arch), quantization=quant.name, framework=engine.label,
        context=context, generate=generate, batch=batch, gpus=gpus, kv_dtype=kv.name if kv else "16-bit",
        weights_gib=_gib(result.weights), kv_cache_gib=_gib(result.kv_cache), state_gib=_gib(result.state),
        activations_gib=_gib(result.activations), overhead_gib=_gib(result.overhead), peak_gib=_gib(result.peak),
        steady_gib=_gib(result.steady), per_gpu_peak_gib=tuple(_gib(p) for p in result.per_gpu_peak),
        warnings=tuple(_context_warnings(arch, context + generate, engine) + list(result.warnings)),
        notes=tuple(notes))
    if engine.engine == "transformers":
        report["attn"] = settings["attn"] or DEFAULT_ATTN
    if result.host is not None:
        report["host_gib"] = _gib(result.host)
    if result.kv_cache_capacity_tokens is not None:
        report["kv_cache_capacity_tokens"] = result.kv_cache_capacity_tokens
        report["max_concurrency"] = round(result.max_concurrency, 2)  # vLLM's own ratio, as its log prints it
        # Whole requests (glossary.py "requests"): a part of a request is not served.
        report["concurrent_requests"] = result.kv_cache_capacity_tokens // max(context + generate, 1)
    if result.vllm is not None:
        report["vllm"] = VllmStart._of(result.vllm)
    if vllm_settings is not None and card is None:
        report["gpu_memory_gib"] = _gib(vllm_settings.gpu_memory_bytes)
    if card is not None:
        report["gpu"] = card.name
        report["gpu_memory_gib"] = _gib(card.memory_bytes)
        # glossary.py: "usable" (the CUDA total, a Mac's Metal working set) is what the run is judged against.
        report["usable_gib"] = _gib(card.usable_bytes)
        report["busiest_gpu_needs_gib"] = report["needed_gib"] = _gib(busiest_gpu_bytes(result))
        report["fits"] = _fits(result, card.usable_bytes)
    return Estimate(**report)


# --- checks (their messages name the CLI's flags: the one wording for both) ---------------------------------------

def _engine_settings(given: dict) -> dict:
    unknown = sorted(set(given) - set(ENGINE_SETTINGS))
    if unknown:
        raise GeneratorError(f"estimate() has no setting {shown(unknown[0])}",
                             fix="the engine settings are " + ", ".join(ENGINE_SETTINGS))
    settings = {name: given.get(name) for name in ENGINE_SETTINGS}
    settings["enforce_eager"] = bool(settings["enforce_eager"])
    settings["flashinfer_sampler"] = bool(settings["flashinfer_sampler"])
    choices = {"attn": ATTN_IMPLEMENTATIONS, "flash_attn": ("on", "off", "auto", True, False),
               "vllm_engine": ("v0", "v1")}
    for name, allowed in choices.items():
        value = settings[name]
        if value is not None and not (isinstance(value, (str, bool)) and value in allowed):
            raise GeneratorError(f"--{name.replace('_', '-')} {shown(value)} is not one of "
                                 + ", ".join(str(a) for a in allowed if not isinstance(a, bool)),
                                 fix=f"pass one of them as {name}")
    for name in ("ubatch", "n_gpu_layers", "max_model_len", "max_num_seqs", "max_num_batched_tokens"):
        _whole(name, settings[name])
    for name in ("gpu_memory_utilization", "gpu_memory_gib"):
        value = settings[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise GeneratorError(f"{name} must be a number, not {shown(value)}", fix=f"pass {name} as a number")
    return settings


def _whole(name: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise GeneratorError(f"{name} must be a whole number, not {shown(value)}", fix=f"pass {name} as an int")


def _default_context(context, framework, max_model_len, generate):
    """``context`` is required, except with vLLM and ``max_model_len``: the longest request vLLM admits (its
    scheduler refuses a prompt plus new tokens above max_model_len)."""
    if context is not None:
        return context
    vllm = str(framework or "").strip().lower().startswith("vllm")
    if vllm and max_model_len is not None:
        _whole("generate", generate)
        return max(1, max_model_len - max(0, generate))
    # Worded as argparse words a missing required option: one line, like every usage error.
    raise GeneratorError("the following arguments are required: --context",
                         fix=f"see `{program()} estimate --help` (with --framework vllm==X.Y.Z and --max-model-len, "
                             "--context defaults to --max-model-len)")


def _check_numbers(**numbers) -> None:
    for name, value in numbers.items():
        _whole(name, value)
        low, high, unit = _BOUNDS[name]
        if not low <= value <= high:
            shown_value = f"{value:,}" if abs(value) < 10 ** 30 else f"a number of {len(str(abs(value)))} digits"
            flag = "--" + name.replace("_", "-")
            bound = f"at least {low:,}" if value < low else f"at most {high:,} {unit}"
            raise GeneratorError(f"{flag} must be {bound}, not {shown_value}",
                                 fix=f"pass {flag} from {low:,} to {high:,} (limits are listed in generator/core/limits.py)")


def _check_names(**names) -> None:
    for name, value in names.items():
        if value is None or (name == "config" and isinstance(value, dict)):
            continue
        flag = "--" + name.replace("_", "-")
        if not isinstance(value, str):
            raise GeneratorError(f"{flag} must be a string, not {shown(value)}", fix=f"pass {name} as a str")
        if len(value) > _NAMES[name]:
            raise GeneratorError(f"{flag} is {len(value):,} characters long, more than {_NAMES[name]:,}",
                                 fix=f"pass a shorter {flag}")


def _dict_source(config: dict, text_only: bool):
    """A dict of config.json keys, read as a config.json file would be."""
    name = config.get("_name_or_path") if isinstance(config.get("_name_or_path"), str) else "config"
    return ModelSource(name, architecture_from_config(config, name, None, text_only=text_only),
                       quantization_from_config(config, name))


def _quantization(requested: str, source) -> object:
    """An explicit name wins; ``auto`` takes what the checkpoint declares (and its exact bytes)."""
    if str(requested).strip().lower() != "auto":
        return parse_quantization(requested)
    if source.declared is None:
        raise GeneratorError(f"{source.name} declares no quantization_config or torch_dtype",
                             fix="pass --quantization, e.g. --quantization bf16")
    if source.exact_weight_bytes:
        return replace(source.declared, exact_weight_bytes=source.exact_weight_bytes)
    return source.declared


def _check_engine_settings(settings: dict, framework) -> None:
    if settings["attn"] is not None and framework.engine != "transformers":
        raise GeneratorError("--attn is a transformers setting", fix="use --framework transformers==X.Y.Z, or drop --attn")
    if framework.engine != "llama.cpp":
        for name in ("flash_attn", "ubatch", "n_gpu_layers"):
            if settings[name] is not None:
                flag = "--" + name.replace("_", "-")
                raise GeneratorError(f"{flag} is a llama.cpp setting", fix=f"use --framework llama.cpp, or drop {flag}")
    for name in ("ubatch", "n_gpu_layers"):
        value, low, flag = settings[name], 1 if name == "ubatch" else 0, "--" + name.replace("_", "-")
        if value is not None and not low <= value <= 1_000_000:
            raise GeneratorError(f"{flag} must be between {low} and 1000000, not {value}", fix=f"fix {flag}")


def _context_warnings(arch, tokens: int, framework) -> list:
    """Runs that an engine would start but that go beyond what the model was trained for (vLLM refuses them
    itself, through max_model_len)."""
    if framework.engine == "vllm":
        return []
    limit = arch.max_position_embeddings
    if limit and tokens > limit:
        return [f"{tokens} tokens exceed the model's maximum context ({limit}, max_position_embeddings): the engine "
                "may refuse it or the output degrade"]
    return []


def _vllm_settings(settings: dict, framework, gpu, gpus: int):
    """vLLM's settings as the estimator takes them; None for the other engines (which refuse these settings)."""
    given = [name for name in _VLLM_FLAGS if settings[name] is not None] + \
        (["enforce_eager"] if settings["enforce_eager"] else []) + \
        (["flashinfer_sampler"] if settings["flashinfer_sampler"] else [])
    if framework.engine != "vllm":
        if given:
            raise GeneratorError(f"--{given[0].replace('_', '-')} is a vLLM flag", fix="use it with --framework vllm==X.Y.Z")
        return None
    memory_gib = settings["gpu_memory_gib"]
    if gpu is None and memory_gib is None:
        raise GeneratorError("vLLM's KV cache fills the card: its size is needed",
                             fix="pass --gpu, e.g. --gpu A100-80GB, or --gpu-memory-gib G")
    if gpu is not None and memory_gib is not None:
        raise GeneratorError("--gpu and --gpu-memory-gib both name the card", fix="pass one of them")
    utilisation = settings["gpu_memory_utilization"]
    if utilisation is not None and not 0 < utilisation <= 1:
        raise GeneratorError(f"--gpu-memory-utilization must be above 0 and at most 1, not {utilisation}",
                             fix="pass e.g. --gpu-memory-utilization 0.9")
    if memory_gib is not None and not 0.5 <= memory_gib <= 4096:
        raise GeneratorError(f"--gpu-memory-gib must be between 0.5 and 4096, not {memory_gib}",
                             fix="pass the card's total in GiB, e.g. --gpu-memory-gib 23.58")
    for name in ("max_model_len", "max_num_seqs", "max_num_batched_tokens"):
        value = settings[name]
        if value is not None and not 1 <= value <= 2 ** 24:
            raise GeneratorError(f"--{name.replace('_', '-')} must be between 1 and {2 ** 24}, not {value}",
                                 fix=f"pass --{name.replace('_', '-')} N")
    if gpu is not None:
        total, name, unified = gpu.usable_bytes, gpu.name, gpu.unified_memory
    else:
        total, name, unified = int(memory_gib * GIB), "", False
    return VllmSettings(total, name, gpus, utilisation, settings["max_model_len"], settings["max_num_seqs"],
                        settings["max_num_batched_tokens"], settings["vllm_engine"], settings["enforce_eager"],
                        "auto", unified, settings["flashinfer_sampler"])


def _readable(report: dict) -> str:
    lines = [f"{report['model']} ({report['params_total']:,} parameters), {report['quantization']}, "
             f"{report['framework']}",
             f"{report['context']} prompt + {report['generate']} new tokens, batch {report['batch']}, "
             f"{report['gpus']} GPU(s), KV cache {report['kv_dtype']}"
             + (f", attention {report['attn']}" if "attn" in report else ""), ""]
    terms = {d["key"]: d for d in glossary.definitions("en")}
    if "vllm" in report and "kv_cache_capacity_tokens" in report:
        # vLLM: what it takes at start-up, drawn as the parts it holds (they add up to it, per GPU).
        v = report["vllm"]
        lines.append(f"  {'startup reserve':<17}{v['startup_reserve_gib']:>8.2f} GiB per GPU   "
                     f"{terms['startup_reserve']['text']}")
        held = [("weights", v["weights_per_gpu_gib"]), ("activation peak", v["activation_peak_gib"]),
                ("non-torch", v["non_torch_gib"]), ("CUDA graphs", v.get("cuda_graph_gib", 0))]
        pool = v["startup_reserve_gib"] - sum(value for _, value in held)
        # Hybrid-state models: this batch's state slots are pages of that KV cache (vllm.py _state_layout), drawn
        # as a part of their own, as the calculator page draws them (calculator.js headlineParts).
        state = min(report["state_gib"] / report["gpus"], max(pool, 0))
        for label, value in glossary.drawn_parts(v["startup_reserve_gib"],
                                                 held + [("state", state), ("KV cache", pool - state)], lang="en"):
            lines.append(f"    {label:<15}{value:>8.2f} GiB")
    else:
        lines.append(f"  {'peak':<13}{report['peak_gib']:>10.2f} GiB   {terms['peak']['text']}")
        for label, value in glossary.drawn_parts(report["peak_gib"], [
                ("weights", report["weights_gib"]), ("KV cache", report["kv_cache_gib"]),
                ("state", report["state_gib"]), ("activations", report["activations_gib"]),
                ("overhead", report["overhead_gib"])], lang="en"):
            lines.append(f"    {label:<11}{value:>10.2f} GiB")
    lines.append(f"  {'steady':<13}{report['steady_gib']:>10.2f} GiB   {terms['steady']['text']}")
    if "host_gib" in report:
        lines.append(f"  {'host':<13}{report['host_gib']:>10.2f} GiB   in CPU memory (token_embd, layers not offloaded)")
    if report["gpus"] > 1:
        lines.append("  per GPU peak " + ", ".join(f"{p:.2f}" for p in report["per_gpu_peak_gib"]) + " GiB")
    if "vllm" in report:
        v = report["vllm"]
        lines.append(f"  vLLM {v['engine'].upper()}: max_model_len {v['max_model_len']}, max_num_seqs {v['max_num_seqs']}, "
                     f"max_num_batched_tokens {v['max_num_batched_tokens']}, gpu_memory_utilization "
                     f"{v['gpu_memory_utilization']:g} (startup reserve = {v['gpu_memory_utilization']:g} x usable)")
    if "kv_cache_capacity_tokens" in report:
        lines.append(f"  KV cache capacity {report['kv_cache_capacity_tokens']:,} tokens; at "
                     f"{report['context'] + report['generate']} tokens per request, "
                     f"{report['concurrent_requests']:,} whole requests at once")
    for warning in report.get("warnings", []):
        lines.append(f"  warning: {warning}")
    if "gpu" in report and "kv_cache_capacity_tokens" in report:
        verdict = "starts and serves this request" if report["fits"] else "does not serve this request"
        lines.append(f"  {report['gpu']} ({report['gpu_memory_gib']:.2f} GiB, usable {report['usable_gib']:.2f}): "
                     f"{verdict}")
    elif "gpu" in report:
        verdict = "fits" if report["fits"] else "does not fit"
        lines.append(f"  {report['gpu']} ({report['gpu_memory_gib']:.2f} GiB, usable {report['usable_gib']:.2f}): "
                     f"{verdict} (needed {report['needed_gib']:.2f} GiB: {terms['needed']['text']})")
    return "\n".join(lines) + "\n"
