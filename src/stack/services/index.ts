// The services `stack up` knows, in start order (down runs in reverse). JVMs are started one
// after another: on 2 cores, starting them together more than doubles each start-up.
// Milvus and the LLM come last: nothing else depends on them, and `stack up kafka ...` can
// leave them out. To add a service (Flink...): write ./<name>.ts exporting a StackService and
// add it here.
import type { StackService } from '../service.js';
import { apicurio } from './apicurio.js';
import { connect } from './connect.js';
import { kafka } from './kafka.js';
import { llm } from './llm.js';
import { mariadb } from './mariadb.js';
import { milvus } from './milvus.js';

export const SERVICES: readonly StackService[] = [kafka, apicurio, mariadb, connect, milvus, llm];
