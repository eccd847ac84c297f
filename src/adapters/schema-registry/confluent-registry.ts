import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { PermanentError, TransientError, errorMessage } from '../../core/errors.js';
import type { SchemaRegistryPort } from '../../ports/schema-registry.js';
import pRetry from 'p-retry';

/** Apicurio's answer to the loser of two concurrent first registrations of a subject. */
// Two races of a first registration by several processes: Apicurio's "rule … already exists"; and
// the client library's compatibility check reading the subject between another process's
// registration and its compatibility update (NONE for a moment). Both settle on a retry; a real
// mismatch still fails after the retries.
const CONCURRENT_REGISTRATION = /rule named '\w+' already exists|Compatibility does not match the configuration/i;

/** Where the registry said "no such schema": the input is wrong, retrying cannot help. */
function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'status' in err && (err as { status: number }).status === 404;
}

/**
 * mappersmith (under the registry client) reports network failures as HTTP 400 with the socket
 * error in the message; those must be retried, never dead-lettered.
 */
const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|timeout/i;

/** True for HTTP answers that will never change (4xx other than throttling and network failures). */
function isClientError(err: unknown): boolean {
  const status = typeof err === 'object' && err !== null && 'status' in err ? (err as { status: number }).status : 0;
  return status >= 400 && status < 500 && status !== 408 && status !== 429 && !NETWORK_FAILURE.test(errorMessage(err));
}

/**
 * Avro `long` as a JS number even past 2^53, rounded like JSON.parse rounds the same digits.
 * avsc's own long type throws "potential precision loss" there, and every Debezium 3 envelope
 * carries nanosecond timestamps (ts_ns, source.ts_ns ~1.8e18), so without this no Avro change
 * event could be decoded. The JSON topics carry the same digits, which JSON.parse rounds alike;
 * ts_ms and the row columns are far below 2^53, so they stay exact. Encoding still only takes
 * safe integers, as before.
 */
const lenientLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => Number(buf.readBigInt64LE()),
  toBuffer: (n: number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: Number,
  toJSON: Number,
  isValid: (n: unknown) => Number.isSafeInteger(n),
  compare: (a: number, b: number) => (a === b ? 0 : a < b ? -1 : 1),
});

/** avsc typeHook: every `long` (bare or `{type: "long", ...}` with Connect/Debezium attributes). */
function longAsNumber(schema: unknown): avro.Type | undefined {
  const isLong = schema === 'long' || (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long');
  return isLong ? lenientLong : undefined;
}

/** @kafkajs/confluent-schema-registry against any Confluent-compatible API (Apicurio ccompat here). */
export class ConfluentSchemaRegistry implements SchemaRegistryPort {
  private readonly registry: SchemaRegistry;

  constructor(private readonly options: { url: string; auth?: { username: string; password: string } }) {
    this.registry = new SchemaRegistry(
      { host: options.url, auth: options.auth, retry: { retries: 2 } },
      { [SchemaType.AVRO]: { typeHook: longAsNumber } },
    );
  }

  /**
   * Idempotent: the same schema under the same subject gets the same id. Two processes
   * registering a new subject at once race (see CONCURRENT_REGISTRATION); the subject exists by
   * then, so registering again succeeds.
   */
  async register(subject: string, type: 'AVRO' | 'JSON', schema: string): Promise<number> {
    const once = async () => (await this.registry.register({ type: type === 'AVRO' ? SchemaType.AVRO : SchemaType.JSON, schema }, { subject })).id;
    return pRetry(once, { retries: 3, minTimeout: 100, shouldRetry: ({ error }) => CONCURRENT_REGISTRATION.test(errorMessage(error)) });
  }

  encode(schemaId: number, value: unknown): Promise<Buffer> {
    return this.registry.encode(schemaId, value);
  }

  async decode(framed: Buffer): Promise<{ schemaId: number; value: unknown }> {
    const schemaId = framed.readUInt32BE(1);
    try {
      await this.registry.getSchema(schemaId);
    } catch (err) {
      if (isNotFound(err) && !NETWORK_FAILURE.test(errorMessage(err))) throw new PermanentError('unknown_schema_id', `schema id ${schemaId} is not in the registry`, { cause: err });
      if (isClientError(err)) throw new PermanentError('unknown_schema_id', `registry refused schema id ${schemaId}: ${errorMessage(err)}`, { cause: err });
      throw new TransientError('schema-registry', `cannot fetch schema id ${schemaId}: ${errorMessage(err)}`, { cause: err });
    }
    try {
      return { schemaId, value: await this.registry.decode(framed) };
    } catch (err) {
      throw new PermanentError('undecodable_registry_payload', `payload does not match schema id ${schemaId}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async subjects(): Promise<string[]> {
    const auth = this.options.auth;
    const response = await fetch(`${this.options.url.replace(/\/$/, '')}/subjects`, {
      headers: auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {},
    });
    if (!response.ok) throw new TransientError('schema-registry', `GET /subjects answered ${response.status}`);
    return (await response.json()) as string[];
  }
}
