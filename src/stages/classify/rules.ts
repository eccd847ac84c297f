import type { ErrorType } from './taxonomy.js';

/**
 * Curated rules for known Flink failures. Each rule looks at one `Class: message` line of the
 * exception chain (or the log message). `specific` rules name a failure on their own;
 * `generic` ones (a bare TimeoutException, an IOException) only count when nothing specific
 * matched anywhere in the chain. Written from Flink's own messages and docs, not from a corpus.
 */
export interface Rule {
  id: string;
  type: ErrorType;
  subtype: string;
  pattern: RegExp;
  strength: 'specific' | 'generic';
}

const r = (id: string, type: ErrorType, subtype: string, pattern: RegExp, strength: Rule['strength'] = 'specific'): Rule => ({ id, type, subtype, pattern, strength });

/**
 * When no message names the failure, the root cause's top frames often name the component that
 * failed (Flink's own packages, Avro, Kryo, …). Matched against the first frames of each cause.
 */
export const FRAME_RULES: readonly Rule[] = [
  r('frames.avro', 'deserialization_error', 'avro_schema_mismatch', /^org\.apache\.avro\./),
  r('frames.protobuf', 'deserialization_error', 'protobuf_parse_error', /formats\.protobuf|^com\.google\.protobuf\./),
  r('frames.json', 'deserialization_error', 'json_parse_error', /formats\.json\.|jackson\.(?:core|databind)\./),
  r('frames.kryo', 'deserialization_error', 'kryo_serialization', /esotericsoftware\.kryo|typeutils\.runtime\.kryo/),
  r('frames.deser', 'deserialization_error', 'kafka_record_deserialization', /DeserializationSchema\.deserialize|KafkaRecordEmitter|KafkaDeserializationSchema|RecordDeserializer/),
  r('frames.restore', 'checkpoint_failure', 'state_restore_failure', /BackendRestorerProcedure|StateAssignmentOperation|\.initializeState\(|\.restoreState\(|KeyedStateBackendBuilder\.build|OperatorStateRestoreOperation/),
  r('frames.rocksdb', 'checkpoint_failure', 'state_backend_failure', /^org\.rocksdb\.|contrib\.streaming\.state\.RocksDB/),
  r('frames.checkpoint', 'checkpoint_failure', 'checkpoint_declined', /Task\.declineCheckpoint|SubtaskCheckpointCoordinator|AsyncCheckpointRunnable|CheckpointCoordinator\./),
  r('frames.buffers', 'backpressure', 'buffer_request_timeout', /LocalBufferPool\.request|BufferPool.*requestBuffer/),
];

export const RULES: readonly Rule[] = [
  // --- memory: checked first, an OOM explains most of what fails after it -------------------
  r('oom.metaspace', 'oom', 'metaspace_oom', /OutOfMemoryError:\s*(?:Metaspace|Compressed class space)|metaspace out-of-memory error|larger size of JVM metaspace|jvm-metaspace\.size/i),
  r('oom.direct', 'oom', 'direct_memory_oom', /OutOfMemoryError:\s*Direct buffer memory|Cannot reserve \d+ bytes of direct buffer memory|Cause: Direct buffer memory|direct out-of-memory error|Cannot allocate direct memory segment/i),
  r('oom.gc', 'oom', 'gc_overhead', /GC overhead limit exceeded/i),
  r('oom.heap', 'oom', 'heap_oom', /OutOfMemoryError(?::\s*(?:Java heap space|Requested array size exceeds VM limit))?|heap space-related out-of-memory error/),
  r('oom.container', 'oom', 'container_killed', /beyond (?:the )?'?(?:physical|virtual)'? memory limits?|OOMKilled|exit(?:ed)? (?:with )?(?:code|status)[:= ]*137\b|exitCode=137\b|Container (?:\[[^\]]*\] |\S+ )?(?:was |is )?killed|Killing container|killed by (?:the )?(?:kernel|OOM)|Pod .* (?:was )?evicted.*memory/i),
  r('oom.managed', 'oom', 'managed_memory_insufficient', /(?:Could not allocate|Insufficient|not enough) (?:enough )?(?:managed )?memory(?: segments)?|MemoryAllocationException|MemoryReservationException|Could not acquire the minimum required resources|exceeds the (?:managed|total) memory|fraction of memory to allocate should not be 0|managed\.consumer-weights|Could not allocate \d+ (?:pages|bytes, only \d+ bytes are remaining)|Not enough memory left to reserve from the slot's managed memory|Too little memory provided to sorter|Too few memory segments provided|Failed to acquire shared cache resource for RocksDB/i),

  // --- checkpointing and state ------------------------------------------------------------
  r('ckpt.tolerable', 'checkpoint_failure', 'checkpoint_tolerable_failures_exceeded', /Exceeded checkpoint tolerable failure threshold/i),
  r('ckpt.expired', 'checkpoint_failure', 'checkpoint_timeout', /Checkpoint (?:\d+ )?(?:of job \S+ )?expired before completing|checkpoint (?:was )?(?:aborted|canceled|cancelled) (?:due to|because of) (?:a )?timeout|Checkpoint .*timed out|CHECKPOINT_EXPIRED|late message for now expired checkpoint/i),
  r('ckpt.declined', 'checkpoint_failure', 'checkpoint_declined', /Checkpoint was declined|declined (?:the )?checkpoint|Decline checkpoint \d+ by task|CheckpointDeclined|Task .* (?:is not being executed at the moment|was not running)|Not all required tasks are currently running|CHECKPOINT_DECLINED|Aborting checkpoint|Task received cancellation from one of its inputs|Checkpoint was canceled because a barrier from newer checkpoint|before completing current checkpoint \d+\. Skipping current checkpoint|Task local checkpoint failure|checkpointing with finished tasks is not enabled|Task does not support checkpointing|Checkpoint Coordinator is suspending|CheckpointCoordinator shutdown|FailoverRegion is restarting|checkpoint alignment phase needed to buffer more|Failed to trigger (?:or complete )?checkpoint \d+ for job/i),
  r('ckpt.async-cancelled', 'checkpoint_failure', 'checkpoint_declined', /could not be completed\.?\s*(?:java\.util\.concurrent\.)?CancellationException/i),
  r('ckpt.file-missing', 'checkpoint_failure', 'checkpoint_storage_failure', /(?:FileNotFoundException|File does not exist|No such file).*(?:chk-\d+|savepoint-|checkpoints?\/|_metadata)/i),
  r('ckpt.storage', 'checkpoint_failure', 'checkpoint_storage_failure', /Could not (?:materialize|complete snapshot|perform checkpoint|flush (?:to file )?and close the file system output stream|write checkpoint|open output stream for state|(?:finalize|complete) the pending checkpoint)|Failed to (?:write|upload|persist|finalize) (?:the )?(?:checkpoint|state|metadata|data for state handles)|(?:Asynchronous|async) (?:task )?(?:checkpoint|snapshot) (?:part )?(?:of .* )?failed|asynchronous part of checkpoint \d+ could not be completed|Error while (?:uploading|writing) checkpoint|Could not (?:close|open|create) the (?:state|checkpoint) (?:stream|file|directory)|larger than the maximum permitted memory-backed state|Failure to finalize checkpoint|Failed to create (?:directory for (?:shared|task owned) state|savepoint directory|checkpoint storage)|writing checkpoint \d+ to the underlying metadata store/i),
  r('ckpt.serializer', 'deserialization_error', 'state_serializer_incompatible', /StateMigrationException|(?:new|restored) (?:state )?serializer (?:is|cannot be) incompatible|incompatible (?:state )?serializer|must not be incompatible|must be compatible with the (?:old|previous)|requires state migration|migrate RocksDB (?:list |map )?state|TypeSerializerSnapshot|state schema (?:evolution|migration)|registered with a new serializer that has incompatible schema|Incompatible (?:state names|key\/value state types)/i),
  r('ckpt.restore', 'checkpoint_failure', 'state_restore_failure', /(?:Could not|Failed to|Cannot) (?:restore|recover|rollback to|map checkpoint\/savepoint state)|Cannot map checkpoint|Failed to restore|restore (?:operator )?state backend|Exception while restoring|while restoring (?:keyed|operator) state|Savepoint .* (?:could not be|cannot be) (?:restored|found)|unable to restore|can not be restored|db history topic or its content is fully or partially missing|history topic .* (?:is )?missing|Unexpected magic number\. This can have multiple reasons|There is no operator for the state|Cannot recover from unaligned checkpoint|is not a valid file URI|Cannot (?:find|access file system for) checkpoint|Cannot find meta data file '_metadata'|Unexpected state handle type|Failed to download data for state handles|No completed checkpoint available|maximum parallelism .* (?:changed|lower than the configured parallelism)|Exception while creating StreamOperatorStateContext|Failed when trying to restore/i),
  r('ckpt.rocksdb', 'checkpoint_failure', 'state_backend_failure', /RocksDBException|RocksDB .*(?:failed|error|corrupt)|(?:failed|error) .*RocksDB|native RocksDB library|librocksdbjni|exception found in RocksDB|Could not create RocksDB data directory|No local storage directories available|Error creating ColumnFamilyHandle/i),
  r('ckpt.generic', 'checkpoint_failure', 'checkpoint_declined', /CheckpointException|checkpoint (?:failed|failure)|Trigger checkpoint failure/i, 'generic'),

  // --- deserialization --------------------------------------------------------------------
  r('deser.kafka', 'deserialization_error', 'kafka_record_deserialization', /Failed to deserialize consumer record|Error deserializing key\/value|DeserializationException|Failed to deserialize (?:the )?(?:Kafka )?record|Invalid null value received in non-upsert mode|Unable to deserialize message|Size of data received by \w*Deserializer is not|Failed to deserialize CSV row|Failed to instantiate the deserializer/i),
  r('deser.avro', 'deserialization_error', 'avro_schema_mismatch', /AvroRuntimeException|AvroTypeException|org\.apache\.avro\.|Malformed data\. Length is negative|Could not find schema with id|Unknown magic byte|Magic number does not match|Failed to deserialize Avro|Schema .* not found|^Found [\w.$]+, expecting /i),
  r('deser.json', 'deserialization_error', 'json_parse_error', /JsonParseException|JsonMappingException|MismatchedInputException|Failed to deserialize JSON|Unrecognized token|JsonEOFException|JSON pars(?:e|ing) error|(?:Failed|Unable) to parse JSON|Error (?:while )?(?:parsing|deserializing) JSON|Cannot deserialize value of type|Cannot construct instance of|Fail to deserialize at field|Corrupt (?:Debezium|Canal|Maxwell|Ogg) JSON message|Unknown "(?:op|type|op_type)" value|Some field is missing in the JSON data/i),
  r('deser.kryo', 'deserialization_error', 'kryo_serialization', /KryoException|com\.esotericsoftware\.kryo|Encountered unregistered class ID|Kryo serializer|Concurrent access to KryoSerializer|Generic types have been disabled|treated as a generic type|Serializer consumed more bytes than the record had|broken serialization logic|Error during Java (?:de)?serialization/i),
  r('deser.protobuf', 'deserialization_error', 'protobuf_parse_error', /InvalidProtocolBufferException|protobuf|deserialize PB\b/i),
  r('deser.generic', 'deserialization_error', 'kafka_record_deserialization', /SerializationException|Could not (?:de)?serialize|deserializ(?:e|ation) (?:error|failed)|EOFException.*(?:deserializ|serializ)|Serializer .* (?:cannot|could not)/i, 'generic'),

  // --- backpressure and buffers -----------------------------------------------------------
  r('bp.buffers', 'backpressure', 'insufficient_network_buffers', /Insufficient number of network buffers|Not enough (?:network )?buffers (?:available|in the pool)|Could not allocate enough memory segments for NetworkBufferPool|is too high to satisfy all of the requests/i),
  r('bp.buffer-timeout', 'backpressure', 'buffer_request_timeout', /Buffer ?pool (?:is|has)(?: already)?(?: been)? destroyed|(?:Local|Network) buffer pool has already been (?:destroyed|released)|Buffer request timeout|Timeout triggered when requesting exclusive buffers|fierce contention of the batch shuffle read memory|Timeout (?:while )?waiting for (?:a |available )?buffer|requestBufferBuilderBlocking|LocalBufferPool\.request|BufferDebloat|could not (?:request|obtain) (?:a )?(?:memory segment|buffer)/i),
  r('bp.cancel', 'backpressure', 'task_cancellation_timeout', /Task did not exit gracefully|did not react to cancell?ing signal|TaskCancelerWatchDog|Task Cancellation Watch ?Dog|cancell?ation (?:watchdog|timeout)|exception in cancell?ing task|Task .* is stuck|"(?:Canceler(?:\/Interrupts)?|Cancellation Watchdog) for /i),
  r('bp.high', 'backpressure', 'backpressure_high', /back[\s-]?pressure(?:d)? (?:is |ratio )?(?:high|detected|too high|HIGH)|back[\s-]?pressure[\s-]?(?:level|status)\W{0,4}high|isBack[Pp]ressured\W{0,4}true|(?:is|are|being) back[\s-]?pressured|high back[\s-]?pressure|backPressuredTimeMsPerSecond|busyTimeMsPerSecond.*1000|Backpressure is high|to executing it exceeded threshold/i),

  // --- network ----------------------------------------------------------------------------
  r('net.tm-lost', 'network', 'remote_task_manager_lost', /Connection unexpectedly closed by remote task manager|RemoteTransportException|LocalTransportException|Lost connection to (?:task ?manager|the JobManager)|TaskManager (?!with id \S+ is no longer reachable).* (?:is no longer reachable|disconnected|lost)|Remote (?:task manager|peer) .* (?:lost|closed)|is unexpectedly no longer running on task executor|re-registered with a new session id/i),
  r('net.heartbeat', 'network', 'heartbeat_timeout', /Heartbeat of (?:TaskManager|JobManager|ResourceManager) (?:with id \S+\s+)?timed out|heartbeat (?:request )?(?:has )?timed out|HeartbeatTimeout|The heartbeat of .* timed out|(?:TaskManager|JobManager|ResourceManager) with id \S+ is no longer reachable/i),
  r('net.kafka', 'network', 'kafka_broker_unreachable', /org\.apache\.kafka\.common\.errors\.(?:TimeoutException|NetworkException|DisconnectException)|Timeout expired (?:while|after) .*(?:metadata|fetch|commit|ms)|Timeout of \d+ ?ms expired before|Failed to (?:update|get|fetch) (?:topic )?metadata|Topic .* not present in metadata|Broker may not be available|Bootstrap broker .* disconnected|Connection to node -?\d+ .* (?:could not be established|terminated)|Failed to send data to Kafka|Expiring \d+ record\(s\) for|since batch creation|Error: (?:NETWORK_EXCEPTION|REQUEST_TIMED_OUT)|Disconnected from node -?\d+/i),
  r('net.partition', 'network', 'partition_not_found', /PartitionNotFoundException|Partition .* not found/i),
  r('net.host', 'network', 'unknown_host', /UnknownHostException|Name or service not known|nodename nor servname|Temporary failure in name resolution|DNS resolution failed|Couldn't resolve server/i),
  r('net.refused', 'network', 'connection_refused', /Connection refused|java\.net\.ConnectException|NoRouteToHostException|SocketTimeoutException|Connection reset by peer|Connection timed out|ClosedChannelException|Broken pipe/i),
  r('net.rpc', 'network', 'rpc_timeout', /AskTimeoutException|RpcTimeout|Ask timed out|RegistrationTimeoutException|Could not register at the (?:ResourceManager|JobManager)|RecipientUnreachableException|recipient is unreachable|Invocation of .* timed out|Could not (?:connect|reach) to rpc endpoint|Association (?:with remote system|to) .* (?:has failed|irrecoverably failed)|associate with unreachable remote address|has been silent for too long|akka\.pattern|pekko\.pattern/i),

  // --- other ------------------------------------------------------------------------------
  r('other.classpath', 'other', 'class_not_found', /ClassNotFoundException|NoClassDefFoundError|Could not find any factory for identifier|Cannot load user class|Could not find any format factory|Could not find a suitable table factory|NoMatchingTableFactoryException|No ExecutorFactory found|UnsupportedFileSystemSchemeException|Make sure a planner module is on the classpath|Could not find any factories that implement|Could not find a file system implementation for scheme|Hadoop is not in the classpath/i),
  r('other.linkage', 'other', 'dependency_conflict', /NoSuchMethodError|NoSuchFieldError|LinkageError|IncompatibleClassChangeError|AbstractMethodError|cannot be cast to .* (?:loader|are in unnamed module)|cannot assign instance of .* to field|ServiceConfigurationError|not a subtype|near 'MASTER STATUS'|InaccessibleObjectException|StreamCorruptedException: unexpected block data|Py4J\w*Exception: Method .* does not exist|does not "opens [\w.]+" to unnamed module/i),
  r('other.user-code', 'other', 'user_code_exception', /contains no execute\(\) calls|Cannot have more than one execute\(\)|outside of a keyed context|Error received from SDK harness|Traceback \(most recent call last\)|File "[^"]+\.pyx?", line \d+, in |requested state does not exist/i),
  r('other.sql', 'other', 'sql_validation', /SqlValidatorException|SQL validation failed|SQL parse failed|Column '.*' not found|Object '.*' not found|Cannot resolve field|Encountered .* at line \d+|CannotPlanException|There are not enough rules to produce a node|declare primary key for sink table|doesn't support consuming update(?: and delete)? changes/i),
  r('other.config', 'other', 'configuration_error', /IllegalConfigurationException|Missing required options|Unsupported options found|Invalid configuration|ConfigException|\bis required for\b|please (?:declare|set|specify|configure)\b|does not match the configured|Specify the right|check-leaked-classloader|Public Key Retrieval is not allowed|PRECONDITION_FAILED - inequivalent arg|Could not start rest endpoint on any port|Address already in use|exceeds the maximum (?:akka |pekko )?framesize|Could not create the Java Virtual Machine|Unrecognized VM option|VM option '[^']+' is experimental|Discarding oversized payload|result size \d+ exceeds the maximum size/i),
  r('other.permission', 'other', 'permission_denied', /AccessDeniedException|Permission denied|AccessControlException|403 Forbidden|Access Denied|Status Code: 403|Not authorized|Authentication failed|Failed to authenticate|SaslException|GSSException|LoginException/i),
  r('other.npe', 'other', 'null_pointer', /NullPointerException/),
  r('other.sql-class', 'other', 'sql_validation', /org\.apache\.flink\.table\.api\.(?:ValidationException|TableException|SqlParserException)|SqlParserException/, 'generic'),
  r('net.timeout-generic', 'network', 'rpc_timeout', /java\.util\.concurrent\.TimeoutException/, 'generic'),
  r('net.io-generic', 'network', 'connection_refused', /java\.net\.\w+Exception|java\.nio\.channels\.\w+Exception/, 'generic'),
];
