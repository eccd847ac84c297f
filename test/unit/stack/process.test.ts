import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, pollUntil, recordedPid, startProcess, stopRecordedProcess } from '../../../src/stack/process.js';
import type { StackContext } from '../../../src/stack/service.js';

const dirs: string[] = [];
function context(): StackContext {
  const dir = mkdtempSync(join(tmpdir(), 'pd-proc-'));
  dirs.push(dir);
  return { repoRoot: dir, cacheDir: dir, dir, logFile: join(dir, 'svc.log'), pidFile: join(dir, 'svc.pid'), deadline: Date.now() + 10_000, say: () => {} };
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('stack processes', () => {
  it('waits for a started process that replaces itself by exec, and stops it', async () => {
    const ctx = context();
    // A launcher that execs its server, as the Milvus and Kafka launchers do.
    const pid = await startProcess(ctx, { command: 'sh', args: ['-c', 'exec sleep 30'] });
    let probes = 0;
    const ready = await pollUntil(ctx, 'readiness', async () => {
      if (++probes < 4) throw new Error('not yet');
      return 'up';
    }, pid, 20);
    expect(ready).toBe('up');
    expect(recordedPid(ctx)).toBe(pid);
    await stopRecordedProcess(ctx, 5_000);
    expect(isRunning(pid)).toBe(false);
    expect(recordedPid(ctx)).toBeUndefined();
  });

  it('says so at once when the started process dies before it is ready', async () => {
    const ctx = context();
    const pid = await startProcess(ctx, { command: 'sh', args: ['-c', 'exit 3'] });
    await expect(pollUntil(ctx, 'readiness', async () => { throw new Error('refused'); }, pid, 20)).rejects.toThrow(`process ${pid} exited while waiting for readiness`);
  });

  it('never takes a recorded pid of a process it did not start for its own', () => {
    const ctx = context();
    writeFileSync(ctx.pidFile, `${process.pid}\n`); // alive, but without the ownership mark
    expect(isRunning(process.pid)).toBe(true);
    expect(recordedPid(ctx)).toBeUndefined();
  });
});
