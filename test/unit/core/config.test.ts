import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, describeEnvVars, loadConfig } from '../../../src/core/config.js';

describe('loadConfig', () => {
  it('gives working local defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.exactlyOnce).toBe(true);
    expect(config.stages).toBe('all');
    expect(config.runner.retry).toEqual({ maxAttempts: 6, minMs: 200, maxMs: 5000 });
  });

  it('lists every problem at once and never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig({ PD_BATCH_MAX_RECORDS: 'lots', PD_HTTP_PORT: '70000', MYSQL_URL: 'postgres://u:hunter2@h/db', PD_BATCH_MAX_RECORD: '5' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PD_BATCH_MAX_RECORDS/);
    expect(problems).toMatch(/PD_HTTP_PORT/);
    expect(problems).toMatch(/MYSQL_URL=\*\*\*/);
    expect(problems).toMatch(/PD_BATCH_MAX_RECORD: unknown variable/);
    expect(problems).not.toContain('hunter2');
  });

  it('requires SASL credentials when a mechanism is set', () => {
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/);
  });

  it('parses lists and booleans', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', PD_STAGES: 'ingest', PD_EXACTLY_ONCE: 'false' });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.stages).toEqual(['ingest']);
    expect(config.exactlyOnce).toBe(false);
  });

  it('documents every variable', () => {
    const doc = describeEnvVars();
    for (const name of Object.keys(ENV_VARS)) expect(doc).toContain(`\`${name}\``);
  });
});

describe('docs/configuration.md', () => {
  it('matches the declared variables (regenerate: node bin/pipeline-doctor.js config)', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { PACKAGE_ROOT } = await import('../../../src/core/paths.js');
    expect(readFileSync(join(PACKAGE_ROOT, 'docs', 'configuration.md'), 'utf8')).toContain(describeEnvVars());
  });
});
