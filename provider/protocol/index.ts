/**
 * The protocol layer's public surface: what resources, data sources and the provider definition use.
 * Everything about gRPC, msgpack and the handshake stays behind it.
 */
export { Diagnostics, DiagnosticError, formatPath } from './diagnostics';
export type { AttributePath, Diagnostic, PathStep } from './diagnostics';
export type { Logger, LogLevel } from './log';
export { logThreshold, sinceStart, stderrLogger } from './log';
export type { ConfigureContext, DataSourceType, ProviderDefinition, ResourceType } from './resource';
export type { AttributeSchema, Attributes, BlockSchema } from './schema';
export { serve, StartupError } from './serve';
export { UNKNOWN, isUnknown, isWhollyKnown } from './values';
export type { ObjectValue, Value } from './values';
