/** Confluent-compatible schema registry, as the pipeline needs it. */
export interface SchemaRegistryPort {
  /** Registers (or finds) a schema under a subject; returns its global id. */
  register(subject: string, type: 'AVRO' | 'JSON', schema: string): Promise<number>;
  /** Encodes a value with the Confluent wire format (magic byte 0, 4-byte schema id, payload). */
  encode(schemaId: number, value: unknown): Promise<Buffer>;
  /**
   * Decodes a framed payload. Throws PermanentError (unknown id, undecodable payload) or
   * TransientError (registry unreachable).
   */
  decode(framed: Buffer): Promise<{ schemaId: number; value: unknown }>;
  subjects(): Promise<string[]>;
}
