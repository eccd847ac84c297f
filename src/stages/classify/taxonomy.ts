/**
 * The labels the classifier emits (SPEC §4 "Classify"). `none` is for a line that is not an
 * error. Subtypes refine a type; the corpus in test/fixtures/flink-errors uses exactly these.
 */
export const ERROR_TYPES = ['checkpoint_failure', 'backpressure', 'deserialization_error', 'oom', 'network', 'other'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];
export type Label = ErrorType | 'none';

export const SUBTYPES: Record<ErrorType, readonly string[]> = {
  checkpoint_failure: [
    'checkpoint_timeout', // "Checkpoint expired before completing"
    'checkpoint_declined', // declined by a task (task not running, barrier alignment, ...)
    'checkpoint_tolerable_failures_exceeded', // "Exceeded checkpoint tolerable failure threshold"
    'checkpoint_storage_failure', // writing/reading state to the checkpoint file system failed
    'state_restore_failure', // restoring from a checkpoint/savepoint failed, incompatible state
    'state_backend_failure', // RocksDB / state backend errors
  ],
  backpressure: [
    'backpressure_high', // sustained backpressure, slow downstream operator or sink
    'insufficient_network_buffers', // "Insufficient number of network buffers"
    'buffer_request_timeout', // waiting for buffers / output flusher / buffer pool destroyed under load
    'task_cancellation_timeout', // task did not exit / cancellation watchdog under backpressure
  ],
  deserialization_error: [
    'kafka_record_deserialization', // "Failed to deserialize consumer record"
    'avro_schema_mismatch',
    'json_parse_error',
    'kryo_serialization', // Kryo / POJO serializer errors
    'state_serializer_incompatible', // state schema evolution / serializer incompatibility
    'protobuf_parse_error',
  ],
  oom: [
    'heap_oom', // java.lang.OutOfMemoryError: Java heap space
    'metaspace_oom', // OutOfMemoryError: Metaspace
    'direct_memory_oom', // OutOfMemoryError: Direct buffer memory
    'gc_overhead', // GC overhead limit exceeded
    'container_killed', // YARN/Kubernetes killed the container for memory (exit 137, beyond limits)
    'managed_memory_insufficient', // not enough managed memory / memory segments
  ],
  network: [
    'kafka_broker_unreachable', // Kafka client cannot reach brokers, metadata timeouts
    'connection_refused', // java.net.ConnectException: Connection refused
    'remote_task_manager_lost', // "Connection unexpectedly closed by remote task manager"
    'heartbeat_timeout', // TaskManager/JobManager heartbeat timed out
    'rpc_timeout', // Akka/Pekko ask timeouts, RPC timeouts
    'unknown_host', // DNS resolution failed
    'partition_not_found', // PartitionNotFoundException, producer partition gone
  ],
  other: [
    'class_not_found', // ClassNotFoundException / NoClassDefFoundError
    'dependency_conflict', // NoSuchMethodError, LinkageError, incompatible versions
    'null_pointer',
    'sql_validation', // Flink SQL planner/validation errors
    'configuration_error', // IllegalConfigurationException, missing options
    'permission_denied', // access denied on files, S3, HDFS
    'user_code_exception', // an exception thrown by the job's own functions
    'unknown',
  ],
};
