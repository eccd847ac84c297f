// The services `stack up` knows, in start order (down runs in reverse). JVMs are started one
// after another: on 2 cores, starting them together more than doubles each start-up.
// To add a service (Milvus, an LLM server, Kafka Connect, Flink...): write ./<name>.ts
// exporting a StackService and add it here.
import type { StackService } from '../service.js';
import { apicurio } from './apicurio.js';
import { connect } from './connect.js';
import { kafka } from './kafka.js';
import { mariadb } from './mariadb.js';

export const SERVICES: readonly StackService[] = [kafka, apicurio, mariadb, connect];
