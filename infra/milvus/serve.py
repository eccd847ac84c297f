"""Runs the Milvus standalone server that the PyPI package `milvus` (2.3.x) ships, for the
local stack (src/stack/services/milvus.ts).

Why not its `milvus-server` CLI: that is a Python parent that keeps running after the real
server died and does not pass SIGTERM on, so the PID the stack records would be the wrong
process. This script does the same preparation with the package's own helpers (unpack the
binary, write configs/milvus.yaml from the package's template) and then *execs* the server,
so the recorded PID is Milvus itself and `stack down` stops it.

  serve.py --home DIR --unpack-only      unpack bin/milvus + its libraries into DIR (once)
  serve.py --home DIR --data DIR ...     prepare DATA/configs, then exec DIR/bin/milvus

Ports are fixed (bind failure = error), unlike the CLI which silently moves to the next free
port: clients are configured with these numbers. Milvus's internal ports (13333, 19529, 19531,
21121-21124, 22930, 53100) take the first free port from their defaults.
"""

import argparse
import os
import socket
import sys

import milvus  # PyPI `milvus`, see infra/milvus/requirements.txt
from milvus import MilvusServerConfig


def unpack(home: str) -> str:
    # Decompresses <wheel>/data/bin/*.lzma into <home>/bin; skips files whose .md5 matches.
    milvus._initialize_data_files(home)
    exe = os.path.join(home, "bin", "milvus")
    if not os.access(exe, os.X_OK):
        sys.exit(f"{exe} missing after unpacking milvus {milvus.__version__}")
    return exe


class Config(MilvusServerConfig):
    def try_bind_port(self, port):
        # The package's check binds without SO_REUSEADDR, so it fails for a minute after a
        # restart (connections of the previous run in TIME_WAIT) although Milvus itself, a Go
        # server, binds fine. A port someone listens on still fails here.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
            return sock
        except OSError:
            sock.close()
            return None


def write_config(args: argparse.Namespace) -> None:
    # Passing the ports to the constructor makes them explicit: bound or RuntimeError.
    cfg = Config(data_dir=args.data, proxy_port=args.port, etcd_port=args.etcd_port)
    # MilvusServerConfig.resolve(), with our log settings between storage and write.
    cfg.cleanup_listen_ports()
    cfg.resolve_all_listen_ports()
    cfg.resolve_storage()  # <data>/configs, <data>/data (etcd, rocksmq, segments)
    cfg.set("system_log_path", "")  # no log files: stdout only, which the stack writes to milvus.log
    cfg.set("etcd_log_path", "stdout")
    cfg.set("etcd_log_level", args.log_level)
    cfg.set("log.level", args.log_level)
    # Milvus 2.3.5 panics at the end of a SIGTERM shutdown before it revokes its etcd sessions,
    # and the next start waits for the stale ones to expire: 30 s by default. The lease is kept
    # alive every ttl/3 by the same process (etcd is embedded), so a short TTL is safe here.
    cfg.set("common.session.ttl", args.session_ttl)
    unresolved = [k for k, v in cfg.configurable_items.items() if v[1] is None]
    if unresolved:
        sys.exit(f"unresolved milvus config items: {', '.join(unresolved)}")
    cfg.cleanup_listen_ports()
    cfg.write_config()  # <data>/configs/milvus.yaml + glog.conf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="where bin/milvus is unpacked (a cache dir)")
    ap.add_argument("--unpack-only", action="store_true")
    ap.add_argument("--data", help="data, config and runtime dir (the stack's milvus dir)")
    ap.add_argument("--port", type=int, default=19530, help="gRPC port clients use")
    ap.add_argument("--health-port", type=int, default=9091, help="HTTP /healthz and /metrics")
    ap.add_argument("--etcd-port", type=int, default=2379, help="embedded etcd client port")
    ap.add_argument("--log-level", default="warn", choices=["debug", "info", "warn", "error"])
    ap.add_argument("--session-ttl", type=int, default=10, help="etcd session lease, seconds (Milvus: 30)")
    args = ap.parse_args()

    exe = unpack(args.home)
    if args.unpack_only:
        return
    if not args.data:
        ap.error("--data is required unless --unpack-only")
    args.data = os.path.abspath(args.data)
    write_config(args)

    bin_dir = os.path.dirname(exe)
    env = dict(os.environ)
    env.update(
        DEPLOY_MODE="STANDALONE",
        METRICS_PORT=str(args.health_port),
        MILVUSCONF=os.path.join(args.data, "configs"),
        # The wheel bundles libknowhere, libstdc++, openblas, ... next to the binary.
        LD_LIBRARY_PATH=":".join(p for p in (bin_dir, os.environ.get("LD_LIBRARY_PATH")) if p),
    )
    os.chdir(args.data)  # Milvus also looks for ./configs
    print(f"exec {exe} run standalone (milvus {milvus.__version__}, port {args.port})", flush=True)
    os.execve(exe, [exe, "run", "standalone"], env)


if __name__ == "__main__":
    main()
