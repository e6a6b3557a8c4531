/**
 * The contract between the protocol layer and the provider's own code. A resource or data source is one
 * object implementing these interfaces, listed in provider/registry.ts; the protocol layer does the rest
 * (value coding, generic planning, diagnostics, transport).
 *
 * Handlers report problems on the `diags` collector (or throw DiagnosticError) and return the new value.
 */
import type { Diagnostics } from './diagnostics';
import type { Logger } from './log';
import type { BlockSchema } from './schema';
import type { ObjectValue } from './values';

export interface ResourceType<Client> {
  /** Full type name, e.g. commonfate_webhook_integration. */
  typeName: string;
  schema: BlockSchema;
  /** Plan-time checks on configuration; values may be UNKNOWN and must then be skipped. */
  validate?(config: ObjectValue, diags: Diagnostics): void;
  /**
   * Returns the new state, or null when nothing was created. `config` is the configuration as written, the only
   * place write-only values are found (they are null in `planned`).
   */
  create(client: Client, planned: ObjectValue, diags: Diagnostics, config: ObjectValue): Promise<ObjectValue | null>;
  /** Returns the refreshed state, or null when the object no longer exists (Terraform plans to re-create it). */
  read(client: Client, state: ObjectValue, diags: Diagnostics): Promise<ObjectValue | null>;
  /** Returns the new state; on failure return null and the prior state is kept. `config` as for create. */
  update(client: Client, prior: ObjectValue, planned: ObjectValue, diags: Diagnostics, config: ObjectValue): Promise<ObjectValue | null>;
  /** Deleting something already gone must succeed. */
  delete(client: Client, state: ObjectValue, diags: Diagnostics): Promise<void>;
  /** Returns the state for an existing object by its import id; Terraform then calls read. */
  importState(client: Client, id: string, diags: Diagnostics): Promise<ObjectValue | null>;
}

export interface DataSourceType<Client> {
  typeName: string;
  schema: BlockSchema;
  validate?(config: ObjectValue, diags: Diagnostics): void;
  read(client: Client, config: ObjectValue, diags: Diagnostics): Promise<ObjectValue | null>;
}

export interface ConfigureContext {
  terraformVersion: string;
  /** Aborted when Terraform asks the provider to stop (StopProvider); pass it to outgoing requests. */
  signal: AbortSignal;
  /** The provider's log (stderr, forwarded by Terraform); never pass values, which may be secrets. */
  log: Logger;
}

export interface ProviderDefinition<Client> {
  schema: BlockSchema;
  validate?(config: ObjectValue, diags: Diagnostics): void;
  /** Returns the client handed to every resource call, or undefined after reporting what is wrong. */
  configure(config: ObjectValue, diags: Diagnostics, ctx: ConfigureContext): Promise<Client | undefined>;
  resources: readonly ResourceType<Client>[];
  dataSources: readonly DataSourceType<Client>[];
}
