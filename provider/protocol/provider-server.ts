/**
 * The tfplugin6 Provider service's behaviour, independent of the gRPC transport: each method takes a decoded
 * request message and returns a response message. It decodes values with the schema, dispatches to the
 * registered resources and data sources, runs the generic planner, and turns every failure into
 * diagnostics (a thrown error never escapes as a gRPC status; Terraform would show it without context).
 */
import { Diagnostics, DiagnosticError, diagnosticToProto, formatPath, type Diagnostic } from './diagnostics';
import { sinceStart, type Logger } from './log';
import { planResourceChange } from './plan';
import type { DataSourceType, ProviderDefinition, ResourceType } from './resource';
import { conformObject, nullWriteOnly, schemaToProto, writeOnlyPaths, type BlockSchema } from './schema';
import { decodeValue, encodeValue } from './msgpack';
import type { ObjectValue, Value } from './values';

type Msg = Record<string, any>;

const dyn = (value: Value) => ({ msgpack: encodeValue(value) });

/** A state or plan as Terraform must get it back: exactly the schema's attributes, write-only ones null. */
function toState(value: unknown, schema: BlockSchema): ObjectValue {
  return nullWriteOnly(conformObject(value, schema.attributes), schema.attributes);
}

export class ProviderServer<Client> {
  private client: Client | undefined;
  /** Known once ConfigureProvider has run (validation may come first). */
  private terraformVersion: string | undefined;
  private readonly stop = new AbortController();
  private readonly resources = new Map<string, ResourceType<Client>>();
  private readonly dataSources = new Map<string, DataSourceType<Client>>();

  constructor(
    private readonly provider: ProviderDefinition<Client>,
    private readonly log: Logger,
  ) {
    for (const r of provider.resources) this.resources.set(r.typeName, r);
    for (const d of provider.dataSources) this.dataSources.set(d.typeName, d);
  }

  /** Aborted by StopProvider; in-flight API calls observe it through the configured client. */
  get stopSignal(): AbortSignal {
    return this.stop.signal;
  }

  getMetadata(): Msg {
    return {
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: true },
      resources: [...this.resources.keys()].map((type_name) => ({ type_name })),
      data_sources: [...this.dataSources.keys()].map((type_name) => ({ type_name })),
      diagnostics: [],
    };
  }

  getProviderSchema(): Msg {
    const resource_schemas: Record<string, unknown> = {};
    for (const [name, r] of this.resources) resource_schemas[name] = schemaToProto(r.schema);
    const data_source_schemas: Record<string, unknown> = {};
    for (const [name, d] of this.dataSources) data_source_schemas[name] = schemaToProto(d.schema);
    return {
      provider: schemaToProto(this.provider.schema),
      resource_schemas,
      data_source_schemas,
      diagnostics: [],
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: true },
    };
  }

  async validateProviderConfig(req: Msg): Promise<Msg> {
    return this.run('ValidateProviderConfig', async (diags) => {
      const config = this.decodeObject(req.config, this.provider.schema);
      this.provider.validate?.(config, diags);
      return {};
    });
  }

  async validateResourceConfig(req: Msg): Promise<Msg> {
    return this.run('ValidateResourceConfig', async (diags) => {
      const r = this.resource(req.type_name);
      const config = this.decodeObject(req.config, r.schema);
      // A CLI that cannot keep write-only values out of plan and state (before Terraform 1.11) must not get any.
      if (!req.client_capabilities?.write_only_attributes_allowed) {
        for (const path of writeOnlyPaths(config, r.schema.attributes)) {
          // The path stops at a list element: Terraform cannot point into a nested attribute's object.
          const element = path.findIndex((step) => typeof step === 'number');
          diags.error(
            'Write-only attribute not supported',
            `${formatPath(path)} is write-only, which needs Terraform 1.11 or later (this is ${this.terraformVersion ?? 'an older version'}). Upgrade Terraform, or set the attribute that is not write-only instead.`,
            element < 0 ? path : path.slice(0, element + 1),
          );
        }
      }
      r.validate?.(config, diags);
      return {};
    });
  }

  async validateDataResourceConfig(req: Msg): Promise<Msg> {
    return this.run('ValidateDataResourceConfig', async (diags) => {
      const d = this.dataSource(req.type_name);
      d.validate?.(this.decodeObject(req.config, d.schema), diags);
      return {};
    });
  }

  async upgradeResourceState(req: Msg): Promise<Msg> {
    return this.run('UpgradeResourceState', async (diags) => {
      const r = this.resource(req.type_name);
      const json: Uint8Array | undefined = req.raw_state?.json;
      if (!json || json.length === 0) {
        diags.error(
          'Unsupported state format',
          'The stored state is in the legacy flatmap format, which this provider never wrote. Remove the resource from state (terraform state rm) and import it again.',
        );
        return {};
      }
      // Schema version 0 is the only version so far: upgrading means shaping the JSON to the schema (attributes
      // added since, such as headers_wo_version, start as null).
      const state = toState(JSON.parse(new TextDecoder().decode(json)), r.schema);
      return { upgraded_state: dyn(state) };
    });
  }

  async configureProvider(req: Msg): Promise<Msg> {
    return this.run('ConfigureProvider', async (diags) => {
      const config = this.decodeObject(req.config, this.provider.schema);
      this.terraformVersion = req.terraform_version;
      this.client = await this.provider.configure(config, diags, {
        terraformVersion: req.terraform_version,
        signal: this.stop.signal,
        log: this.log,
      });
      return {};
    });
  }

  async readResource(req: Msg): Promise<Msg> {
    return this.run('ReadResource', async (diags) => {
      const r = this.resource(req.type_name);
      const current = this.decodeObject(req.current_state, r.schema);
      const next = await r.read(this.configured(), current, diags);
      // On errors keep the current state rather than dropping the resource from state.
      const state = diags.hasErrors() ? current : next;
      return { new_state: dyn(state && toState(state, r.schema)), private: req.private };
    });
  }

  async planResourceChange(req: Msg): Promise<Msg> {
    return this.run('PlanResourceChange', async () => {
      const r = this.resource(req.type_name);
      const proposed = this.decodeNullable(req.proposed_new_state);
      if (proposed === null) return { planned_state: dyn(null) }; // destroy
      const prior = this.decodeNullable(req.prior_state);
      const config = this.decodeObject(req.config, r.schema);
      const { planned, requiresReplace } = planResourceChange(r.schema, prior, proposed, config);
      return {
        planned_state: dyn(nullWriteOnly(planned, r.schema.attributes)),
        requires_replace: requiresReplace.map((path) => ({ steps: path.map((attribute_name) => ({ attribute_name })) })),
        planned_private: req.prior_private,
      };
    });
  }

  async applyResourceChange(req: Msg): Promise<Msg> {
    const r = this.resources.get(req.type_name);
    const prior = this.decodeNullable(req.prior_state);
    return this.run(
      'ApplyResourceChange',
      async (diags) => {
        const res = this.resource(req.type_name);
        const planned = this.decodeNullable(req.planned_state);
        const client = this.configured();
        let next: ObjectValue | null;
        if (planned === null) {
          await res.delete(client, prior!, diags);
          next = diags.hasErrors() ? prior : null;
        } else {
          // Write-only values are only in the configuration (the plan holds null for them).
          const config = this.decodeObject(req.config, res.schema);
          next = prior === null ? await res.create(client, planned, diags, config) : ((await res.update(client, prior, planned, diags, config)) ?? prior);
        }
        return { new_state: dyn(next && toState(next, res.schema)), private: req.planned_private };
      },
      // If the handler throws, Terraform must still get a state: the prior one (nothing changed).
      () => ({ new_state: dyn(prior && r ? toState(prior, r.schema) : prior) }),
    );
  }

  async importResourceState(req: Msg): Promise<Msg> {
    return this.run('ImportResourceState', async (diags) => {
      const r = this.resource(req.type_name);
      const state = await r.importState(this.configured(), req.id, diags);
      if (!state || diags.hasErrors()) return { imported_resources: [] };
      return {
        imported_resources: [{ type_name: r.typeName, state: dyn(toState(state, r.schema)) }],
      };
    });
  }

  async readDataSource(req: Msg): Promise<Msg> {
    return this.run('ReadDataSource', async (diags) => {
      const d = this.dataSource(req.type_name);
      const config = this.decodeObject(req.config, d.schema);
      const state = await d.read(this.configured(), config, diags);
      return { state: dyn(state && !diags.hasErrors() ? conformObject(state, d.schema.attributes) : null) };
    });
  }

  stopProvider(): Msg {
    this.log.log('INFO', 'stop requested; cancelling in-flight requests');
    this.stop.abort();
    return { Error: '' };
  }

  // ---- helpers ----

  /** Runs one RPC, converting thrown errors to diagnostics and logging the outcome (never values). */
  private async run(name: string, handler: (diags: Diagnostics) => Promise<Msg>, onThrow?: () => Msg): Promise<Msg> {
    const diags = new Diagnostics();
    const started = performance.now();
    let response: Msg;
    try {
      response = await handler(diags);
    } catch (err) {
      response = onThrow ? onThrow() : {};
      diags.add(...errorToDiagnostics(err));
      if (!(err instanceof DiagnosticError)) {
        this.log.log('ERROR', `${name} failed`, { error: err instanceof Error ? err.stack : String(err) });
      }
    }
    if (this.log.enabled('DEBUG')) {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      this.log.log('DEBUG', `${name} done`, { ms, diagnostics: diags.items.length, at_ms: sinceStart() });
    }
    return { ...response, diagnostics: diags.items.map(diagnosticToProto) };
  }

  private resource(typeName: string): ResourceType<Client> {
    const r = this.resources.get(typeName);
    if (!r) throw unknownType('resource', typeName);
    return r;
  }

  private dataSource(typeName: string): DataSourceType<Client> {
    const d = this.dataSources.get(typeName);
    if (!d) throw unknownType('data source', typeName);
    return d;
  }

  private configured(): Client {
    if (this.client === undefined) {
      throw new DiagnosticError([
        {
          severity: 'error',
          summary: 'Provider not configured',
          detail: 'The commonfate provider configuration has errors (reported above); fix them and run again.',
        },
      ]);
    }
    return this.client;
  }

  private decodeNullable(dv: Msg | undefined): ObjectValue | null {
    return decodeValue(dv?.msgpack) as ObjectValue | null;
  }

  private decodeObject(dv: Msg | undefined, schema: BlockSchema): ObjectValue {
    return conformObject(decodeValue(dv?.msgpack), schema.attributes);
  }
}

function unknownType(kind: string, typeName: string): DiagnosticError {
  return new DiagnosticError([
    {
      severity: 'error',
      summary: `Unknown ${kind} type`,
      detail: `This provider has no ${kind} named "${typeName}". Check the type name, or upgrade the provider.`,
    },
  ]);
}

function errorToDiagnostics(err: unknown): Diagnostic[] {
  if (err instanceof DiagnosticError) return err.diagnostics;
  return [
    {
      severity: 'error',
      summary: 'Unexpected provider error',
      detail: `${err instanceof Error ? err.message : String(err)}\n\nThis is a bug in the provider; please report it with the output of TF_LOG=debug.`,
    },
  ];
}
