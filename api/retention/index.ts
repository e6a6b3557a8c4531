/** Data lifecycle: the retention sweeper, the event tables' time partitions, and the locks they share. */
export { Sweeper, type SweeperOptions, type SweepReport } from './sweeper';
export { RetentionMetrics, type RetentionSettings, type PrunedTable } from './metrics';
export {
  EVENT_TABLES,
  ensureEventPartitions,
  ensurePartitions,
  listPartitions,
  partitionIntervalMs,
  partitionPlan,
  boundAt,
  type EventTable,
  type Partition,
  type PartitionPlan,
} from './partitions';
export { LOCKS, holdRequeueLock } from './locks';
export { parseDuration, formatDuration } from './duration';
