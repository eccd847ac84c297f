import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Broker } from '../../ports/broker.js';
import { KafkajsBroker } from './kafkajs-broker.js';

/** Picks the Kafka client library behind the broker port (KAFKA_CLIENT). */
export async function createBroker(kafka: Config['kafka'], logger: Logger): Promise<Broker> {
  if (kafka.client === 'confluent') {
    // Optional dependency with a native build: loaded only when asked for.
    const { ConfluentBroker } = await import('./confluent-broker.js');
    return ConfluentBroker.create(kafka, logger);
  }
  return new KafkajsBroker(kafka, logger);
}
