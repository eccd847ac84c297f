// Programmatic API of the local stack, for tests and scripts:
//   import { stackUp, KAFKA_BROKERS } from '../src/stack/index.js';
export {
  KAFKA_BROKERS,
  LLM_CHAT_URL,
  LLM_EMBEDDINGS_URL,
  MILVUS_ADDRESS,
  MYSQL_URL,
  SCHEMA_REGISTRY_URL,
  cacheDir,
  stackDir,
} from './config.js';
export { milvusHealth } from './services/milvus.js';
export type { StackContext, StackService } from './service.js';
export { SERVICES } from './services/index.js';
export {
  type ServiceStatus,
  type StackOptions,
  StackError,
  serviceNames,
  stackDown,
  stackStatus,
  stackUp,
} from './stack.js';
