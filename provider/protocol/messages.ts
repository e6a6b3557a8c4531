/**
 * The protocol messages we exchange with Terraform (plugin protocol 6, package `tfplugin6`) and with the
 * go-plugin host (package `plugin`), as field tables for ./wire.ts.
 *
 * Field numbers follow the public protocol definition of tfplugin6 (minor version 6.8 and later, which are
 * wire-compatible additions). Only the fields this provider reads or writes are listed; the decoder skips
 * the rest, which is also how newer minor versions stay compatible.
 */
import type { MessageDescriptor } from './wire';

// ---- Shared value and diagnostic messages ----

/** A Terraform value; we always send msgpack (field 1). Terraform sends JSON only in RawState. */
export interface DynamicValue {
  msgpack: Uint8Array;
  json: Uint8Array;
}
export const DynamicValue: MessageDescriptor = [
  { no: 1, name: 'msgpack', kind: 'bytes' },
  { no: 2, name: 'json', kind: 'bytes' },
];

/** One step of an attribute path; exactly one selector is set (a oneof on the wire). */
export interface PathStepMessage {
  attribute_name?: string;
  element_key_string?: string;
  element_key_int?: number;
}
export const PathStep: MessageDescriptor = [
  { no: 1, name: 'attribute_name', kind: 'string', oneof: true },
  { no: 2, name: 'element_key_string', kind: 'string', oneof: true },
  { no: 3, name: 'element_key_int', kind: 'int64', oneof: true },
];

export const AttributePath: MessageDescriptor = [
  { no: 1, name: 'steps', kind: 'message', repeated: true, message: () => PathStep },
];

/** Severity enum: 0 invalid, 1 error, 2 warning. */
export const SEVERITY_ERROR = 1;
export const SEVERITY_WARNING = 2;

export interface DiagnosticMessage {
  severity: number;
  summary: string;
  detail: string;
  attribute?: { steps: PathStepMessage[] };
}
export const Diagnostic: MessageDescriptor = [
  { no: 1, name: 'severity', kind: 'enum' },
  { no: 2, name: 'summary', kind: 'string' },
  { no: 3, name: 'detail', kind: 'string' },
  { no: 4, name: 'attribute', kind: 'message', message: () => AttributePath },
];

const diagnostics = (no: number) =>
  ({ no, name: 'diagnostics', kind: 'message', repeated: true, message: () => Diagnostic }) as const;
const dynamic = (no: number, name: string) => ({ no, name, kind: 'message', message: () => DynamicValue }) as const;

// ---- Schemas ----

/** Nesting mode of a nested attribute type (Schema.Object.NestingMode). */
export const NESTING_SINGLE = 1;
export const NESTING_LIST = 2;
export const NESTING_SET = 3;
export const NESTING_MAP = 4;

/** StringKind: 0 plain, 1 markdown. */
export const STRING_KIND_MARKDOWN = 1;

export const SchemaAttribute: MessageDescriptor = [
  { no: 1, name: 'name', kind: 'string' },
  // JSON-encoded type constraint, e.g. "string" or ["set","string"]; empty when nested_type is set.
  { no: 2, name: 'type', kind: 'bytes' },
  { no: 3, name: 'description', kind: 'string' },
  { no: 4, name: 'required', kind: 'bool' },
  { no: 5, name: 'optional', kind: 'bool' },
  { no: 6, name: 'computed', kind: 'bool' },
  { no: 7, name: 'sensitive', kind: 'bool' },
  { no: 8, name: 'description_kind', kind: 'enum' },
  { no: 9, name: 'deprecated', kind: 'bool' },
  // Protocol 6 only: an attribute whose value is an object or a collection of objects.
  { no: 10, name: 'nested_type', kind: 'message', message: () => SchemaObject },
  // Protocol 6.8 (Terraform 1.11): the value reaches the provider in configuration only, never plan or state.
  { no: 11, name: 'write_only', kind: 'bool' },
];

export const SchemaObject: MessageDescriptor = [
  { no: 1, name: 'attributes', kind: 'message', repeated: true, message: () => SchemaAttribute },
  { no: 3, name: 'nesting', kind: 'enum' },
];

export const SchemaBlock: MessageDescriptor = [
  { no: 1, name: 'version', kind: 'int64' },
  { no: 2, name: 'attributes', kind: 'message', repeated: true, message: () => SchemaAttribute },
  { no: 4, name: 'description', kind: 'string' },
  { no: 5, name: 'description_kind', kind: 'enum' },
];

export const Schema: MessageDescriptor = [
  { no: 1, name: 'version', kind: 'int64' },
  { no: 2, name: 'block', kind: 'message', message: () => SchemaBlock },
];

export const ServerCapabilities: MessageDescriptor = [
  { no: 1, name: 'plan_destroy', kind: 'bool' },
  // Lets Terraform reuse a cached schema instead of asking every launched process again.
  { no: 2, name: 'get_provider_schema_optional', kind: 'bool' },
];

/** What the Terraform CLI supports, sent with some requests (absent from older CLIs: every flag false). */
export interface ClientCapabilitiesMessage {
  deferral_allowed?: boolean;
  write_only_attributes_allowed?: boolean;
}
export const ClientCapabilities: MessageDescriptor = [
  { no: 1, name: 'deferral_allowed', kind: 'bool' },
  // Terraform 1.11 and later: configuration may set write-only attributes.
  { no: 2, name: 'write_only_attributes_allowed', kind: 'bool' },
];

// ---- RPC requests and responses (named <Rpc>Request / <Rpc>Response) ----

export const Empty: MessageDescriptor = [];

export const GetMetadataResponse: MessageDescriptor = [
  { no: 1, name: 'server_capabilities', kind: 'message', message: () => ServerCapabilities },
  diagnostics(2),
  { no: 3, name: 'data_sources', kind: 'message', repeated: true, message: () => TypeNameOnly },
  { no: 4, name: 'resources', kind: 'message', repeated: true, message: () => TypeNameOnly },
];
const TypeNameOnly: MessageDescriptor = [{ no: 1, name: 'type_name', kind: 'string' }];

export const GetProviderSchemaResponse: MessageDescriptor = [
  { no: 1, name: 'provider', kind: 'message', message: () => Schema },
  { no: 2, name: 'resource_schemas', kind: 'map', mapValue: 'message', message: () => Schema },
  { no: 3, name: 'data_source_schemas', kind: 'map', mapValue: 'message', message: () => Schema },
  diagnostics(4),
  { no: 6, name: 'server_capabilities', kind: 'message', message: () => ServerCapabilities },
];

export const ValidateProviderConfigRequest: MessageDescriptor = [dynamic(1, 'config')];
// Note: field 2, not 1, in this one response.
export const ValidateProviderConfigResponse: MessageDescriptor = [diagnostics(2)];

/** ValidateDataResourceConfig (and, with client capabilities, ValidateResourceConfig below). */
export const ValidateConfigRequest: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  dynamic(2, 'config'),
];
export const ValidateResourceConfigRequest: MessageDescriptor = [
  ...ValidateConfigRequest,
  { no: 3, name: 'client_capabilities', kind: 'message', message: () => ClientCapabilities },
];
export const DiagnosticsOnlyResponse: MessageDescriptor = [diagnostics(1)];

export const RawState: MessageDescriptor = [
  { no: 1, name: 'json', kind: 'bytes' },
  { no: 2, name: 'flatmap', kind: 'map', mapValue: 'string' },
];
export const UpgradeResourceStateRequest: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  { no: 2, name: 'version', kind: 'int64' },
  { no: 3, name: 'raw_state', kind: 'message', message: () => RawState },
];
export const UpgradeResourceStateResponse: MessageDescriptor = [dynamic(1, 'upgraded_state'), diagnostics(2)];

export const ConfigureProviderRequest: MessageDescriptor = [
  { no: 1, name: 'terraform_version', kind: 'string' },
  dynamic(2, 'config'),
];

export const ReadResourceRequest: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  dynamic(2, 'current_state'),
  { no: 3, name: 'private', kind: 'bytes' },
];
export const ReadResourceResponse: MessageDescriptor = [
  dynamic(1, 'new_state'),
  diagnostics(2),
  { no: 3, name: 'private', kind: 'bytes' },
];

export const PlanResourceChangeRequest: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  dynamic(2, 'prior_state'),
  dynamic(3, 'proposed_new_state'),
  dynamic(4, 'config'),
  { no: 5, name: 'prior_private', kind: 'bytes' },
];
export const PlanResourceChangeResponse: MessageDescriptor = [
  dynamic(1, 'planned_state'),
  { no: 2, name: 'requires_replace', kind: 'message', repeated: true, message: () => AttributePath },
  { no: 3, name: 'planned_private', kind: 'bytes' },
  diagnostics(4),
];

export const ApplyResourceChangeRequest: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  dynamic(2, 'prior_state'),
  dynamic(3, 'planned_state'),
  dynamic(4, 'config'),
  { no: 5, name: 'planned_private', kind: 'bytes' },
];
export const ApplyResourceChangeResponse: MessageDescriptor = [
  dynamic(1, 'new_state'),
  { no: 2, name: 'private', kind: 'bytes' },
  diagnostics(3),
];

export const ImportResourceStateRequest: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  { no: 2, name: 'id', kind: 'string' },
];
const ImportedResource: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  dynamic(2, 'state'),
  { no: 3, name: 'private', kind: 'bytes' },
];
export const ImportResourceStateResponse: MessageDescriptor = [
  { no: 1, name: 'imported_resources', kind: 'message', repeated: true, message: () => ImportedResource },
  diagnostics(2),
];

export const ReadDataSourceRequest: MessageDescriptor = [
  { no: 1, name: 'type_name', kind: 'string' },
  dynamic(2, 'config'),
];
export const ReadDataSourceResponse: MessageDescriptor = [dynamic(1, 'state'), diagnostics(2)];

// StopProvider.Response carries a single string field named "Error" (capitalised in the protocol).
export const StopProviderResponse: MessageDescriptor = [{ no: 1, name: 'Error', kind: 'string' }];

// ---- grpc.health.v1 (go-plugin health checks the service named "plugin") ----
export const HealthCheckRequest: MessageDescriptor = [{ no: 1, name: 'service', kind: 'string' }];
/** status: 1 = SERVING. */
export const HealthCheckResponse: MessageDescriptor = [{ no: 1, name: 'status', kind: 'enum' }];

// ---- plugin.GRPCStdio (go-plugin) ----
/** channel: 1 = STDOUT, 2 = STDERR. */
export const StdioData: MessageDescriptor = [
  { no: 1, name: 'channel', kind: 'enum' },
  { no: 2, name: 'data', kind: 'bytes' },
];
