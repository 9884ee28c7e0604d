"""llama.cpp's buffers as this estimator models them, against the sizes llama.cpp printed in its load logs.

Pure: log records in, numbers out. Each log is re-estimated from its own settings (n_ctx as llama.cpp printed
it, so already padded; n_ubatch; flash attention; cache type; layers offloaded) with the build's profile for the
caches that changed by build (SWA, MLA); nothing is fitted to a log.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.calc.llamacpp import LlamaCppRun, llamacpp_memory

MIB = 2 ** 20


@dataclass(frozen=True)
class LogComparison:
    log: object
    model_mib: float
    kv_mib: float
    compute_mib: float

    @property
    def total_mib(self) -> float:
        return self.model_mib + self.kv_mib + self.compute_mib

    @property
    def kv_error_pct(self) -> float:
        return (self.kv_mib - self.log.kv_mib) / self.log.kv_mib * 100

    @property
    def model_error_pct(self) -> float:
        return (self.model_mib - self.log.model_mib) / self.log.model_mib * 100

    @property
    def compute_error_pct(self) -> float:
        return (self.compute_mib - self.log.compute_mib) / self.log.compute_mib * 100

    @property
    def total_error_pct(self) -> float:
        return (self.total_mib - self.log.total_mib) / self.log.total_mib * 100


@dataclass(frozen=True)
class LogValidation:
    rows: tuple
    kv_mape: float
    total_mape: float
    total_worst_pct: float


def compare_log(log, profile) -> LogComparison:
    """``profile``: the llama.cpp FrameworkProfile of the log's build (its SWA and MLA caches)."""
    run = LlamaCppRun(n_ctx=log.n_ctx, n_ubatch=min(log.n_ubatch, log.n_ctx), flash_attention=log.flash_attn,
                      n_gpu_layers=log.n_gpu_layers, gpus=1, kv_type=log.kv_type, swa_cache=profile.swa_cache,
                      mla_latent_cache=profile.mla_compressed_cache, mla_v_cache=profile.mla_v_cache)
    memory = llamacpp_memory(log.arch, log.quantization, run)
    return LogComparison(log, sum(memory.model) / MIB, sum(memory.kv) / MIB, sum(memory.compute) / MIB)


def validate_logs(logs, profile_of) -> LogValidation:
    """``profile_of(build)`` gives the llama.cpp profile of a build number (None: the oldest profile)."""
    rows = tuple(compare_log(log, profile_of(log.build)) for log in logs)
    kv = [abs(r.kv_error_pct) for r in rows]
    total = [abs(r.total_error_pct) for r in rows]
    return LogValidation(rows, sum(kv) / len(kv), sum(total) / len(total), max(total))
