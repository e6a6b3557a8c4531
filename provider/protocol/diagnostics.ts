/**
 * Diagnostics: how every problem reaches the user. Terraform renders them with the configuration line the
 * attribute path points at, so a diagnostic should carry a path whenever one attribute is to blame, and its
 * detail should say what to do next. Problems are never reported as gRPC errors: Terraform shows those as
 * "plugin did not respond" without a location.
 */
import { SEVERITY_ERROR, SEVERITY_WARNING, type DiagnosticMessage, type PathStepMessage } from './messages';

/** A step in an attribute path: an attribute name, a list index, or a map key. */
export type PathStep = string | number | { key: string };
export type AttributePath = readonly PathStep[];

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  path?: AttributePath;
}

/** An error that already knows how to present itself to the user; thrown by clients, caught by the server. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.summary).join('; '));
    this.name = 'DiagnosticError';
  }
}

/** Collects diagnostics for one RPC. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(summary: string, detail: string, path?: AttributePath): void {
    this.items.push({ severity: 'error', summary, detail, path });
  }

  warning(summary: string, detail: string, path?: AttributePath): void {
    this.items.push({ severity: 'warning', summary, detail, path });
  }

  add(...diagnostics: Diagnostic[]): void {
    this.items.push(...diagnostics);
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

/** Renders a path the way a user writes it in HCL, e.g. headers[0].key, for details and logs. */
export function formatPath(path: AttributePath): string {
  return path
    .map((step, i) =>
      typeof step === 'number' ? `[${step}]` : typeof step === 'string' ? (i ? `.${step}` : step) : `["${step.key}"]`,
    )
    .join('');
}

export function pathToProto(path: AttributePath): { steps: PathStepMessage[] } {
  return {
    steps: path.map((step) =>
      typeof step === 'string'
        ? { attribute_name: step }
        : typeof step === 'number'
          ? { element_key_int: step }
          : { element_key_string: step.key },
    ),
  };
}

export function diagnosticToProto(d: Diagnostic): DiagnosticMessage {
  return {
    severity: d.severity === 'error' ? SEVERITY_ERROR : SEVERITY_WARNING,
    summary: d.summary,
    detail: d.detail,
    attribute: d.path && d.path.length ? pathToProto(d.path) : undefined,
  };
}
