"""Read content/benchmarks/vllm-startup-logs.yaml: vLLM start-up logs and the settings behind each.

Every field is checked at load, and an error names the file and the line (like the Qwen2 benchmark's rows). The
settings must be ones the estimator's flags can express: a model and card of the catalogue (or the card's total as
the log prints it), a quantization, a vLLM version with a profile, the engine that version has.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generator.calc.estimator import GIB, parse_framework, parse_kv_dtype, parse_quantization
from generator.core.errors import GeneratorError, shown
from generator.core.fields import check_keys as _check_keys, check_source as _source
from generator.core.fields import require_list as _list, require_mapping as _mapping
from generator.core.yamlio import read_yaml_file

if TYPE_CHECKING:  # a type only: loading.py reads this module (no import circle, tests/test_layers.py)
    from generator.catalogue.loading import Catalogue

# Token counts and GiB: beyond these a figure is a typo (and would overflow the arithmetic).
_MAX_WHOLE = 10 ** 9
_MAX_NUMBER = 1e9


def _text(data, key: str, path: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise GeneratorError(f"field {key!r} must be non-empty text, not {shown(value)}", path, data.line_of(key),
                             f"write {key} as text")
    return value


def _positive_number(data, key: str, path: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or \
            not 0 < value <= _MAX_NUMBER:
        raise GeneratorError(f"field {key!r} must be a number above 0 and at most {_MAX_NUMBER:g}, not {shown(value)}",
                             path, data.line_of(key), f"write {key} as a positive number")
    return value


def _positive_int(data, key: str, path: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_WHOLE:
        raise GeneratorError(f"field {key!r} must be a whole number from 1 to {_MAX_WHOLE:,}, not {shown(value)}",
                             path, data.line_of(key), f"write {key} as a whole number above zero")
    return value

FILE_NAME = "vllm-startup-logs.yaml"
_OBSERVED = ("gpu_blocks", "kv_cache_tokens", "kv_cache_gib", "refused")
_REQUIRED = ("id", "url", "version", "model", "quantization", "tensor_parallel", "gpu_memory_utilization",
             "max_model_len")
_OPTIONAL = ("gpu", "gpu_memory_gib", "engine", "max_num_seqs", "max_num_batched_tokens", "kv_cache_dtype",
             "enforce_eager", "flashinfer_sampler", "note", "lines", "calibrated") + _OBSERVED


@dataclass(frozen=True)
class VllmLog:
    """One start-up log: the settings (as the estimator's flags) and what vLLM reported."""

    id: str
    url: str
    version: str
    model: str
    quantization: str
    gpu: str                      # the catalogue's name, or "" for a total given in GiB
    gpu_memory_bytes: int         # the total CUDA reports
    tensor_parallel: int
    gpu_memory_utilization: float
    max_model_len: int
    observed_kind: str            # gpu_blocks | kv_cache_tokens | kv_cache_gib | refused (vLLM did not start)
    observed_value: object        # the figure, or the refusal as the log words it
    engine: str | None = None
    max_num_seqs: int | None = None
    max_num_batched_tokens: int | None = None
    kv_cache_dtype: str = "auto"
    enforce_eager: bool = False
    flashinfer_sampler: bool = False  # the log says "Using FlashInfer for top-p & top-k sampling."
    note: str = ""
    lines: tuple = ()
    calibrated: str = ""          # the constant this log helped set (the rest are held out)
    path: str = ""
    line: int = 0

    @property
    def framework(self) -> str:
        return f"vllm=={self.version}"


@dataclass(frozen=True)
class VllmLogs:
    source: dict
    logs: tuple = ()
    excluded: tuple = field(default=())
    path: str = ""


def _optional_int(entry, key, path):
    return _positive_int(entry, key, path) if key in entry else None


def _card(entry, catalogue: Catalogue, path) -> tuple:
    if ("gpu" in entry) == ("gpu_memory_gib" in entry):
        raise GeneratorError("a log names its card by gpu (from content/gpus.yaml) or gpu_memory_gib, one of them",
                             path, entry.line, "give gpu: NAME or gpu_memory_gib: TOTAL")
    if "gpu_memory_gib" in entry:
        return "", int(_positive_number(entry, "gpu_memory_gib", path) * GIB)
    name = _text(entry, "gpu", path)
    spec = catalogue.gpus.get(name)
    if spec is None or spec.cuda_bytes is None:
        raise GeneratorError(f"unknown CUDA card {shown(name)}", path, entry.line_of("gpu"),
                             "use a card of content/gpus.yaml with cuda_total_gib, or gpu_memory_gib")
    return name, spec.cuda_bytes


def _observed(entry, path) -> tuple:
    given = [key for key in _OBSERVED if key in entry]
    if len(given) != 1:
        raise GeneratorError("a log gives exactly one of " + ", ".join(_OBSERVED), path, entry.line,
                             "keep the figure the log prints")
    key = given[0]
    if key == "refused":
        return key, _text(entry, key, path)
    value = _positive_number(entry, key, path) if key == "kv_cache_gib" else _positive_int(entry, key, path)
    return key, value


def _settings(entry, catalogue: Catalogue, path) -> dict:
    model = _text(entry, "model", path)
    if model not in catalogue.models or catalogue.models[model].architecture is None:
        raise GeneratorError(f"unknown model {shown(model)}", path, entry.line_of("model"),
                             "use a model of content/models.yaml that has a config")
    for key, parse in (("quantization", parse_quantization), ("kv_cache_dtype", parse_kv_dtype)):
        if key in entry:
            try:
                parse(_text(entry, key, path))
            except GeneratorError as error:
                raise error.located(path, entry.line_of(key)) from None
    version = _text(entry, "version", path)
    try:
        profile = parse_framework(f"vllm=={version}", catalogue.frameworks)
    except GeneratorError as error:
        raise error.located(path, entry.line_of("version")) from None
    engine = entry.get("engine")
    if engine is not None and engine not in profile.vllm_engines.split():
        raise GeneratorError(f"vLLM {version} has no engine {shown(engine)}", path, entry.line_of("engine"),
                             "use one of: " + profile.vllm_engines)
    utilisation = _positive_number(entry, "gpu_memory_utilization", path)
    if not 0 < utilisation <= 1 or not math.isfinite(utilisation):
        raise GeneratorError("gpu_memory_utilization must be above 0 and at most 1", path,
                             entry.line_of("gpu_memory_utilization"), "write e.g. 0.9")
    eager = entry.get("enforce_eager", False)
    if not isinstance(eager, bool):
        raise GeneratorError("enforce_eager must be true or false", path, entry.line_of("enforce_eager"),
                             "write true or false")
    flashinfer = entry.get("flashinfer_sampler", False)
    if not isinstance(flashinfer, bool):
        raise GeneratorError("flashinfer_sampler must be true or false", path, entry.line_of("flashinfer_sampler"),
                             "write true or false")
    return {"model": model, "quantization": entry["quantization"], "version": version, "engine": engine,
            "gpu_memory_utilization": utilisation, "enforce_eager": eager, "flashinfer_sampler": flashinfer,
            "kv_cache_dtype": entry.get("kv_cache_dtype", "auto")}


def _lines(entry, path) -> tuple:
    if "lines" not in entry:
        return ()
    items = _list(entry, "lines", path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise GeneratorError("each quoted log line must be text", path, items.line_of(index), "quote the line")
    return tuple(items)


_URL = re.compile(r"https://[^\s<>()\[\]]+")


def _url(entry, path) -> str:
    url = _text(entry, "url", path)
    if not _URL.fullmatch(url):
        raise GeneratorError(f"url must be one https:// address without spaces or brackets, not {shown(url)}", path,
                             entry.line_of("url"), "give the link to the issue or pull request")
    return url


def _log(entry, catalogue: Catalogue, path) -> VllmLog:
    _check_keys(entry, path, "a vLLM log", _REQUIRED, _OPTIONAL)
    gpu, total = _card(entry, catalogue, path)
    kind, value = _observed(entry, path)
    settings = _settings(entry, catalogue, path)
    return VllmLog(
        id=_text(entry, "id", path), url=_url(entry, path), gpu=gpu, gpu_memory_bytes=total,
        tensor_parallel=_positive_int(entry, "tensor_parallel", path),
        max_model_len=_positive_int(entry, "max_model_len", path), observed_kind=kind, observed_value=value,
        max_num_seqs=_optional_int(entry, "max_num_seqs", path),
        max_num_batched_tokens=_optional_int(entry, "max_num_batched_tokens", path),
        note=_text(entry, "note", path) if "note" in entry else "", lines=_lines(entry, path),
        calibrated=_text(entry, "calibrated", path) if "calibrated" in entry else "", path=path,
        line=entry.line, **settings)


def _excluded(data, path) -> tuple:
    if "excluded" not in data:
        return ()
    items = _list(data, "excluded", path)
    found = []
    for index, item in enumerate(items):
        item = _mapping(item, path, items.line_of(index), "an excluded log")
        _check_keys(item, path, "an excluded log", ("url", "reason"))
        found.append((_url(item, path), _text(item, "reason", path)))
    return tuple(found)


def vllm_logs_from_data(data, catalogue: Catalogue, path: str) -> VllmLogs:
    data = _mapping(data, path, 1, "the vLLM logs file")
    _check_keys(data, path, "the vLLM logs file", ("source", "logs"), ("excluded",))
    logs, seen = [], {}
    entries = _list(data, "logs", path)
    for index, entry in enumerate(entries):
        log = _log(_mapping(entry, path, entries.line_of(index), "a vLLM log"), catalogue, path)
        if log.id in seen:
            raise GeneratorError(f"duplicate log id {log.id!r} (first at line {seen[log.id]})", path, log.line,
                                 "give each log its own id")
        seen[log.id] = log.line
        logs.append(log)
    return VllmLogs(_source(data, path), tuple(logs), _excluded(data, path), path)


def load_vllm_logs(path: str, catalogue: Catalogue) -> VllmLogs:
    return vllm_logs_from_data(read_yaml_file(path), catalogue, path)
