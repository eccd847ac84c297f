#!/usr/bin/env node
// Runs the TypeScript sources through tsx so a clone works without a build step;
// a built dist/ (npm run build) is preferred when present.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// `run` takes a second or two to load (TypeScript sources, client libraries). A SIGTERM in that
// window finds nothing started, so it is a clean stop: exit 0. The run command replaces these
// handlers with its draining ones as soon as it is loaded.
if (process.argv[2] === 'run') {
  const stopBeforeStart = () => process.exit(0);
  process.once('SIGTERM', stopBeforeStart);
  process.once('SIGINT', stopBeforeStart);
  globalThis.pipelineDoctorEarlySignalHandler = stopBeforeStart;
}
const built = join(root, 'dist', 'cli', 'main.js');
if (existsSync(built) && !process.env.PD_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
