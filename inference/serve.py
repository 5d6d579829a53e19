"""`fennec serve`: load a model, start the scheduler, serve the API until stopped."""

from __future__ import annotations

import os
import secrets
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from inference.api_keys import ApiKeyStore
from inference.drain import draining_server
from inference.errors import FennecError
from inference.key_gate import KeyGate, RateLimiter
from inference.memory_check import MemoryOptions
from inference.model_source import load_engine, pick_engine, resolve
from inference.office import OfficeError, OfficeOptions, tls_config
from inference.parent_watch import exit_soon, watch_parent
from inference.scheduler import Scheduler
from inference.serve_env import cluster_settings
from inference.server import LOOPBACK_HOSTS, create_app


@dataclass(frozen=True)
class ServeOptions:
    model: str
    engine: str = "auto"
    host: str = "127.0.0.1"
    port: int = 0
    token_file: Path | None = None
    max_batch: int = 8
    preset: str = "cool"
    thermal_sim: str | None = None  # a device profile: close the loop through the simulation
    governor: bool = True
    temperature_source: str = "auto"
    exit_with_parent: bool = False  # stdin is the parent's pipe: its EOF means the app is gone
    adapter: Path | None = None  # a LoRA adapter folder (fennec tune) for this model
    office: OfficeOptions = OfficeOptions()  # TLS, per-user keys, named hosts
    idle_unload_minutes: float = 10.0  # free the model after this long without work; 0: never
    memory: MemoryOptions = MemoryOptions()  # context, KV precision, prompt-cache files


def write_secret_file(path: Path, secret: str) -> None:
    """Write a secret readable by the owner only (0600), created that way, never widened."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, secret.encode())
    finally:
        os.close(fd)


def exposure_warning(host: str, tls: bool = False) -> str | None:
    """What to tell someone who binds beyond loopback (the token is required all the same)."""
    if host in LOOPBACK_HOSTS:
        return None
    transport = (
        "over TLS" if tls else "and the API is plain HTTP (use --tls-cert/--tls-key or a TLS proxy)"
    )
    return (
        f"fennec: warning: listening on {host}: other machines on the network can reach this "
        f"worker; every request still needs the bearer token or a user key, {transport}"
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(options: ServeOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the worker; returns the process exit code. Known failures print one clear line."""
    import uvicorn

    server_box: list = []  # the uvicorn server once it exists: the parent watch stops it

    def parent_gone() -> None:
        try:
            print(
                "fennec: the app that started this worker is gone; stopping", file=err, flush=True
            )
        except (OSError, ValueError):
            pass  # its end of our output pipe is gone with it
        if not server_box:
            os._exit(1)  # still loading: nothing to save, nobody to answer
        server_box[0].should_exit = True
        exit_soon()

    if options.exit_with_parent:
        watch_parent(parent_gone)
    try:
        # A worker the app supervises has nobody to finish streams for once the app quits.
        cluster = cluster_settings(default_grace_s=0.0 if options.exit_with_parent else None)
        tls = tls_config(options.office)
    except (ValueError, OfficeError) as e:
        print(f"fennec: error: {e}", file=err, flush=True)
        return 2
    try:
        files = resolve(options.model)
        choice = pick_engine(files, options.engine)
        if options.adapter is not None:  # refused here, before loading, when it is another model's
            from inference.adapter_meta import check_adapter

            check_adapter(options.adapter, files)
        scheduler = Scheduler(
            lambda: load_engine(files, choice.engine, options.adapter, options.memory),
            max_batch=options.max_batch,
            idle_unload_s=max(0.0, options.idle_unload_minutes) * 60,
        )
        info = scheduler.start()
    except FennecError as e:
        print(f"fennec: error: {e}", file=err, flush=True)
        return 2
    try:
        sock = _bind(options.host, options.port)
    except OSError as e:
        print(
            f"fennec: error: cannot listen on {options.host}:{options.port}: {e.strerror}", file=err
        )
        scheduler.stop()
        return 2
    warning = exposure_warning(options.host, tls=options.office.tls)
    if warning:
        print(warning, file=err, flush=True)
    token = cluster.token or secrets.token_urlsafe(32)
    if options.token_file is not None:
        write_secret_file(options.token_file, token)
        where_token = f"token in {options.token_file}"
    elif cluster.token is not None:
        where_token = "token from FENNEC_TOKEN"
    else:
        where_token = f"token {token}"
    try:
        loop = _thermal_loop(options, scheduler)
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f"fennec: error: thermal setup: {e}", file=err, flush=True)
        scheduler.stop()
        sock.close()
        return 2
    extra = frozenset() if options.host in LOOPBACK_HOSTS else frozenset({options.host})
    extra |= cluster.allowed_hosts | options.office.allowed_hosts
    adapter_name = options.adapter.name if options.adapter is not None else None  # LoRA
    app = create_app(
        scheduler,
        token,
        extra_hosts=extra,
        status_extras=[
            lambda: {"engine_reason": choice.reason, "adapter": adapter_name},
            kv_status(files, choice.engine, options.memory),
        ]
        + ([loop.status_extra] if loop else []),
        set_preset=loop.set_preset if loop else None,
    )
    app.state.drain.grace_s = cluster.drain_grace_s
    if options.office.api_keys is not None:  # outermost: a user's key becomes the token
        keys = ApiKeyStore(options.office.api_keys)
        app.add_middleware(KeyGate, store=keys, worker_token=token, limiter=RateLimiter())
    server = draining_server(
        uvicorn.Config(
            app, log_level="warning", timeout_graceful_shutdown=2, access_log=False, **tls
        ),
        app.state.drain,
        lambda line: print(line, file=err, flush=True),
    )
    server_box.append(server)
    port = sock.getsockname()[1]
    shown_host = f"[{options.host}]" if ":" in options.host else options.host
    url = f"{'https' if tls else 'http'}://{shown_host}:{port}/v1"

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.02)
        if server.started:
            print(
                f"fennec: serving {info.model} on {url} (engine {info.name}, {info.device}, "
                f"{info.batching} batching; {choice.reason}); {where_token}",
                file=out,
                flush=True,
            )

    threading.Thread(target=announce, daemon=True).start()
    if loop is not None:
        loop.start()
    try:
        server.run(sockets=[sock])
    finally:
        if loop is not None:
            loop.stop()
        scheduler.stop()
        sock.close()
    return 0


def kv_status(files, engine: str, memory: MemoryOptions):
    """The status fields of the KV cache: its precision and memory per 1,000 tokens."""
    from inference.kv_memory import model_kv_shape

    path = files.mlx_dir if engine == "mlx" else files.gguf_file
    try:
        per_1k = model_kv_shape(path).bytes_per_1k(memory.kv_bits)
    except Exception:  # an odd config: the figure is a courtesy, not a reason to fail
        per_1k = None
    body = {"kv_bits": memory.kv_bits, "kv_bytes_per_1k_tokens": per_1k}
    return lambda: body


def _thermal_loop(options: ServeOptions, scheduler: Scheduler):
    """The governor on real sensors, or on a simulated laptop with --thermal-sim."""
    if not options.governor:
        return None
    from inference.thermal_loop import ThermalLoop, build_governor
    from thermal.governor import PRESETS

    if options.preset not in PRESETS:
        raise ValueError(f"unknown preset {options.preset!r}; choose one of {', '.join(PRESETS)}")
    if options.thermal_sim:
        from thermal.profiles import load_profile
        from thermal.sensors.simulated import SimulatedLaptop

        profile = load_profile(options.thermal_sim)
        source = SimulatedLaptop(profile)
        governor = build_governor(options.preset, options.max_batch, profile)
    else:
        from thermal.sensors.platform import platform_sensors

        source = platform_sensors()
        governor = build_governor(options.preset, options.max_batch, None)
    return ThermalLoop(
        scheduler, source, governor, options.preset, prefer=options.temperature_source
    )
