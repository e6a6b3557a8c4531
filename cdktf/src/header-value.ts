import { TerraformVariable, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { headerValueProblem } from '../../contract';

/** How a header value reaches the synthesized configuration. */
export type HeaderValueSource = 'sensitive-variable' | 'sensitive-token' | 'plain-text' | 'write-only';

/** What `ephemeralVariable` takes: a TerraformVariable's settings (the type is a string; it is always sensitive). */
export interface EphemeralVariableConfig {
  readonly description?: string;
  readonly nullable?: boolean;
}

/**
 * A string Terraform variable declared `ephemeral` (Terraform 1.10 and later) and `sensitive`: its value is set at
 * plan and apply time (`TF_VAR_<name>`) and stored in neither the plan nor the state. CDKTF 0.21 has no setting
 * for it, so this adds the attribute to the synthesized block. Use it with {@link HeaderValue.writeOnly}.
 */
export function ephemeralVariable(scope: Construct, id: string, config: EphemeralVariableConfig = {}): TerraformVariable {
  const variable = new TerraformVariable(scope, id, { type: 'string', sensitive: true, ...config });
  variable.addOverride('ephemeral', true);
  return variable;
}

/** Whether the synthesized block of `variable` says `ephemeral = true` (set through an override). */
function isEphemeral(variable: TerraformVariable): boolean {
  const block = (variable.toTerraform() as { variable: Record<string, { ephemeral?: unknown }> }).variable[variable.friendlyUniqueId];
  return block?.ephemeral === true;
}

/**
 * The value of a custom delivery header. Header values usually carry credentials (`Authorization`, API keys),
 * so the only ways to make one are a sensitive Terraform variable, a token for a value Terraform already
 * treats as sensitive, a write-only value from an ephemeral variable, or an explicit opt-in to plain text. All
 * but the last keep the secret out of the synthesized `cdk.tf.json` (it holds `${var.name}`, not the value) and
 * out of plans; only the write-only form also keeps it out of the Terraform state.
 */
export class HeaderValue {
  /**
   * A value read from a Terraform variable declared with `sensitive: true`; set it at apply time with
   * `TF_VAR_<name>` or a `.tfvars` file. `prefix`/`suffix` wrap it in literal text, e.g. `{ prefix: 'Bearer ' }`
   * for an `Authorization` header; Terraform keeps the result sensitive. A variable without `sensitive: true`
   * fails synthesis.
   */
  static fromSensitiveVariable(variable: TerraformVariable, options: { prefix?: string; suffix?: string } = {}): HeaderValue {
    const prefix = options.prefix ?? '';
    const suffix = options.suffix ?? '';
    const problems: string[] = [];
    if (variable.sensitive !== true) {
      problems.push(
        `must come from a sensitive variable: declare variable "${variable.friendlyUniqueId}" with sensitive: true, ` +
          'or use HeaderValue.plainText() for a value that is not secret',
      );
    }
    const literalProblem = headerValueProblem(prefix + suffix);
    if (literalProblem) problems.push(`prefix/suffix ${literalProblem}`);
    return new HeaderValue('sensitive-variable', `${prefix}${variable.stringValue}${suffix}`, problems);
  }

  /**
   * A token for a value Terraform already treats as sensitive, such as a sensitive attribute of another
   * resource or data source. Only a token is accepted: a literal string here fails synthesis (use
   * {@link HeaderValue.plainText} to opt in to a literal).
   */
  static fromSensitiveToken(token: string): HeaderValue {
    const problems = Token.isUnresolved(token)
      ? []
      : ['must be a token (a reference to a sensitive value); for a literal use HeaderValue.plainText()'];
    return new HeaderValue('sensitive-token', token, problems);
  }

  /**
   * A write-only value (the provider's `value_wo`, Terraform 1.11 and later) read from an ephemeral variable (see
   * {@link ephemeralVariable}): sent to the API, and stored in neither the plan nor the state, nor (ephemeral) the
   * saved plan. The destination then needs `headersWriteOnlyVersion`; change it to send a new value. Terraform
   * cannot detect drift on such a value. `prefix`/`suffix` as for {@link HeaderValue.fromSensitiveVariable}. A
   * variable that is not ephemeral fails synthesis.
   */
  static writeOnly(variable: TerraformVariable, options: { prefix?: string; suffix?: string } = {}): HeaderValue {
    const prefix = options.prefix ?? '';
    const suffix = options.suffix ?? '';
    const literalProblem = headerValueProblem(prefix + suffix);
    // Checked at synthesis, not here: the variable may be made ephemeral after this call (addOverride).
    return new HeaderValue('write-only', `${prefix}${variable.stringValue}${suffix}`, () => [
      ...(isEphemeral(variable)
        ? []
        : [
            `must come from an ephemeral variable for a write-only value: declare "${variable.friendlyUniqueId}" with ephemeralVariable(), ` +
              "or call addOverride('ephemeral', true) on it",
          ]),
      ...(literalProblem ? [`prefix/suffix ${literalProblem}`] : []),
    ]);
  }

  /**
   * A value that is not secret (a team name, a routing key). Opting in means accepting that it is written in
   * plain text into the synthesized configuration and Terraform state. It is checked at synthesis like the
   * API checks it: no CR, LF, NUL or other control characters, at most 4096 characters.
   */
  static plainText(value: string): HeaderValue {
    const problem = Token.isUnresolved(value) ? undefined : headerValueProblem(value);
    return new HeaderValue('plain-text', value, problem ? [problem] : []);
  }

  private constructor(
    /** How the value was given. */
    readonly source: HeaderValueSource,
    /** What goes into the configuration: a token reference unless the source is plain text. */
    readonly terraformValue: string,
    private readonly check: readonly string[] | (() => readonly string[]),
  ) {}

  /** Why the value is refused, as of now (synthesis asks); messages never repeat the value. */
  get problems(): readonly string[] {
    return typeof this.check === 'function' ? this.check() : this.check;
  }

  /** Whether it goes to the write-only `value_wo` rather than `value`. */
  get writeOnly(): boolean {
    return this.source === 'write-only';
  }
}
